"""Authentication strategies for the compute API (entry points nube.api.auth).

``noauth2`` trusts the token: ``X-Auth-Token: user:project`` (or ``user``,
then the project is named like the user). Development and tests only.
"""

from oslo_serialization import jsonutils
from stevedore import driver
import webob
import webob.dec

from nube.api import middleware
from nube import context as nube_context
import nube.conf

CONF = nube.conf.CONF

ENV_CONTEXT = 'nube.context'


def unauthorized_response():
    """401 as keystonemiddleware answers it, so clients re-authenticate."""
    response = webob.Response(status=401, content_type='application/json',
                              charset=None)
    response.body = jsonutils.dump_as_bytes(
        {'error': {'code': 401, 'title': 'Unauthorized',
                   'message': 'The request you have made requires '
                              'authentication.'}})
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


def load(application, strategy=None):
    """Wrap ``application`` in the configured auth strategy's middleware."""
    strategy = strategy or CONF.api.auth_strategy
    manager = driver.DriverManager('nube.api.auth', strategy,
                                   invoke_on_load=True,
                                   invoke_args=(application,))
    return manager.driver
