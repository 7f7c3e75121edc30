"""Handlers for /v2/images/{id}/members: sharing an image with projects.

The owner adds and removes members (shared images only); each member
accepts or rejects the share itself. Statuses: pending, accepted,
rejected.
"""

from nube import exception
from nube.image.api import common
from nube.image.api import images
from nube.image.api import policy
from nube.image.api import schemas
from nube.image.api import views


def _member_not_found(image_id, member_id):
    return exception.NotFound('Member %s not found in image %s'
                              % (member_id, image_id))


def index(req, deps, image_id):
    ctxt = common.context(req)
    image = images.get_image(deps, ctxt, image_id)
    policy.check_sharable(image)
    policy.check_read_members(ctxt, image)
    members = deps.registry.member_get_all(ctxt, image['id'])
    return common.json_response(views.members(
        policy.visible_members(ctxt, image, members)))


def create(req, deps, image_id):
    ctxt = common.context(req)
    body = common.json_body(req)
    schemas.validate(schemas.MEMBER_CREATE, body)
    image = images.get_image(deps, ctxt, image_id)
    policy.check_manage_members(ctxt, image)
    count = len(deps.registry.member_get_all(ctxt, image['id']))
    if count >= schemas.MAX_MEMBERS:
        raise common.ApiError(413, (
            'The limit has been exceeded on the number of allowed image '
            'members for this image. Attempted: %d, Maximum: %d'
            % (count + 1, schemas.MAX_MEMBERS)))
    member = deps.registry.member_create(ctxt, image['id'], body['member'])
    return common.json_response(views.member(member))


def show(req, deps, image_id, member_id):
    ctxt = common.context(req)
    image = images.get_image(deps, ctxt, image_id)
    policy.check_sharable(image)
    if not (ctxt.is_admin or policy.is_owner(ctxt, image)
            or ctxt.project_id == member_id):
        raise _member_not_found(image['id'], member_id)
    policy.check_read_members(ctxt, image, 'get_member')
    try:
        member = deps.registry.member_get(ctxt, image['id'], member_id)
    except exception.NotFound:
        raise _member_not_found(image['id'], member_id)
    return common.json_response(views.member(member))


def update(req, deps, image_id, member_id):
    ctxt = common.context(req)
    body = common.json_body(req)
    schemas.validate(schemas.MEMBER_UPDATE, body)
    image = images.get_image(deps, ctxt, image_id)
    policy.check_member_status_change(ctxt, image, member_id)
    try:
        member = deps.registry.member_update(ctxt, image['id'], member_id,
                                             body['status'])
    except exception.NotFound:
        raise _member_not_found(image['id'], member_id)
    return common.json_response(views.member(member))


def delete(req, deps, image_id, member_id):
    ctxt = common.context(req)
    image = images.get_image(deps, ctxt, image_id)
    policy.check_manage_members(ctxt, image, 'delete_member')
    try:
        deps.registry.member_delete(ctxt, image['id'], member_id)
    except exception.NotFound:
        raise _member_not_found(image['id'], member_id)
    return common.no_content()
