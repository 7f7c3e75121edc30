"""Admin CRUD: users, projects, roles, assignments, catalog, domains."""

import pytest


@pytest.fixture
def admin(cloud):
    return cloud.token()


@pytest.fixture
def member(cloud):
    cloud.make_user('mem', 'pw-mem')
    return cloud.token('mem', 'pw-mem', project='demo')


def test_user_crud(cloud, admin):
    created = cloud.request('POST', '/v3/users', {'user': {
        'name': 'pat', 'password': 'pw-pat', 'email': 'pat@example.com',
        'description': 'a user'}}, token=admin)
    assert created.status == 201
    user = created.body['user']
    assert user['name'] == 'pat' and user['domain_id'] == 'default'
    assert user['email'] == 'pat@example.com'
    assert user['enabled'] is True
    assert 'password' not in user and 'password_hash' not in user
    assert user['links']['self'] == \
        'http://id.example:5000/v3/users/' + user['id']
    path = '/v3/users/' + user['id']
    shown = cloud.request('GET', path, token=admin).body['user']
    assert shown == user
    patched = cloud.request('PATCH', path, {'user': {
        'description': 'changed', 'phone': '123'}}, token=admin).body['user']
    assert patched['description'] == 'changed'
    assert patched['email'] == 'pat@example.com' and patched['phone'] == '123'
    listed = cloud.request('GET', '/v3/users?name=pat', token=admin).body
    assert [u['id'] for u in listed['users']] == [user['id']]
    assert listed['links']['self'].endswith('/v3/users?name=pat')
    disabled = cloud.request('GET', '/v3/users?enabled=false',
                             token=admin).body['users']
    assert disabled == []
    dup = cloud.request('POST', '/v3/users', {'user': {'name': 'pat'}},
                        token=admin)
    assert dup.status == 409
    assert cloud.request('DELETE', path, token=admin).status == 204
    assert cloud.request('GET', path, token=admin).status == 404
    assert cloud.request('DELETE', path, token=admin).status == 404


def test_users_read_themselves_not_others(cloud, member):
    mem = cloud.deps.manager.find('user', name='mem', domain_id='default')
    assert cloud.request('GET', '/v3/users/' + mem['id'],
                         token=member).status == 200
    assert cloud.request('GET', '/v3/users/' + cloud.ids['user_id'],
                         token=member).status == 403
    projects = cloud.request('GET', '/v3/users/%s/projects' % mem['id'],
                             token=member)
    assert [p['name'] for p in projects.body['projects']] == ['demo']


def test_project_crud(cloud, admin):
    created = cloud.request('POST', '/v3/projects', {'project': {
        'name': 'web', 'description': 'web tier', 'domain_id': 'default'}},
        token=admin)
    assert created.status == 201
    project = created.body['project']
    assert project['is_domain'] is False
    assert project['parent_id'] == 'default'
    path = '/v3/projects/' + project['id']
    patched = cloud.request('PATCH', path, {'project': {'enabled': False}},
                            token=admin)
    assert patched.body['project']['enabled'] is False
    names = [p['name'] for p in cloud.request(
        'GET', '/v3/projects?enabled=true', token=admin).body['projects']]
    assert 'web' not in names and 'admin' in names
    assert cloud.request('POST', '/v3/projects', {'project': {
        'name': 'web'}}, token=admin).status == 409
    assert cloud.request('POST', '/v3/projects', {'project': {
        'name': 'x', 'domain_id': 'nope'}}, token=admin).status == 400
    assert cloud.request('DELETE', path, token=admin).status == 204


def test_role_crud_and_assignments(cloud, admin):
    role = cloud.request('POST', '/v3/roles', {'role': {'name': 'auditor'}},
                         token=admin).body['role']
    user = cloud.request('POST', '/v3/users', {'user': {
        'name': 'quinn', 'password': 'pw-q'}}, token=admin).body['user']
    project = cloud.request('POST', '/v3/projects', {'project': {
        'name': 'audit'}}, token=admin).body['project']
    path = '/v3/projects/%s/users/%s/roles/%s' % (project['id'], user['id'],
                                                  role['id'])
    assert cloud.request('HEAD', path, token=admin).status == 404
    assert cloud.request('PUT', path, token=admin).status == 204
    assert cloud.request('PUT', path, token=admin).status == 204
    assert cloud.request('HEAD', path, token=admin).status == 204
    assert cloud.request('GET', path, token=admin).status == 204
    roles = cloud.request('GET', path.rsplit('/', 1)[0], token=admin)
    assert [r['name'] for r in roles.body['roles']] == ['auditor']

    token = cloud.token('quinn', 'pw-q', project='audit')
    assert cloud.validate(token).body['token']['roles'] == [
        {'id': role['id'], 'name': 'auditor'}]

    listing = cloud.request(
        'GET', '/v3/role_assignments?user.id=%s&include_names' % user['id'],
        token=admin).body['role_assignments']
    assert listing == [{
        'role': {'id': role['id'], 'name': 'auditor'},
        'user': {'id': user['id'], 'name': 'quinn',
                 'domain': {'id': 'default', 'name': 'Default'}},
        'scope': {'project': {'id': project['id'], 'name': 'audit',
                              'domain': {'id': 'default',
                                         'name': 'Default'}}},
        'links': {'assignment': 'http://id.example:5000' + path}}]
    by_project = cloud.request(
        'GET', '/v3/role_assignments?scope.project.id=%s' % project['id'],
        token=admin).body['role_assignments']
    assert by_project == [{'role': {'id': role['id']},
                           'user': {'id': user['id']},
                           'scope': {'project': {'id': project['id']}},
                           'links': {'assignment':
                                     'http://id.example:5000' + path}}]
    everything = cloud.request('GET', '/v3/role_assignments',
                               token=admin).body['role_assignments']
    assert len(everything) == 2          # admin's, quinn's
    none = cloud.request('GET', '/v3/role_assignments?scope.domain.id=x',
                         token=admin).body['role_assignments']
    assert none == []

    assert cloud.request('PATCH', '/v3/roles/' + role['id'], {'role': {
        'description': 'reads logs'}}, token=admin).status == 200
    assert cloud.request('DELETE', path, token=admin).status == 204
    assert cloud.request('DELETE', path, token=admin).status == 404
    assert cloud.request('DELETE', '/v3/roles/' + role['id'],
                         token=admin).status == 204
    assert cloud.request('PUT', path, token=admin).status == 404


