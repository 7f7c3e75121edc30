"""/flavors and /flavors/{id}/os-extra_specs."""

import pytest

ADMIN = 'admin:admin'
FLAVOR_KEYS = {'id', 'name', 'ram', 'disk', 'vcpus', 'swap', 'links',
               'OS-FLV-EXT-DATA:ephemeral', 'OS-FLV-DISABLED:disabled',
               'os-flavor-access:is_public', 'rxtx_factor'}


def test_show_body_at_2_1(call):
    result = call('GET', '/v2.1/flavors/42')
    assert result.status == 200
    flavor = result.body['flavor']
    assert set(flavor) == FLAVOR_KEYS
    assert flavor['id'] == '42'
    assert flavor['ram'] == 512
    assert flavor['swap'] == ''
    assert flavor['rxtx_factor'] == 1.0
    assert flavor['os-flavor-access:is_public'] is True
    assert flavor['links'][0] == {'rel': 'self',
                                  'href': 'http://localhost/v2.1/flavors/42'}


def test_swap_is_an_int_when_set(call, flavor_db):
    flavor_db.add('7', swap=512)
    assert call('GET', '/v2.1/flavors/7').body['flavor']['swap'] == 512


def test_lookup_by_name_is_404(call):
    result = call('GET', '/v2.1/flavors/m1.tiny')
    assert result.status == 404
    assert result.body == {'itemNotFound': {
        'code': 404, 'message': 'Flavor m1.tiny could not be found.'}}


def test_index_and_detail(call, flavor_db):
    flavor_db.add('43', name='m1.small', memory_mb=2048)
    result = call('GET', '/v2.1/flavors')
    assert [set(f) for f in result.body['flavors']] == \
        [{'id', 'name', 'links'}] * 2
    result = call('GET', '/v2.1/flavors/detail?minRam=1024&minDisk=0')
    assert result.status == 200
    assert all(set(f) == FLAVOR_KEYS for f in result.body['flavors'])
    args = flavor_db.calls[-1][1]
    assert (args['min_memory_mb'], args['min_root_gb']) == (1024, 0)
    assert args['is_public'] is True


@pytest.mark.parametrize('query,token,expected', [
    ('is_public=None', ADMIN, None),
    ('is_public=false', ADMIN, False),
    ('', ADMIN, True),
    ('is_public=None', 'alice:demo', True),
])
def test_is_public_filter(call, flavor_db, query, token, expected):
    result = call('GET', '/v2.1/flavors/detail?%s' % query, token=token)
    assert result.status == 200
    assert flavor_db.calls[-1][1]['is_public'] is expected


@pytest.mark.parametrize('query,message', [
    ('is_public=perhaps', 'Invalid is_public filter [perhaps]'),
    ('minRam=lots', 'Invalid minRam filter [lots]'),
    ('sort_key=colour', 'Sort key supplied is invalid: colour'),
    ('sort_dir=sideways', "Unknown sort direction"),
    ('limit=x', 'limit param must be an integer'),
])
def test_bad_list_queries(call, query, message):
    result = call('GET', '/v2.1/flavors/detail?%s' % query, token=ADMIN)
    assert result.status == 400
    assert message in result.body['badRequest']['message']


def test_flavors_links_on_full_page(call, flavor_db):
    flavor_db.add('43')
    result = call('GET', '/v2.1/flavors?limit=1')
    assert result.body['flavors_links'] == [{
        'rel': 'next',
        'href': 'http://localhost/v2.1/flavors?limit=1&marker=42'}]


CREATE = {'flavor': {'name': 'm1.custom', 'ram': 1024, 'vcpus': 2,
                     'disk': 10, 'id': None, 'swap': 0,
                     'OS-FLV-EXT-DATA:ephemeral': 0,
                     'os-flavor-access:is_public': True}}


def test_create_as_admin(call, flavor_db):
    result = call('POST', '/v2.1/flavors', body=CREATE, token=ADMIN)
    assert result.status == 200
    assert set(result.body['flavor']) == FLAVOR_KEYS
    values = flavor_db.calls[0][1]
    assert values == {'name': 'm1.custom', 'flavorid': None,
                      'memory_mb': 1024, 'vcpus': 2, 'root_gb': 10,
                      'ephemeral_gb': 0, 'swap': 0, 'rxtx_factor': 1.0,
                      'is_public': True, 'description': None}


def test_create_with_integer_id(call, flavor_db):
    body = {'flavor': dict(CREATE['flavor'], id=100, rxtx_factor='2.5')}
    result = call('POST', '/v2.1/flavors', body=body, token=ADMIN)
    assert result.status == 200
    assert result.body['flavor']['id'] == '100'
    assert flavor_db.calls[0][1]['rxtx_factor'] == 2.5


