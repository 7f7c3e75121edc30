"""nube-identity as its own process on MariaDB, driven by the real clients:
keystoneauth1 sessions and keystonemiddleware.auth_token."""

import re
import subprocess

from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1.identity import generic
from keystoneauth1.identity import v3
from keystoneauth1 import session as ksa_session
from keystonemiddleware import auth_token
import pytest
import requests
import webob
import webob.dec

from tests.functional import fixtures

ADMIN_PASSWORD = 'functional-admin-pw'
SERVICE_PASSWORD = 'functional-service-pw'
REGION_TWO_COMPUTE = 'http://10.0.0.2:8774/v2.1'
REGION_TWO_IMAGE = 'http://10.0.0.2:9292'


def _manage(config_file, *args):
    result = subprocess.run(
        [fixtures.script_path('nube-manage'), '--config-file',
         str(config_file)] + [str(a) for a in args],
        capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def identity_service(database_factory, service_factory, tmp_path):
    """A bootstrapped nube-identity with two regions: its process."""
    port = fixtures.free_tcp_port()
    base = 'http://127.0.0.1:%d' % port
    config = fixtures.write_config(tmp_path / 'identity.conf', {
        'DEFAULT': {'debug': True, 'state_path': str(tmp_path / 'state')},
        'identity': {'listen': '127.0.0.1', 'port': port,
                     'key_repository': str(tmp_path / 'keys'),
                     'revocation_refresh_interval': 1,
                     'password_hash_cost': 12},
        'identity_database': {
            'connection': database_factory('identity')['identity']},
    })
    _manage(config, 'identity_db', 'sync')
    _manage(config, 'fernet_setup')
    _manage(config, 'bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
            '--service-password', SERVICE_PASSWORD,
            '--host', '127.0.0.1', '--public-url-identity', base + '/v3')
    out = _manage(config, 'bootstrap', '--bootstrap-password',
                  ADMIN_PASSWORD, '--region-id', 'RegionTwo',
                  '--services', 'compute,image',
                  '--public-url-compute', REGION_TWO_COMPUTE,
                  '--public-url-image', REGION_TWO_IMAGE)
    assert 'Created region RegionTwo' in out
    svc = service_factory('nube-identity', config=config)
    svc.wait_for_http(base + '/v3', timeout=30, status=200)
    svc.base_url = base
    return svc


@pytest.fixture
def identity(identity_service):
    """The base URL of the identity_service (http://127.0.0.1:PORT)."""
    return identity_service.base_url


def _admin_session(base, auth_url=None):
    auth = v3.Password(auth_url=auth_url or base + '/v3', username='admin',
                       password=ADMIN_PASSWORD, project_name='admin',
                       user_domain_id='default',
                       project_domain_id='default')
    return ksa_session.Session(auth=auth)


def test_keystoneauth_password_and_catalog_by_region(identity):
    sess = _admin_session(identity)
    assert sess.get_token()
    assert sess.get_project_id()
    for region, compute, image in (
            ('RegionOne', 'http://127.0.0.1:8774/v2.1',
             'http://127.0.0.1:9292'),
            ('RegionTwo', REGION_TWO_COMPUTE, REGION_TWO_IMAGE)):
        assert sess.get_endpoint(service_type='compute', interface='public',
                                 region_name=region) == compute
        assert sess.get_endpoint(service_type='image', interface='public',
                                 region_name=region) == image
    assert sess.get_endpoint(service_type='identity', interface='public',
                             region_name='RegionOne') == identity + '/v3'
    # The generic plugin discovers v3 from the unversioned root first.
    generic_auth = generic.Password(
        auth_url=identity, username='admin', password=ADMIN_PASSWORD,
        project_name='admin', user_domain_name='Default',
        project_domain_name='Default')
    generic_sess = ksa_session.Session(auth=generic_auth)
    assert generic_sess.get_endpoint(service_type='image',
                                     region_name='RegionTwo') == \
        REGION_TWO_IMAGE
    # A wrong password is an Unauthorized for keystoneauth too.
    bad = ksa_session.Session(auth=v3.Password(
        auth_url=identity + '/v3', username='admin', password='wrong',
        project_name='admin', user_domain_id='default',
        project_domain_id='default'))
    with pytest.raises(ksa_exceptions.Unauthorized):
        bad.get_token()


def test_bad_credentials_get_one_message(identity):
    def attempt(username, password):
        return requests.post(identity + '/v3/auth/tokens', json={'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': username, 'domain': {'id': 'default'},
                'password': password}}}}}, timeout=30)

    wrong_user = attempt('nobody', ADMIN_PASSWORD)
    wrong_password = attempt('admin', 'not-it')
    assert wrong_user.status_code == wrong_password.status_code == 401
    assert wrong_user.json() == wrong_password.json() == {'error': {
        'code': 401, 'title': 'Unauthorized',
        'message': 'The request you have made requires authentication.'}}
    assert wrong_user.headers['WWW-Authenticate'].startswith('Keystone uri=')