def test_catalog_crud_with_two_regions(cloud, admin):
    region = cloud.request('POST', '/v3/regions', {'region': {
        'id': 'RegionTwo', 'description': 'second'}}, token=admin)
    assert region.status == 201
    assert region.body['region']['id'] == 'RegionTwo'
    service = cloud.request('POST', '/v3/services', {'service': {
        'type': 'object-store', 'name': 'swift'}}, token=admin)
    assert service.status == 201
    service_id = service.body['service']['id']
    for region_id, url in (('RegionOne', 'http://one:8080'),
                           ('RegionTwo', 'http://two:8080')):
        endpoint = cloud.request('POST', '/v3/endpoints', {'endpoint': {
            'service_id': service_id, 'interface': 'public',
            'region_id': region_id, 'url': url}}, token=admin)
        assert endpoint.status == 201
        assert endpoint.body['endpoint']['region'] == region_id
    bad = cloud.request('POST', '/v3/endpoints', {'endpoint': {
        'service_id': service_id, 'interface': 'public',
        'region_id': 'Nowhere', 'url': 'http://x'}}, token=admin)
    assert bad.status == 400
    bad = cloud.request('POST', '/v3/endpoints', {'endpoint': {
        'service_id': service_id, 'interface': 'sideways',
        'url': 'http://x'}}, token=admin)
    assert bad.status == 400
    listed = cloud.request('GET', '/v3/endpoints?service_id=%s' % service_id,
                           token=admin).body['endpoints']
    assert sorted(e['region_id'] for e in listed) == ['RegionOne',
                                                      'RegionTwo']
    catalog = cloud.auth().body['token']['catalog']
    swift = [e for e in catalog if e['type'] == 'object-store'][0]
    assert sorted((e['region_id'], e['url']) for e in swift['endpoints']) \
        == [('RegionOne', 'http://one:8080'), ('RegionTwo', 'http://two:8080')]
    # A region with endpoints cannot go; disabling a service hides it.
    assert cloud.request('DELETE', '/v3/regions/RegionTwo',
                         token=admin).status == 409
    cloud.request('PATCH', '/v3/services/' + service_id, {'service': {
        'enabled': False}}, token=admin)
    catalog = cloud.auth().body['token']['catalog']
    assert 'object-store' not in {e['type'] for e in catalog}
    assert cloud.request('DELETE', '/v3/services/' + service_id,
                         token=admin).status == 204
    assert cloud.request('DELETE', '/v3/regions/RegionTwo',
                         token=admin).status == 204


def test_domains_are_read_only(cloud, admin, member):
    listed = cloud.request('GET', '/v3/domains', token=admin).body
    assert [(d['id'], d['name']) for d in listed['domains']] == [
        ('default', 'Default')]
    assert cloud.request('GET', '/v3/domains/default',
                         token=member).status == 200
    assert cloud.request('GET', '/v3/domains', token=member).status == 403
    assert cloud.request('POST', '/v3/domains', {'domain': {'name': 'x'}},
                         token=admin).status == 405


@pytest.mark.parametrize('method,path,body', [
    ('GET', '/v3/users', None),
    ('POST', '/v3/users', {'user': {'name': 'evil'}}),
    ('PATCH', '/v3/users/{admin}', {'user': {'enabled': False}}),
    ('DELETE', '/v3/users/{admin}', None),
    ('GET', '/v3/projects', None),
    ('POST', '/v3/projects', {'project': {'name': 'evil'}}),
    ('DELETE', '/v3/projects/{project}', None),
    ('GET', '/v3/roles', None),
    ('POST', '/v3/roles', {'role': {'name': 'evil'}}),
    ('PUT', '/v3/projects/{project}/users/{me}/roles/{admin_role}', None),
    ('DELETE', '/v3/projects/{project}/users/{admin}/roles/{admin_role}',
     None),
    ('GET', '/v3/role_assignments', None),
    ('POST', '/v3/services', {'service': {'type': 'evil'}}),
    ('GET', '/v3/endpoints', None),
    ('POST', '/v3/regions', {'region': {'id': 'evil'}}),
    ('GET', '/v3/users/{admin}/projects', None),
])
def test_admin_only_calls_are_403_for_members(cloud, member, method, path,
                                              body):
    me = cloud.deps.manager.find('user', name='mem', domain_id='default')
    path = path.format(admin=cloud.ids['user_id'],
                       project=cloud.ids['project_id'], me=me['id'],
                       admin_role=cloud.ids['role_ids']['admin'])
    result = cloud.request(method, path, body, token=member)
    assert result.status == 403
    assert result.body['error']['title'] == 'Forbidden'
    assert result.body['error']['message'].startswith(
        'You are not authorized to perform the requested action: identity:')
    # Nothing changed: the admin still works as before.
    assert cloud.auth().status == 201
