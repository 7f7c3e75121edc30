"""Issuing, validating, checking, revoking and expiring tokens."""

import pytest

from nube.identity import errors
from tests.unit.identity.conftest import ADMIN_PASSWORD


def test_scoped_token_body(cloud):
    result = cloud.auth()
    assert result.status == 201
    token_id = result.headers['X-Subject-Token']
    token = result.body['token']
    assert set(token) == {'methods', 'user', 'audit_ids', 'expires_at',
                          'issued_at', 'project', 'is_domain', 'roles',
                          'catalog'}
    assert token['methods'] == ['password']
    assert token['user'] == {'id': cloud.ids['user_id'], 'name': 'admin',
                             'domain': {'id': 'default', 'name': 'Default'},
                             'password_expires_at': None}
    assert token['project'] == {'id': cloud.ids['project_id'],
                                'name': 'admin',
                                'domain': {'id': 'default',
                                           'name': 'Default'}}
    assert token['is_domain'] is False
    assert token['roles'] == [{'id': cloud.ids['role_ids']['admin'],
                               'name': 'admin'}]
    assert token['issued_at'] == '2030-01-01T12:00:00.000000Z'
    assert token['expires_at'] == '2030-01-01T13:00:00.000000Z'
    assert len(token['audit_ids']) == 1 and len(token['audit_ids'][0]) == 22
    assert token_id and token_id not in str(token)
    types = {entry['type']: entry for entry in token['catalog']}
    assert set(types) == {'identity', 'compute', 'image', 'network'}
    compute = types['compute']
    assert {e['interface'] for e in compute['endpoints']} == {
        'public', 'internal', 'admin'}
    for endpoint in compute['endpoints']:
        assert endpoint['url'] == 'http://cloud.example:8774/v2.1'
        assert endpoint['region_id'] == endpoint['region'] == 'RegionOne'
        assert set(endpoint) == {'id', 'interface', 'region_id', 'region',
                                 'url'}


@pytest.mark.parametrize('scope', [
    {'project': {'name': 'admin', 'domain': {'id': 'default'}}},
    {'project': {'name': 'admin', 'domain': {'name': 'Default'}}},
    'by-id',
])
def test_project_scope_by_id_or_name_and_domain(cloud, scope):
    if scope == 'by-id':
        scope = {'project': {'id': cloud.ids['project_id']}}
    result = cloud.request('POST', '/v3/auth/tokens', {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'id': cloud.ids['user_id'], 'password': ADMIN_PASSWORD}}},
        'scope': scope}})
    assert result.status == 201
    assert result.body['token']['project']['id'] == cloud.ids['project_id']


def test_unscoped_token_has_no_project_roles_or_catalog(cloud):
    user, _project = cloud.make_user('alice', 'pw-alice')
    result = cloud.auth('alice', 'pw-alice', project=None)
    assert result.status == 201
    token = result.body['token']
    assert set(token) == {'methods', 'user', 'audit_ids', 'expires_at',
                          'issued_at'}
    token_id = result.headers['X-Subject-Token']
    # The explicit form, even for a user with a default project.
    explicit = cloud.request('POST', '/v3/auth/tokens', {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'id': cloud.ids['user_id'], 'password': ADMIN_PASSWORD}}},
        'scope': 'unscoped'}})
    assert 'project' not in explicit.body['token']
    assert cloud.validate(token_id).status == 200
    catalog = cloud.request('GET', '/v3/auth/catalog', token=token_id)
    assert catalog.status == 403


def test_no_scope_uses_the_default_project(cloud):
    result = cloud.auth(project=None)
    assert result.body['token']['project']['id'] == cloud.ids['project_id']


def test_nocatalog(cloud):
    result = cloud.auth(query='?nocatalog')
    assert 'catalog' not in result.body['token']
    assert result.body['token']['roles']
    token_id = result.headers['X-Subject-Token']
    validated = cloud.request('GET', '/v3/auth/tokens?nocatalog',
                              token=token_id,
                              headers={'X-Subject-Token': token_id})
    assert 'catalog' not in validated.body['token']
    assert 'catalog' in cloud.validate(token_id).body['token']


