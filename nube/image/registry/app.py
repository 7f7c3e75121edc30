"""nube-image-registry's WSGI application: image metadata over REST.

Internal only. It trusts its caller (the image API), which names the user
in ``X-Nube-*`` headers; reads apply Glance's visibility rules for that
user, writes are done as asked. With ``[image_registry] auth_strategy =
keystone`` the caller itself must present a token of a service (or admin)
user, validated by keystonemiddleware. Bodies are JSON; errors are
``{"error": {"code": N, "message": M}}``.

  GET    /images?filters=JSON&marker=&limit=&sort_key=&sort_dir=
         &member_status=                      -> {"images": [...]}
  POST   /images {"image", "properties", "tags", "locations"}
  GET    /images/ID                           -> {"image": {...}}
  PUT    /images/ID {"values", "properties", "remove_properties",
                     "locations", "expect_status"}
  DELETE /images/ID                           -> {"image": <as it was>}
  PUT|DELETE /images/ID/tags/TAG
  GET|POST   /images/ID/members  {"member": PROJECT}
  GET|PUT|DELETE /images/ID/members/PROJECT  {"status": S}
"""

import re

import jsonschema
from keystonemiddleware import auth_token
from oslo_log import log as logging
from oslo_serialization import jsonutils
import webob
import webob.dec

from nube import context as nube_context
from nube.db import errors as db_errors
from nube import exception
from nube import safe_input
import nube.conf
from nube import policy
from nube.db.image import api as image_db
from nube.image.registry import client

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)


def context_from_headers(headers):
    roles = [r for r in headers.get(client.HEADER_ROLES, '').split(',') if r]
    return nube_context.RequestContext(
        user_id=headers.get(client.HEADER_USER) or None,
        project_id=headers.get(client.HEADER_PROJECT) or None,
        is_admin=headers.get(client.HEADER_ADMIN, '').lower() == 'true',
        roles=roles, overwrite=False,
        global_request_id=headers.get(client.HEADER_REQUEST_ID))


def _json_response(body, status=200):
    response = webob.Response(status=status, charset=None,
                              content_type='application/json')
    response.body = jsonutils.dump_as_bytes(body)
    return response


def _error(code, message):
    return _json_response({'error': {'code': code, 'message': message}},
                          status=code)


_STRING_MAP = {'type': 'object', 'additionalProperties': {
    'type': ['string', 'null']}}
_LOCATIONS = {'type': 'array', 'items': {
    'type': 'object', 'required': ['url'],
    'properties': {'url': {'type': 'string'},
                   'metadata': {'type': 'object'},
                   'status': {'type': 'string'}}}}
_NAMES = {'type': 'array', 'items': {'type': 'string'}}
BODY_SCHEMAS = {
    'create_image': {
        'type': 'object', 'additionalProperties': False,
        'properties': {'image': {'type': 'object'},
                       'properties': _STRING_MAP, 'tags': _NAMES,
                       'locations': _LOCATIONS}},
    'update_image': {
        'type': 'object', 'additionalProperties': False,
        'properties': {'values': {'type': 'object'},
                       'properties': _STRING_MAP,
                       'remove_properties': _NAMES,
                       'locations': _LOCATIONS,
                       'expect_status': {'type': ['string', 'array',
                                                  'null']}}},
    'create_member': {
        'type': 'object', 'additionalProperties': False,
        'required': ['member'],
        'properties': {'member': {'type': 'string', 'minLength': 1,
                                  'maxLength': 255}}},
    'update_member': {
        'type': 'object', 'additionalProperties': False,
        'required': ['status'],
        'properties': {'status': {'type': 'string'}}},
}


def _body(req, name):
    """The JSON body, checked against BODY_SCHEMAS[name]."""
    try:
        body = safe_input.loads(req.body) if req.body else {}
    except safe_input.InvalidInput as exc:
        raise exception.Invalid(exc.message)
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft4Validator(BODY_SCHEMAS[name]).iter_errors(body))
    if error is not None:
        raise exception.Invalid('Invalid %s body: %s' % (name,
                                                         error.message))
    return body


