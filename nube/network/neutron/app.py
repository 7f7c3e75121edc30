"""The network API WSGI application (Neutron v2.0 subset), middleware
included.

Outer to inner: request id, error rendering (which first refuses a path
or query string that is not UTF-8), the version document ``GET /`` (no
auth), the body size limit, authentication ([network_api]
auth_strategy, the compute API's strategies), then the route table.
Every error is Neutron's ``{"NeutronError": {"type", "message",
"detail"}}``: a NetworkError's own type and status, webob's class name
for the others (``HTTPNotFound`` for an URL naming nothing). A database
that cannot be reached is 503 with a Retry-After.
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils
import webob
import webob.dec
import webob.exc

from nube.api import auth
from nube.api import middleware
from nube.db import errors as db_errors
from nube import exception
import nube.conf
from nube.network import neutron
from nube.network.neutron import floatingips
from nube.network.neutron import networks
from nube.network.neutron import ports
from nube.network.neutron import schemas
from nube.network.neutron import security_groups
from nube.network.neutron import subnets
from nube import safe_input

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# The core resources (Neutron's ``GET /v2.0`` names no extension's).
RESOURCES = (('network', 'networks'), ('subnet', 'subnets'),
             ('port', 'ports'))

# What nube's network API has of Neutron's extensions (name, alias,
# description, updated), as Neutron describes them.
EXTENSIONS = (
    ('Port Binding', 'binding',
     'Expose port bindings of a virtual port to external application',
     '2014-02-03T10:00:00-00:00'),
    ('Provider Network', 'provider',
     'Expose mapping of virtual networks to physical networks',
     '2012-09-07T10:00:00-00:00'),
    ('Neutron external network', 'external-net',
     'Adds external network attribute to network resource.',
     '2013-01-14T10:00:00-00:00'),
    ('standard-attr-description', 'standard-attr-description',
     'Extension to add descriptions to standard attributes',
     '2016-02-10T10:00:00-00:00'),
    ('Resource timestamps', 'standard-attr-timestamp',
     'Adds created_at and updated_at fields to all Neutron resources that '
     'have Neutron standard attributes.', '2016-09-12T10:00:00-00:00'),
    ('Resource revision numbers', 'standard-attr-revisions',
     'This extension will display the revision number of neutron '
     'resources.', '2016-04-11T10:00:00-00:00'),
    ('project_id field enabled', 'project-id',
     'Extension that indicates that project_id field is enabled.',
     '2016-09-09T09:09:09-09:09'),
    ('Network MTU', 'net-mtu',
     'Provides MTU attribute for a network resource.',
     '2015-03-25T10:00:00-00:00'),
    ('Network MTU (writable)', 'net-mtu-writable',
     'Provides a writable MTU attribute for a network resource.',
     '2017-07-12T00:00:00-00:00'),
    ('Pagination support', 'pagination',
     'Extension that indicates that pagination is enabled.',
     '2016-06-12T00:00:00-00:00'),
    ('Sorting support', 'sorting',
     'Extension that indicates that sorting is enabled.',
     '2016-06-12T00:00:00-00:00'),
    ('IP address substring filtering', 'ip-substring-filtering',
     'Provides IP address substring filtering when listing ports',
     '2017-11-28T09:00:00-00:00'),
    ('security-group', 'security-group', 'The security groups extension.',
     '2012-10-05T10:00:00-00:00'),
    # Floating IPs; the routers collection is there, read-only and empty.
    ('Neutron L3 Router', 'router',
     'Router abstraction for basic L3 forwarding between L2 Neutron '
     'networks and access to external networks via a NAT gateway.',
     '2012-07-20T10:00:00-00:00'),
)


def _extension(name, alias, description, updated):
    return {'name': name, 'alias': alias, 'description': description,
            'updated': updated, 'links': []}


def list_extensions(req, deps):
    return neutron.json_response(
        {'extensions': [_extension(*ext) for ext in EXTENSIONS]})


def show_extension(req, deps, alias):
    for ext in EXTENSIONS:
        if ext[1] == alias:
            return neutron.json_response({'extension': _extension(*ext)})
    raise neutron.ResourceNotFound(
        message='Extension with alias %s does not exist'
        % schemas._shown(alias, 64))


def _base_url(req):
    return req.host_url.rstrip('/') + '/v2.0/'


def list_resources(req, deps):
    base = _base_url(req)
    return neutron.json_response({'resources': [
        {'name': name, 'collection': collection,
         'links': [{'href': base + collection, 'rel': 'self'}]}
        for name, collection in RESOURCES]})


ROUTES = (
    ('/v2.0', {'GET': list_resources}),
    ('/v2.0/', {'GET': list_resources}),
    ('/v2.0/extensions', {'GET': list_extensions}),
    ('/v2.0/extensions/{alias}', {'GET': show_extension}),
    ('/v2.0/networks', {'GET': networks.index, 'POST': networks.create}),
    ('/v2.0/networks/{resource_id}', {'GET': networks.show,
                                      'PUT': networks.update,
                                      'DELETE': networks.delete}),
    ('/v2.0/subnets', {'GET': subnets.index, 'POST': subnets.create}),
    ('/v2.0/subnets/{resource_id}', {'GET': subnets.show,
                                     'PUT': subnets.update,
                                     'DELETE': subnets.delete}),
    ('/v2.0/ports', {'GET': ports.index, 'POST': ports.create}),
    ('/v2.0/ports/{resource_id}', {'GET': ports.show, 'PUT': ports.update,
                                   'DELETE': ports.delete}),
    ('/v2.0/floatingips', {'GET': floatingips.index,
                           'POST': floatingips.create}),
    ('/v2.0/floatingips/{resource_id}', {'GET': floatingips.show,
                                         'PUT': floatingips.update,
                                         'DELETE': floatingips.delete}),
    ('/v2.0/routers', {'GET': floatingips.list_routers}),
    ('/v2.0/routers/{resource_id}', {'GET': floatingips.show_router}),
    ('/v2.0/security-groups', {'GET': security_groups.index,
                               'POST': security_groups.create}),
    ('/v2.0/security-groups/{resource_id}', {
        'GET': security_groups.show, 'PUT': security_groups.update,
        'DELETE': security_groups.delete}),
    ('/v2.0/security-group-rules', {'GET': security_groups.index_rules,
                                    'POST': security_groups.create_rule}),
    # Rules are never changed: PUT is 405.
    ('/v2.0/security-group-rules/{resource_id}', {
        'GET': security_groups.show_rule,
        'DELETE': security_groups.delete_rule}),
)


def _error_response(code, message, headers=None):
    """Neutron's error response, typed by webob's class for ``code``."""
    return neutron.error_response(code, neutron.type_for_status(code),
                                  message, headers)


class Dependencies:
    """The network API (nube.network.api) the handlers call."""

    def __init__(self, network_api=None):
        if network_api is None:
            from nube.network import api as network_api_module
            network_api = network_api_module.API()
        self.api = network_api


class Router:
    """Exact paths; a ``.json`` suffix (python-neutronclient's) is the
    same resource."""

    def __init__(self, deps, table=ROUTES):
        self.deps = deps
        self.routes = middleware.compile_routes(table)

    @webob.dec.wsgify
    def __call__(self, req):
        path = req.path_info
        if path.endswith('.json'):
            path = path[:-len('.json')]
        for regex, methods in self.routes:
            match = regex.match(path)
            if match is None:
                continue
            handler = methods.get(req.method)
            if handler is None:
                raise neutron.MethodNotAllowed(sorted(methods))
            try:
                return handler(req, self.deps, **match.groupdict())
            except webob.exc.HTTPException as exc:
                # Whatever webob raised, in Neutron's shape.
                return _error_response(exc.code, exc.title + '.')
        raise neutron.ResourceNotFound()


class VersionDocument:
    """``GET /``: the one API version, without authentication."""

    PATHS = ('', '/')

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        if req.path_info not in self.PATHS or req.method not in ('GET',
                                                                 'HEAD'):
            return req.get_response(self.application)
        return neutron.json_response({'versions': [
            {'id': 'v2.0', 'status': 'CURRENT',
             'links': [{'href': _base_url(req), 'rel': 'self'}]}]})


def render_error(exc):
    """Neutron's error response for ``exc``; None for an unexpected one."""
    if isinstance(exc, neutron.MethodNotAllowed):
        return neutron.error_response(
            405, exc.neutron_type, exc.message,
            {'Allow': ', '.join(exc.allowed)})
    if isinstance(exc, exception.NubeException):
        code, neutron_type, message = neutron.from_nube(exc)
        if code >= 500:
            LOG.error('Network API request failed: %s', message)
        return neutron.error_response(code, neutron_type, message,
                                      db_errors.retry_headers(code))
    if isinstance(exc, safe_input.InvalidInput):
        return neutron.error_response(400, 'HTTPBadRequest', exc.message)
    classified = db_errors.classify(exc)
    if classified is None:
        return None
    code, message = classified
    if code >= 500:
        LOG.warning('Network API database error: %s', exc)
    return _error_response(code, message, db_errors.retry_headers(code))


def internal_error():
    return neutron.error_response(
        500, 'HTTPInternalServerError',
        'Request Failed: internal server error while processing your '
        'request.')


class Errors(middleware.ErrorMiddleware):
    """Exceptions -> Neutron's error bodies; never a traceback."""

    def __init__(self, application):
        super().__init__(application, render_error, internal_error, LOG)


def error_body(code, message):
    """Neutron's error document, for errors the WSGI server answers."""
    return 'application/json', jsonutils.dump_as_bytes(
        {'NeutronError': {'type': neutron.type_for_status(code),
                          'message': message, 'detail': ''}})


def create_app(network_api=None):
    """The whole network API as one WSGI callable."""
    deps = Dependencies(network_api=network_api)
    app = Router(deps)
    app = auth.load(app, CONF.network_api.auth_strategy)
    # 413 in Neutron's shape past [network_api] max_request_body_size.
    app = middleware.BodySizeLimit(
        app, lambda: CONF.network_api.max_request_body_size,
        _error_response)
    app = VersionDocument(app)
    app = Errors(app)
    # The image and network APIs answer x-openstack-request-id only.
    app = middleware.RequestIdMiddleware(
        app, headers=('x-openstack-request-id',))
    return app