def test_create_duplicate_is_409(call):
    body = {'flavor': dict(CREATE['flavor'], id='42')}
    result = call('POST', '/v2.1/flavors', body=body, token=ADMIN)
    assert result.status == 409
    assert result.body['conflictingRequest']['code'] == 409


def test_create_and_delete_need_admin(call, flavor_db):
    assert call('POST', '/v2.1/flavors', body=CREATE).status == 403
    result = call('DELETE', '/v2.1/flavors/42')
    assert result.status == 403
    assert 'forbidden' in result.body
    assert '42' in flavor_db.flavors


@pytest.mark.parametrize('change,fragment', [
    ({'ram': 0}, 'Invalid input for field/attribute ram'),
    ({'vcpus': 'two'}, 'Invalid input for field/attribute vcpus'),
    ({'disk': -1}, 'Invalid input for field/attribute disk'),
    ({'name': ' padded'}, "An invalid 'name' value was provided"),
    ({'id': ' x'}, 'Invalid input for field/attribute id'),
    ({'rxtx_factor': 0}, 'Invalid input for field/attribute rxtx_factor'),
    ({'os-flavor-access:is_public': 'sometimes'},
     'Invalid input for field/attribute os-flavor-access:is_public'),
    ({'description': 'too new'}, "'description' was unexpected"),
])
def test_create_bad_bodies(call, change, fragment):
    body = {'flavor': dict(CREATE['flavor'], **change)}
    result = call('POST', '/v2.1/flavors', body=body, token=ADMIN)
    assert result.status == 400
    assert fragment in result.body['badRequest']['message']


def test_create_missing_ram(call):
    flavor = dict(CREATE['flavor'])
    del flavor['ram']
    result = call('POST', '/v2.1/flavors', body={'flavor': flavor},
                  token=ADMIN)
    assert result.status == 400
    assert "'ram' is a required property" in \
        result.body['badRequest']['message']


def test_delete_is_202(call, flavor_db):
    result = call('DELETE', '/v2.1/flavors/42', token=ADMIN)
    assert result.status == 202
    assert '42' not in flavor_db.flavors
    assert call('DELETE', '/v2.1/flavors/42', token=ADMIN).status == 404


# -- extra specs --------------------------------------------------------------

def test_extra_specs_lifecycle(call, flavor_db):
    base = '/v2.1/flavors/42/os-extra_specs'
    result = call('POST', base, token=ADMIN,
                  body={'extra_specs': {'hw:cpu_policy': 'dedicated',
                                        'quota:n': 5, 'x': True}})
    assert result.status == 200
    assert result.body == {'extra_specs': {'hw:cpu_policy': 'dedicated',
                                           'quota:n': '5', 'x': 'True'}}
    assert call('GET', base).body == {'extra_specs': {
        'hw:cpu_policy': 'dedicated', 'quota:n': '5', 'x': 'True'}}
    assert call('GET', base + '/quota:n').body == {'quota:n': '5'}
    result = call('PUT', base + '/quota:n', body={'quota:n': '6'},
                  token=ADMIN)
    assert (result.status, result.body) == (200, {'quota:n': '6'})
    result = call('DELETE', base + '/x', token=ADMIN)
    assert result.status == 200
    assert 'x' not in flavor_db.flavors['42']['extra_specs']
    assert call('GET', base + '/x').status == 404


def test_extra_specs_of_unknown_flavor_is_404(call):
    assert call('GET', '/v2.1/flavors/nope/os-extra_specs').status == 404


@pytest.mark.parametrize('method,path,body,status', [
    ('POST', '', {'extra_specs': {'k': 'v'}}, 403),
    ('PUT', '/k', {'k': 'v'}, 403),
    ('DELETE', '/k', None, 403),
])
def test_extra_spec_writes_need_admin(call, method, path, body, status):
    result = call(method, '/v2.1/flavors/42/os-extra_specs' + path,
                  body=body)
    assert result.status == status


@pytest.mark.parametrize('path,body,fragment', [
    ('/k', {'other': 'v'}, 'Request body and URI mismatch'),
    ('/k', {'k': 'v', 'j': 'w'}, 'has too many properties'),
    ('/k', {'k': 'v' * 256}, 'is too long'),
])
def test_extra_spec_update_errors(call, path, body, fragment):
    result = call('PUT', '/v2.1/flavors/42/os-extra_specs' + path,
                  body=body, token=ADMIN)
    assert result.status == 400
    assert fragment in result.body['badRequest']['message']


def test_extra_specs_create_bad_key(call):
    result = call('POST', '/v2.1/flavors/42/os-extra_specs', token=ADMIN,
                  body={'extra_specs': {'bad/key': 'v'}})
    assert result.status == 400
