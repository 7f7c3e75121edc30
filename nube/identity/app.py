"""The nube-identity WSGI application: route table, caller, middleware.

Outer to inner: request id, Keystone error bodies, body size limit, then
the router, which authenticates the caller (``X-Auth-Token``) for every
route but discovery, token creation and self-service password changes.
"""

import re

from oslo_context import context as o_context
from oslo_log import log as logging
import webob
import webob.dec

import nube.conf
from nube.db.identity import api as identity_db
from nube.identity import common
from nube.identity import errors
from nube.identity import fernet
from nube.identity.handlers import assignments
from nube.identity.handlers import auth
from nube.identity.handlers import resources as res
from nube.identity.handlers import revocations
from nube.identity.handlers import versions
from nube.identity import manager
from nube.identity import password as passwords
from nube.identity import provider
from nube.identity import revoke
from nube.openapi import wsgi as openapi_wsgi
from nube import utils
from nube import wsgi

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)


def _crud(collection, resource, extra=()):
    return (
        (collection, {'GET': resource.index, 'POST': resource.create}),
        (collection + '/{entity_id}', {'GET': resource.show,
                                       'PATCH': resource.update,
                                       'DELETE': resource.delete}),
    ) + tuple(extra)


_GRANT = '/v3/projects/{project_id}/users/{user_id}/roles'

ROUTES = (
    ('/', {'GET': versions.versions}),
    ('/v3', {'GET': versions.version}),
    ('/v3/auth/tokens', {'POST': auth.issue_token,
                         'GET': auth.validate_token,
                         'HEAD': auth.check_token,
                         'DELETE': auth.revoke_token}),
    ('/v3/auth/catalog', {'GET': auth.catalog}),
    ('/v3/auth/projects', {'GET': auth.projects}),
    ('/v3/auth/domains', {'GET': auth.domains}),
    ('/v3/users/{entity_id}/password', {'POST': res.USERS.change_password}),
    ('/v3/users/{entity_id}/projects', {'GET': res.USERS.projects}),
    (_GRANT, {'GET': assignments.list_roles}),
    (_GRANT + '/{role_id}', {'PUT': assignments.grant,
                             'GET': assignments.check,
                             'HEAD': assignments.check,
                             'DELETE': assignments.revoke}),
    ('/v3/role_assignments', {'GET': assignments.list_assignments}),
    ('/v3/openapi.json', {'GET': openapi_wsgi.identity_document}),
    ('/v3/OS-REVOKE/events', {'GET': revocations.list_events}),
    ('/v3/domains', {'GET': res.DOMAINS.index}),
    ('/v3/domains/{entity_id}', {'GET': res.DOMAINS.show}),
) + _crud('/v3/users', res.USERS) + _crud('/v3/projects', res.PROJECTS) \
    + _crud('/v3/roles', res.ROLES) + _crud('/v3/regions', res.REGIONS) \
    + _crud('/v3/services', res.SERVICES) \
    + _crud('/v3/endpoints', res.ENDPOINTS)

# (path, method) that need no token.
PUBLIC = {('/', 'GET'), ('/v3', 'GET'), ('/v3/auth/tokens', 'POST'),
          ('/v3/users/{entity_id}/password', 'POST')}


def _compile(template):
    pattern = re.sub(r'\\{(\w+)\\}', r'(?P<\1>[^/]+)', re.escape(template))
    return re.compile('^%s$' % pattern)


class Caller:
    """Who sent the request, from their validated token."""

    def __init__(self, token):
        self.token = token
        self.user_id = token.user_id
        self.project_id = token.project_id
        self.roles = token.role_names
        self.is_admin = 'admin' in self.roles
        self.is_service = 'service' in self.roles
        self.user_domain_id = token.user['domain_id']
        self.project_domain_id = token.project['domain_id'] \
            if token.project else None

    def require_admin(self, action):
        if not self.is_admin:
            raise errors.Forbidden('identity:%s' % action)


class Dependencies:
    """What handlers use: the manager (data), the token provider."""

    def __init__(self, db, keys, now=utils.utcnow):
        self.db = db
        self.now = now
        self.revocations = revoke.RevocationCache(db, now)
        self.manager = manager.Manager(db, self.revocations, now)
        self.provider = provider.TokenProvider(keys, self.manager,
                                               self.revocations, now)


class Router:

    def __init__(self, deps, routes=ROUTES):
        self.deps = deps
        self.routes = [(template, _compile(template), methods)
                       for template, methods in routes]

    def _match(self, path):
        for template, regex, methods in self.routes:
            found = regex.match(path)
            if found:
                return template, methods, found.groupdict()
        raise errors.NotFound('The resource could not be found.')

    def _caller(self, req):
        token_id = req.headers.get('X-Auth-Token', '').strip()
        if not token_id:
            raise errors.Unauthorized()
        try:
            return Caller(self.deps.provider.validate(token_id))
        except errors.NotFound:
            raise errors.Unauthorized()

    @webob.dec.wsgify
    def __call__(self, req):
        path = req.path_info.rstrip('/') or '/'
        template, methods, args = self._match(path)
        method = req.method
        if method == 'HEAD' and 'HEAD' not in methods and 'GET' in methods:
            method = 'GET'
        handler = methods.get(method)
        if handler is None:
            allowed = sorted(methods)
            return errors.error_response(
                405, errors.MethodNotAllowed.message,
                headers={'Allow': ', '.join(allowed)})
        caller = None
        if (template, req.method) not in PUBLIC:
            caller = self._caller(req)
        response = handler(self.deps, req, caller, **args)
        response.headers['Vary'] = 'X-Auth-Token'
        return response


class RequestId:
    """Every response names the request it answers."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        request_id = o_context.generate_request_id()
        req.environ['openstack.request_id'] = request_id
        response = req.get_response(self.application)
        response.headers['x-openstack-request-id'] = request_id
        return response


def create_app(db=None, keys=None, now=utils.utcnow):
    """The whole identity service as one WSGI callable.

    ``db`` defaults to [identity_database], ``keys`` to a KeyRepository
    over [identity] key_repository; ``now`` is the clock tokens use.
    """
    db = db or identity_db.get_database()
    keys = keys or fernet.KeyRepository(CONF.identity.key_repository)
    deps = Dependencies(db, keys, now)
    passwords.warm_up()
    app = Router(deps)
    app = wsgi.BodySizeLimit(
        app, lambda: CONF.identity.max_request_body_size,
        error_response=lambda code, message: errors.error_response(
            code, message))
    app = errors.FaultWrapper(app, common.base_url)
    app = RequestId(app)
    app.deps = deps
    return app
