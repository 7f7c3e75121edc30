"""nube.service_auth: which credentials service-to-service calls carry."""

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
import pytest

from nube import context as nube_context
import nube.conf
from nube.image import client as image_client
from nube import service_auth

CONF = nube.conf.CONF
ENDPOINT = 'http://image.example:9292'


@pytest.fixture
def conf():
    """Set options for one test; cleared (and plugins forgotten) after."""
    done = []

    def set_override(name, value, group):
        if group == 'keystone_authtoken':
            # keystonemiddleware registers the group when imported.
            import keystonemiddleware.auth_token  # noqa: F401
        CONF.set_override(name, value, group=group)
        done.append((name, group))

    service_auth.reset()
    yield set_override
    for name, group in done:
        CONF.clear_override(name, group=group)
    service_auth.reset()


def _admin_token(conf, group, token):
    """A keystoneauth plugin that needs no identity service."""
    plugin = ks_loading.get_plugin_loader('admin_token')
    CONF.register_opts(ks_loading.get_auth_plugin_conf_options(plugin),
                       group=group)
    conf('auth_type', 'admin_token', group)
    conf('endpoint', ENDPOINT, group)
    conf('token', token, group)


def _headers(plugin):
    return plugin.get_headers(ks_session.Session())


def user(token='user-token'):
    return nube_context.RequestContext(user_id='u', project_id='p',
                                       roles=['member'], auth_token=token)


def test_without_credentials_tokens_are_passed_through(conf):
    assert service_auth.get_auth() is None
    assert _headers(service_auth.for_user(user(), ENDPOINT, 'admin:admin')) \
        == {'X-Auth-Token': 'user-token'}
    # No user token: the noauth2 fallback token.
    assert _headers(service_auth.for_user(
        nube_context.get_admin_context(), ENDPOINT, 'admin:admin')) == {
        'X-Auth-Token': 'admin:admin'}


def test_service_auth_group_adds_the_service_token(conf):
    _admin_token(conf, 'service_auth', 'svc-token')
    assert _headers(service_auth.for_user(user(), ENDPOINT)) == {
        'X-Auth-Token': 'user-token', 'X-Service-Token': 'svc-token'}
    # Periodic work without a user: the service's own credentials.
    assert _headers(service_auth.for_user(
        nube_context.get_admin_context(), ENDPOINT)) == {
        'X-Auth-Token': 'svc-token'}
    # One plugin per process: it caches its token.
    assert service_auth.get_auth() is service_auth.get_auth()


def test_keystone_apis_fall_back_to_their_authtoken_user(conf):
    _admin_token(conf, 'keystone_authtoken', 'authtoken-user')
    assert service_auth.get_auth() is None   # noauth2 API: not used
    service_auth.reset()
    conf('auth_strategy', 'keystone', 'api')
    assert _headers(service_auth.get_auth()) == {
        'X-Auth-Token': 'authtoken-user'}
    service_auth.reset()
    # [service_auth] wins when it is set.
    _admin_token(conf, 'service_auth', 'svc-token')
    assert _headers(service_auth.get_auth()) == {'X-Auth-Token': 'svc-token'}


def test_image_client_uses_it(conf):
    conf('api_endpoint', ENDPOINT, 'glance')
    _admin_token(conf, 'service_auth', 'svc-token')
    assert _headers(image_client.auth_plugin(user('t1'))) == {
        'X-Auth-Token': 't1', 'X-Service-Token': 'svc-token'}
