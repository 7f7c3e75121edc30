"""Glance's image rules (names and checks as Glance's secure defaults).

The image API passes the image as target: ``project_id`` is the image's
owner, ``member_id`` the caller's project when it is a member of the
image, ``visibility`` the image's visibility. Lists are filtered by
visibility in the image registry; these rules decide per image.
"""

from oslo_policy import policy

from nube.policies import base

ADMIN_OR_MEMBER = 'rule:context_is_admin or rule:project_member_api'
ADMIN_OR_READER = 'rule:context_is_admin or rule:project_reader_api'
_VISIBLE = ("(project_id:%(project_id)s or project_id:%(member_id)s or "
            "'community':%(visibility)s or 'public':%(visibility)s or "
            "'shared':%(visibility)s)")
# Readers see what their project may see; computes (service role) read any
# image to boot it.
GET_IMAGE = ('rule:context_is_admin or rule:service_api or '
             '((role:reader or role:member) and %s)' % _VISIBLE)
DOWNLOAD_IMAGE = ('rule:context_is_admin or rule:service_api or '
                  '(role:member and %s)' % _VISIBLE)

_IMAGE = '/v2/images/{image_id}'


def _rule(name, check, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule('add_image', ADMIN_OR_MEMBER, 'Create an image', 'POST',
          '/v2/images'),
    _rule('get_images', ADMIN_OR_READER, 'List images', 'GET',
          '/v2/images'),
    _rule('get_image', GET_IMAGE, 'Show an image', 'GET', _IMAGE),
    _rule('modify_image', ADMIN_OR_MEMBER, 'Update an image', 'PATCH',
          _IMAGE),
    _rule('delete_image', ADMIN_OR_MEMBER, 'Delete an image', 'DELETE',
          _IMAGE),
    _rule('upload_image', ADMIN_OR_MEMBER, 'Upload image data', 'PUT',
          _IMAGE + '/file'),
    _rule('download_image', DOWNLOAD_IMAGE, 'Download image data', 'GET',
          _IMAGE + '/file'),
    _rule('publicize_image', base.ADMIN, 'Make an image public', 'PATCH',
          _IMAGE),
    _rule('communitize_image', ADMIN_OR_MEMBER,
          'Make an image community-visible', 'PATCH', _IMAGE),
    _rule('deactivate', ADMIN_OR_MEMBER, 'Deactivate an image', 'POST',
          _IMAGE + '/actions/deactivate'),
    _rule('reactivate', ADMIN_OR_MEMBER, 'Reactivate an image', 'POST',
          _IMAGE + '/actions/reactivate'),
]


def list_rules():
    return rules