class Handlers:
    """One method per route; ``db`` is a nube.db.image.api.ImageDatabase."""

    def __init__(self, db):
        self.db = db

    def list_images(self, req, ctxt):
        params = req.GET
        filters = {}
        if params.get('filters'):
            try:
                filters = safe_input.loads(params['filters'])
            except safe_input.InvalidInput:
                raise exception.Invalid('filters must be a JSON object')
            if not isinstance(filters, dict):
                raise exception.Invalid('filters must be a JSON object')
        try:
            limit = int(params['limit']) if params.get('limit') else None
        except ValueError:
            raise exception.Invalid('limit must be an integer')
        images = self.db.image_get_all(
            ctxt, filters=filters, marker=params.get('marker') or None,
            limit=limit,
            sort_keys=params.getall('sort_key') or None,
            sort_dirs=params.getall('sort_dir') or None,
            member_status=params.get('member_status', 'accepted'))
        return _json_response({'images': images})

    def create_image(self, req, ctxt):
        body = _body(req, 'create_image')
        image = self.db.image_create(
            body.get('image') or {}, properties=body.get('properties'),
            tags=body.get('tags'), locations=body.get('locations'))
        return _json_response({'image': image}, status=201)

    def show_image(self, req, ctxt, image_id):
        return _json_response({'image': self.db.image_get(image_id, ctxt)})

    def update_image(self, req, ctxt, image_id):
        body = _body(req, 'update_image')
        image = self.db.image_update(
            image_id, values=body.get('values'),
            properties=body.get('properties'),
            remove_properties=body.get('remove_properties'),
            locations=body.get('locations'),
            expect_status=body.get('expect_status'))
        return _json_response({'image': image})

    def delete_image(self, req, ctxt, image_id):
        return _json_response({'image': self.db.image_destroy(image_id)})

    def add_tag(self, req, ctxt, image_id, tag):
        self.db.image_tag_add(image_id, tag)
        return webob.Response(status=204, content_type=None)

    def delete_tag(self, req, ctxt, image_id, tag):
        self.db.image_tag_delete(image_id, tag)
        return webob.Response(status=204, content_type=None)

    def list_members(self, req, ctxt, image_id):
        return _json_response({'members': self.db.member_get_all(image_id)})

    def create_member(self, req, ctxt, image_id):
        member = _body(req, 'create_member')['member']
        return _json_response(
            {'member': self.db.member_create(image_id, member)}, status=201)

    def show_member(self, req, ctxt, image_id, member_id):
        return _json_response(
            {'member': self.db.member_get(image_id, member_id)})

    def update_member(self, req, ctxt, image_id, member_id):
        status = _body(req, 'update_member')['status']
        return _json_response(
            {'member': self.db.member_update(image_id, member_id, status)})

    def delete_member(self, req, ctxt, image_id, member_id):
        self.db.member_delete(image_id, member_id)
        return webob.Response(status=204, content_type=None)


ROUTES = (
    ('/images', {'GET': 'list_images', 'POST': 'create_image'}),
    ('/images/{image_id}', {'GET': 'show_image', 'PUT': 'update_image',
                            'DELETE': 'delete_image'}),
    ('/images/{image_id}/tags/{tag}', {'PUT': 'add_tag',
                                       'DELETE': 'delete_tag'}),
    ('/images/{image_id}/members', {'GET': 'list_members',
                                    'POST': 'create_member'}),
    ('/images/{image_id}/members/{member_id}',
     {'GET': 'show_member', 'PUT': 'update_member',
      'DELETE': 'delete_member'}),
)


def compile_routes(table):
    """[(regex, methods)] from '/a/{name}/b' templates (no '/' in names)."""
    compiled = []
    for template, methods in table:
        pattern = re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', template)
        compiled.append((re.compile('^%s/?$' % pattern), methods))
    return compiled


class RegistryApp:
    def __init__(self, db=None):
        self.handlers = Handlers(db or image_db.get_database())
        self.routes = compile_routes(ROUTES)

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            safe_input.check_environ(req.environ)
        except safe_input.InvalidInput as exc:
            return _error(400, exc.message)
        for regex, methods in self.routes:
            match = regex.match(req.path_info)
            if match is None:
                continue
            name = methods.get(req.method)
            if name is None:
                response = _error(405, 'Method not allowed')
                response.headers['Allow'] = ', '.join(sorted(methods))
                return response
            ctxt = context_from_headers(req.headers)
            try:
                return getattr(self.handlers, name)(req, ctxt,
                                                    **match.groupdict())
            except exception.NubeException as exc:
                code = exc.code if 400 <= int(exc.code or 500) < 600 \
                    else 500
                return _error(code, exc.message)
            except Exception as exc:
                known = db_errors.classify(exc)
                if known is not None:
                    LOG.error('Registry request %s %s: %s', req.method,
                              safe_input.printable_path(req.environ), exc)
                    response = _error(*known)
                    response.headers.update(
                        db_errors.retry_headers(known[0]))
                    return response
                LOG.exception('Registry error serving %s %s', req.method,
                              safe_input.printable_path(req.environ))
                return _error(500, 'Internal registry error')
        return _error(404, 'Not found')


class ServicesOnly:
    """Behind auth_token: only service (or admin) users may call."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        if req.headers.get('X-Identity-Status', 'Confirmed') != 'Confirmed':
            return _error(401, 'Authentication required')
        caller = nube_context.RequestContext.from_environ(req.environ)
        if not (policy.authorize(caller, 'service_api', fatal=False) or
                policy.check_is_admin(caller)):
            return _error(403, 'Only nube services may call the image '
                               'registry.')
        return req.get_response(self.application)


def create_app(db=None, auth_strategy=None):
    app = RegistryApp(db)
    if (auth_strategy or CONF.image_registry.auth_strategy) == 'keystone':
        app = auth_token.AuthProtocol(ServicesOnly(app),
                                      {'oslo_config_config': CONF})
    return app
