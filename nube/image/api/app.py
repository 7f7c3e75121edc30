"""The image API WSGI application (Glance v2), middleware included.

Outer to inner: request id, error rendering (which first refuses a path
or query string that is not UTF-8), version documents (no auth), the
body size limit (image data exempt), authentication ([image_api]
auth_strategy, the compute API's strategies), then the route table.
Errors look like Glance's: webob's error pages, which follow the
request's Accept header (JSON ``{"message", "code", "title"}`` for
application/json). A registry or database that cannot be reached is 503
with a Retry-After.

The image API holds no database connection: metadata goes through the
registry client, data through the stores.
"""

import re

from oslo_log import log as logging
from oslo_serialization import jsonutils
import webob
import webob.dec
import webob.exc

from nube.api import auth
from nube.api import middleware
from nube import exception
from nube.db import errors as db_errors
from nube.openapi import wsgi as openapi_wsgi
from nube import safe_input
import nube.conf
from nube.image.api import common
from nube.image.api import image_data
from nube.image.api import images
from nube.image.api import members
from nube.image.api import patch
from nube.image.api import schemas
from nube.image import stores

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# Glance's v2 minor versions without multi-store or cache (2.8-2.16).
VERSIONS = (('v2.15', 'CURRENT'), ('v2.9', 'SUPPORTED'),
            ('v2.7', 'SUPPORTED'), ('v2.6', 'SUPPORTED'),
            ('v2.5', 'SUPPORTED'), ('v2.4', 'SUPPORTED'),
            ('v2.3', 'SUPPORTED'), ('v2.2', 'SUPPORTED'),
            ('v2.1', 'SUPPORTED'), ('v2.0', 'SUPPORTED'))


def show_schema(req, deps, name):
    if name not in schemas.SCHEMAS:
        raise exception.NotFound('Schema %s not found' % name)
    return common.json_response(schemas.SCHEMAS[name]())


ROUTES = (
    ('/v2/images', {'GET': images.index, 'POST': images.create}),
    ('/v2/images/{image_id}', {'GET': images.show, 'PATCH': images.update,
                               'DELETE': images.delete}),
    ('/v2/images/{image_id}/file', {'GET': image_data.download,
                                    'PUT': image_data.upload}),
    ('/v2/images/{image_id}/stage', {'PUT': image_data.stage}),
    ('/v2/images/{image_id}/import', {'POST': image_data.import_image}),
    ('/v2/images/{image_id}/actions/deactivate',
     {'POST': images.deactivate}),
    ('/v2/images/{image_id}/actions/reactivate',
     {'POST': images.reactivate}),
    ('/v2/images/{image_id}/tags/{tag}', {'PUT': images.add_tag,
                                          'DELETE': images.delete_tag}),
    ('/v2/images/{image_id}/members', {'GET': members.index,
                                       'POST': members.create}),
    ('/v2/images/{image_id}/members/{member_id}',
     {'GET': members.show, 'PUT': members.update,
      'DELETE': members.delete}),
    ('/v2/schemas/{name}', {'GET': show_schema}),
    ('/v2/info/import', {'GET': image_data.import_info}),
    ('/v2/openapi.json', {'GET': openapi_wsgi.image_document}),
)


class Dependencies:
    """The registry client and the stores handlers use."""

    def __init__(self, registry=None, store_manager=None):
        if registry is None:
            from nube.image.registry import client
            registry = client.RegistryClient()
        self.registry = registry
        self.stores = store_manager or stores.StoreManager()


class Router:
    """Exact paths: as in Glance, '/v2/images/' (an empty id) is 404."""

    def __init__(self, deps, table=ROUTES):
        self.deps = deps
        self.routes = middleware.compile_routes(table)

    @webob.dec.wsgify
    def __call__(self, req):
        for regex, methods in self.routes:
            match = regex.match(req.path_info)
            if match is None:
                continue
            handler = methods.get(req.method)
            if handler is None:
                raise webob.exc.HTTPMethodNotAllowed(
                    headers={'Allow': ', '.join(sorted(methods))})
            return handler(req, self.deps, **match.groupdict())
        raise webob.exc.HTTPNotFound()


class VersionDocuments:
    """GET / and /versions (and /v2): 300 with the version list."""

    PATHS = ('', '/', '/versions', '/v2', '/v2/')

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        if req.path_info not in self.PATHS or req.method not in ('GET',
                                                                 'HEAD'):
            return req.get_response(self.application)
        base = (CONF.image_api.public_endpoint or req.application_url)
        href = base.rstrip('/') + '/v2/'
        body = {'versions': [
            {'id': version, 'status': status,
             'links': [{'rel': 'self', 'href': href}]}
            for version, status in VERSIONS]}
        response = webob.Response(status=300, charset=None,
                                  content_type='application/json')
        response.body = jsonutils.dump_as_bytes(body)
        return response


# Routes whose body is image data (limited by [image_store]
# image_size_cap, not by [image_api] max_request_body_size).
_DATA_ROUTE = re.compile(r'^/v2/images/[^/]+/(file|stage)$')


def render_error(exc):
    """Glance's error response for ``exc``; None for an unexpected one."""
    if isinstance(exc, webob.exc.HTTPException):
        return exc
    if isinstance(exc, exception.NubeException):
        code = int(exc.code or 500)
        if code >= 500:
            LOG.error('Image API request failed: %s', exc.message)
        cls = webob.exc.status_map.get(code,
                                       webob.exc.HTTPInternalServerError)
        headers = {}
        if isinstance(exc, patch.UnsupportedMediaType):
            headers['Accept-Patch'] = exc.accept_patch
        if code == 503:
            headers.update(db_errors.retry_headers(503))
        return cls(explanation=exc.message, headers=headers)
    if isinstance(exc, safe_input.InvalidInput):
        return webob.exc.HTTPBadRequest(explanation=exc.message)
    return None


def internal_error():
    return webob.exc.HTTPInternalServerError(
        explanation='Unexpected error while serving the request.')


class Errors(middleware.ErrorMiddleware):
    """Exceptions -> Glance-style error responses; never a traceback."""

    def __init__(self, application):
        super().__init__(application, render_error, internal_error, LOG)


def error_body(code, message):
    """Glance's JSON error document, for errors the WSGI server answers."""
    title = webob.exc.status_map[code].title if code in \
        webob.exc.status_map else 'Error'
    return 'application/json', jsonutils.dump_as_bytes(
        {'message': message, 'code': '%d %s' % (code, title),
         'title': title})


def create_app(registry=None, store_manager=None):
    """The whole image API as one WSGI callable."""
    deps = Dependencies(registry=registry, store_manager=store_manager)
    app = Router(deps)
    app = auth.load(app, CONF.image_api.auth_strategy)
    # 413 in Glance's shape for a body over [image_api]
    # max_request_body_size, before anything reads it (a chunked body is
    # counted as it is read); image data uploads are exempt.
    app = middleware.BodySizeLimit(
        app, lambda: CONF.image_api.max_request_body_size,
        lambda code, message: webob.exc.status_map[code](
            explanation=message), exempt=_DATA_ROUTE)
    app = VersionDocuments(app)
    app = Errors(app)
    # The image and network APIs answer x-openstack-request-id only.
    app = middleware.RequestIdMiddleware(
        app, headers=('x-openstack-request-id',))
    return app