def test_bad_credentials_share_one_message(cloud):
    cloud.make_user('bob', 'pw-bob')
    wrong_password = cloud.auth('bob', 'nope', project='demo')
    wrong_user = cloud.auth('nobody', 'pw-bob', project='demo')
    no_domain = cloud.request('POST', '/v3/auth/tokens', {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'bob', 'domain': {'id': 'nowhere'},
            'password': 'pw-bob'}}}}})
    bodies = [r.body for r in (wrong_password, wrong_user, no_domain)]
    assert [r.status for r in (wrong_password, wrong_user, no_domain)] == \
        [401, 401, 401]
    assert bodies[0] == bodies[1] == bodies[2] == {'error': {
        'code': 401, 'title': 'Unauthorized',
        'message': errors.AUTH_REQUIRED}}


def test_unknown_users_cost_a_hash_too(cloud, monkeypatch):
    from nube.identity import password

    calls = []
    real = password._scrypt
    monkeypatch.setattr(password, '_scrypt',
                        lambda *a: calls.append(1) or real(*a))
    cloud.auth('nobody', 'whatever')
    unknown = len(calls)
    calls.clear()
    cloud.auth('admin', 'wrong')
    assert unknown == len(calls) == 1


def test_project_without_role_or_missing_is_401(cloud):
    cloud.make_user('carol', 'pw-carol')
    assert cloud.auth('carol', 'pw-carol', project='admin').status == 401
    assert cloud.auth('carol', 'pw-carol', project='ghost').status == 401
    domain_scope = cloud.request('POST', '/v3/auth/tokens', {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'carol', 'domain': {'id': 'default'},
            'password': 'pw-carol'}}},
        'scope': {'domain': {'id': 'default'}}}})
    assert domain_scope.status == 401


def test_users_validate_their_own_tokens_admins_any(cloud):
    cloud.make_user('dave', 'pw-dave')
    cloud.make_user('erin', 'pw-erin')
    dave = cloud.token('dave', 'pw-dave', project='demo')
    erin = cloud.token('erin', 'pw-erin', project='demo')
    admin = cloud.token()
    own = cloud.validate(dave)
    assert own.status == 200
    assert own.headers['X-Subject-Token'] == dave
    assert own.body['token']['user']['name'] == 'dave'
    assert own.body['token']['roles'][0]['name'] == 'member'
    assert cloud.validate(erin, caller=dave).status == 403
    assert cloud.validate(erin, caller=admin).status == 200
    head = cloud.request('HEAD', '/v3/auth/tokens', token=admin,
                         headers={'X-Subject-Token': dave})
    assert head.status == 200 and head.body is None
    missing = cloud.request('GET', '/v3/auth/tokens', token=admin)
    assert missing.status == 400


def test_service_role_may_validate_any_token(cloud):
    user, project = cloud.make_user('nova', 'pw-nova', project='service',
                                    role='service')
    service = cloud.token('nova', 'pw-nova', project='service')
    assert cloud.validate(cloud.token(), caller=service).status == 200


def test_delete_revokes_only_that_token(cloud):
    admin = cloud.token()
    victim = cloud.token()
    assert cloud.request('DELETE', '/v3/auth/tokens', token=admin,
                         headers={'X-Subject-Token': victim}).status == 204
    result = cloud.validate(victim, caller=admin)
    assert result.status == 404
    assert result.body['error']['title'] == 'Not Found'
    assert cloud.request('HEAD', '/v3/auth/tokens', token=admin,
                         headers={'X-Subject-Token': victim}).status == 404
    # A revoked token authenticates nothing.
    assert cloud.request('GET', '/v3/users', token=victim).status == 401
    assert cloud.validate(admin).status == 200