def _create_member(sess):
    """A member of a new project, made through the admin API."""
    ep = {'service_type': 'identity', 'interface': 'public'}

    def call(method, path, body=None):
        resp = sess.request(path, method, json=body, endpoint_filter=ep,
                            raise_exc=False)
        assert resp.status_code in (200, 201, 204), resp.text
        return resp.json() if resp.content else None

    roles = {r['name']: r['id'] for r in call('GET', '/roles')['roles']}
    member = call('POST', '/users', {'user': {'name': 'alice',
                                              'password': 'alice-pw'}})
    demo = call('POST', '/projects', {'project': {'name': 'demo'}})
    call('PUT', '/projects/%s/users/%s/roles/%s' % (
        demo['project']['id'], member['user']['id'], roles['member']))


@webob.dec.wsgify
def _whoami(req):
    return webob.Response(json_body={
        'status': req.headers.get('X-Identity-Status'),
        'user': req.headers.get('X-User-Name'),
        'project': req.headers.get('X-Project-Name'),
        'roles': req.headers.get('X-Roles')})


def test_keystonemiddleware_accepts_valid_rejects_revoked(identity):
    admin = _admin_session(identity)
    _create_member(admin)
    # The service user is the one `bootstrap --service-password` made.
    app = auth_token.AuthProtocol(_whoami, {
        'www_authenticate_uri': identity,
        'auth_url': identity + '/v3',
        'auth_type': 'password',
        'username': 'nube',
        'password': SERVICE_PASSWORD,
        'project_name': 'service',
        'user_domain_name': 'Default',
        'project_domain_name': 'Default',
        'region_name': 'RegionOne',
        'interface': 'internal',
        'token_cache_time': 1,
        'delay_auth_decision': False,
    })
    user_sess = ksa_session.Session(auth=v3.Password(
        auth_url=identity + '/v3', username='alice', password='alice-pw',
        project_name='demo', user_domain_id='default',
        project_domain_id='default'))
    token = user_sess.get_token()

    def call(token):
        req = webob.Request.blank('/servers')
        if token:
            req.headers['X-Auth-Token'] = token
        return req.get_response(app)

    ok = call(token)
    assert ok.status_int == 200, ok.text
    assert ok.json == {'status': 'Confirmed', 'user': 'alice',
                       'project': 'demo', 'roles': 'member'}
    missing = call(None)
    assert missing.status_int == 401
    assert missing.headers['WWW-Authenticate'] == \
        'Keystone uri="%s"' % identity
    assert call('not-a-token').status_int == 401

    deleted = requests.delete(identity + '/v3/auth/tokens', headers={
        'X-Auth-Token': token, 'X-Subject-Token': token}, timeout=30)
    assert deleted.status_code == 204
    # nube-identity refuses it at once; the middleware once its cache of
    # the earlier answer (token_cache_time) runs out.
    check = requests.head(identity + '/v3/auth/tokens', headers={
        'X-Auth-Token': admin.get_token(), 'X-Subject-Token': token},
        timeout=30)
    assert check.status_code == 404
    fixtures.poll(lambda: call(token).status_int == 401, 15,
                  message='the middleware kept accepting a revoked token')


def test_password_change_revokes_after_reload(identity, identity_service):
    """Revocation events survive the MariaDB round trip (microsecond
    issue times) and are picked up on the next reload."""
    admin = _admin_session(identity)
    ep = {'service_type': 'identity', 'interface': 'public'}
    user = admin.post('/users', json={'user': {
        'name': 'bob', 'password': 'bob-pw-1'}}, endpoint_filter=ep).json()
    bob = user['user']['id']

    def token(password):
        resp = requests.post(identity + '/v3/auth/tokens', json={'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'id': bob, 'password': password}}}}}, timeout=30)
        assert resp.status_code == 201, resp.text
        return resp.headers['X-Subject-Token']

    def status(subject):
        return requests.get(identity + '/v3/auth/tokens', headers={
            'X-Auth-Token': admin.get_token(), 'X-Subject-Token': subject},
            timeout=30).status_code

    old = token('bob-pw-1')
    assert status(old) == 200
    changed = requests.post(identity + '/v3/users/%s/password' % bob, json={
        'user': {'original_password': 'bob-pw-1', 'password': 'bob-pw-2'}},
        timeout=30)
    assert changed.status_code == 204
    new = token('bob-pw-2')
    assert status(old) == 404
    # Once the service reloads the events from the database (every
    # second here), the old token stays refused and the new one good.
    svc = identity_service
    since = svc.log_size()

    def reloaded():
        status(new)
        return re.search(r'Loaded \d+ revocation events',
                         svc.read_log(since))
    fixtures.poll(reloaded, 10, interval=0.2)
    assert status(old) == 404
    assert status(new) == 200
