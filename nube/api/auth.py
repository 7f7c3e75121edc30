"""Authentication strategies for the compute API (entry points nube.api.auth).

``noauth2`` trusts the token: ``X-Auth-Token: user:project`` (or ``user``,
then the project is named like the user). Development and tests only.

``keystone`` puts ``keystonemiddleware.auth_token`` in front (options in
``[keystone_authtoken]``; nube-identity or a real Keystone validates the
tokens) and builds the RequestContext from the headers it sets, after
refusing a token that a revocation event received from the identity
service revokes (nube/api/revocation.py: keystonemiddleware may still hold
its earlier validation in its cache). The image API uses the same
strategies.
"""

from keystoneauth1 import loading as ks_loading
from keystonemiddleware import auth_token
from oslo_log import log as logging
from oslo_serialization import jsonutils
from stevedore import driver
import webob
import webob.dec

from nube.api import middleware
from nube.api import revocation
from nube import context as nube_context
import nube.conf
from nube import policy

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

ENV_CONTEXT = 'nube.context'
ENV_TOKEN_INFO = 'keystone.token_info'
AUTHTOKEN_GROUP = 'keystone_authtoken'


def unauthorized_response(www_authenticate=True):
    """401 as keystonemiddleware answers it, so clients re-authenticate.

    Behind auth_token, which adds its own ``WWW-Authenticate`` (with the
    identity service's URI) to every 401, pass ``www_authenticate=False``.
    """
    response = webob.Response(status=401, content_type='application/json',
                              charset=None)
    response.body = jsonutils.dump_as_bytes(
        {'error': {'code': 401, 'title': 'Unauthorized',
                   'message': 'The request you have made requires '
                              'authentication.'}})
    if www_authenticate:
        response.headers['WWW-Authenticate'] = 'Keystone uri="unknown"'
    return response


class NoAuthMiddleware:
    """Builds the RequestContext straight from the token's text."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        token = req.headers.get('X-Auth-Token', '').strip()
        if not token:
            return unauthorized_response()
        user_id, _sep, project_id = token.partition(':')
        project_id = project_id or user_id
        is_admin = user_id in CONF.api.noauth_admin_users
        roles = ['admin', 'member'] if is_admin else ['member']
        req.environ[ENV_CONTEXT] = nube_context.RequestContext(
            user_id=user_id, project_id=project_id, is_admin=is_admin,
            roles=roles, auth_token=token,
            request_id=req.environ.get(middleware.ENV_REQUEST_ID),
            global_request_id=req.environ.get(
                middleware.ENV_GLOBAL_REQUEST_ID))
        return req.get_response(self.application)


class KeystoneContext:
    """The RequestContext from what keystonemiddleware learned of the token.

    auth_token strips any X-User-Id, X-Roles, ... a client sends and sets
    them only for tokens it validated, so they can be trusted here. Whether
    the caller is an administrator is the policy's ``context_is_admin``.
    A token revoked by an event this process received is refused here even
    when auth_token answered from its cache.
    """

    def __init__(self, application, revocations=None):
        self.application = application
        self.revocations = revocation.REVOCATIONS if revocations is None \
            else revocations

    @webob.dec.wsgify
    def __call__(self, req):
        token_info = req.environ.get(ENV_TOKEN_INFO)
        if token_info is not None and \
                self.revocations.is_revoked(token_info):
            LOG.info('Refused a revoked token of user %s',
                     req.headers.get('X-User-Id'))
            return unauthorized_response(www_authenticate=False)
        if req.headers.get('X-Identity-Status', 'Confirmed') != 'Confirmed' \
                or not req.headers.get('X-User-Id'):
            return unauthorized_response()
        if not req.headers.get('X-Project-Id'):
            # Unscoped tokens own nothing here: Keystone's 401 would make
            # clients retry the same token, so refuse it plainly.
            return _forbidden_response('A project-scoped token is required.')
        ctx = nube_context.RequestContext.from_environ(req.environ)
        ctx.is_admin = policy.check_is_admin(ctx)
        req.environ[ENV_CONTEXT] = ctx
        return req.get_response(self.application)


def _forbidden_response(message):
    response = webob.Response(status=403, content_type='application/json',
                              charset=None)
    response.body = jsonutils.dump_as_bytes(
        {'forbidden': {'code': 403, 'message': message}})
    return response


def keystone(application):
    """The ``keystone`` strategy: auth_token, then KeystoneContext."""
    return auth_token.AuthProtocol(KeystoneContext(application),
                                   {'oslo_config_config': CONF})


def set_authtoken_options(options, conf=None):
    """Set ``[keystone_authtoken]`` options from a dict (nube-all, tests).

    The auth plugin's options (auth_url, username, ...) exist only once a
    plugin is chosen, so they are registered here first.
    """
    conf = conf or CONF
    plugin = ks_loading.get_plugin_loader(options.get('auth_type',
                                                      'password'))
    conf.register_opts(ks_loading.get_auth_plugin_conf_options(plugin),
                       group=AUTHTOKEN_GROUP)
    for name, value in options.items():
        conf.set_override(name, value, group=AUTHTOKEN_GROUP)


def load(application, strategy=None):
    """Wrap ``application`` in the configured auth strategy's middleware."""
    strategy = strategy or CONF.api.auth_strategy
    manager = driver.DriverManager('nube.api.auth', strategy,
                                   invoke_on_load=True,
                                   invoke_args=(application,))
    return manager.driver