def test_tokens_expire(cloud, overrides):
    overrides('token_expiration', 60, group='identity')
    token = cloud.token()
    cloud.clock.advance(59)
    assert cloud.validate(token).status == 200
    cloud.clock.advance(1)
    admin = cloud.token()
    assert cloud.validate(token, caller=admin).status == 404
    assert cloud.request('GET', '/v3/users', token=token).status == 401
    expired_ok = cloud.request('GET', '/v3/auth/tokens?allow_expired=1',
                               token=admin,
                               headers={'X-Subject-Token': token})
    assert expired_ok.status == 200


def test_rescope_with_token_method(cloud):
    user, project = cloud.make_user('fay', 'pw-fay')
    unscoped = cloud.auth('fay', 'pw-fay', project=None)
    cloud.clock.advance(10)
    result = cloud.request('POST', '/v3/auth/tokens', {'auth': {
        'identity': {'methods': ['token'],
                     'token': {'id': unscoped.headers['X-Subject-Token']}},
        'scope': {'project': {'id': project['id']}}}})
    assert result.status == 201
    token = result.body['token']
    assert token['methods'] == ['password', 'token']
    assert token['expires_at'] == unscoped.body['token']['expires_at']
    assert token['issued_at'] != unscoped.body['token']['issued_at']
    assert token['audit_ids'][1] == unscoped.body['token']['audit_ids'][0]
    assert token['user'] == unscoped.body['token']['user']
    assert token['project']['id'] == project['id']
    # Revoking the scoped token leaves the one it came from alone.
    scoped = result.headers['X-Subject-Token']
    cloud.request('DELETE', '/v3/auth/tokens', token=scoped,
                  headers={'X-Subject-Token': scoped})
    assert cloud.validate(scoped, caller=cloud.token()).status == 404
    assert cloud.validate(unscoped.headers['X-Subject-Token']).status == 200


def test_token_method_with_bad_token_is_401(cloud):
    result = cloud.request('POST', '/v3/auth/tokens', {'auth': {
        'identity': {'methods': ['token'], 'token': {'id': 'garbage'}}}})
    assert result.status == 401


def test_tampered_token_is_refused(cloud):
    token = cloud.token()
    flipped = token[:40] + ('A' if token[40] != 'A' else 'B') + token[41:]
    assert cloud.validate(flipped, caller=token).status == 404


def test_auth_catalog_and_projects(cloud):
    cloud.make_user('gus', 'pw-gus', project='p1')
    manager = cloud.deps.manager
    p2 = manager.create_project({'name': 'p2'})
    gus = manager.find('user', name='gus', domain_id='default')
    manager.grant(gus['id'], p2['id'], cloud.ids['role_ids']['reader'])
    token = cloud.token('gus', 'pw-gus', project='p1')
    catalog = cloud.request('GET', '/v3/auth/catalog', token=token)
    assert catalog.status == 200
    assert {e['type'] for e in catalog.body['catalog']} == {
        'identity', 'compute', 'image', 'network'}
    projects = cloud.request('GET', '/v3/auth/projects', token=token)
    assert sorted(p['name'] for p in projects.body['projects']) == \
        ['p1', 'p2']
    domains = cloud.request('GET', '/v3/auth/domains', token=token)
    assert domains.body['domains'] == []


def test_project_id_in_endpoint_urls_is_substituted(cloud):
    manager = cloud.deps.manager
    service = manager.create('service', {'type': 'volumev3'})
    manager.create('endpoint', {
        'service_id': service['id'], 'interface': 'public',
        'region_id': 'RegionOne',
        'url': 'http://cloud.example:8776/v3/%(project_id)s'})
    body = cloud.auth().body['token']
    volume = [e for e in body['catalog'] if e['type'] == 'volumev3'][0]
    assert volume['endpoints'][0]['url'] == \
        'http://cloud.example:8776/v3/' + cloud.ids['project_id']
