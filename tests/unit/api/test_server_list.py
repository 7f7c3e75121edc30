"""GET /servers and /servers/detail: query parsing and paging."""

import datetime

import pytest

ADMIN = 'admin:admin'


def opts_of(compute_api):
    return compute_api.last('get_all')[1]


def test_index_bodies_and_default_filters(call, compute_api):
    server = compute_api.add()
    result = call('GET', '/v2.1/servers')
    assert result.status == 200
    assert result.body == {'servers': [{
        'id': server['uuid'], 'name': 'vm1',
        'links': [
            {'rel': 'self',
             'href': 'http://localhost/v2.1/servers/%s' % server['uuid']},
            {'rel': 'bookmark',
             'href': 'http://localhost/servers/%s' % server['uuid']}]}]}
    call_args = opts_of(compute_api)
    assert call_args['search_opts'] == {'deleted': False,
                                        'project_id': 'demo'}
    assert call_args['limit'] == 1000
    assert call_args['sort_keys'] is None


def test_detail_has_full_bodies(call, compute_api):
    compute_api.add()
    result = call('GET', '/v2.1/servers/detail?deleted=False')
    assert result.status == 200
    assert 'OS-EXT-STS:vm_state' in result.body['servers'][0]
    assert 'servers_links' not in result.body


def test_full_page_gets_a_next_link(call, compute_api):
    servers = sorted((compute_api.add() for _ in range(3)),
                     key=lambda s: s['uuid'])
    result = call('GET', '/v2.1/servers/detail?limit=2&name=vm')
    assert len(result.body['servers']) == 2
    assert result.body['servers_links'] == [{
        'rel': 'next',
        'href': 'http://localhost/v2.1/servers/detail?limit=2&name=vm'
                '&marker=%s' % servers[1]['uuid']}]
    result = call('GET', '/v2.1/servers?limit=2&marker=%s'
                  % servers[1]['uuid'])
    assert [s['id'] for s in result.body['servers']] == [servers[2]['uuid']]
    assert opts_of(compute_api)['marker'] == servers[1]['uuid']
    assert 'servers_links' not in result.body


def test_limit_is_capped_at_osapi_max_limit(call, compute_api, overrides):
    overrides('osapi_max_limit', 5)
    call('GET', '/v2.1/servers?limit=50')
    assert opts_of(compute_api)['limit'] == 5


def test_limit_zero_returns_nothing(call, compute_api):
    compute_api.add()
    result = call('GET', '/v2.1/servers?limit=0')
    assert result.body == {'servers': []}


@pytest.mark.parametrize('query,message', [
    ('limit=abc', 'limit param must be an integer'),
    ('limit=-1', 'limit param must be positive'),
    ('sort_key=bogus', "Invalid input for query parameters sort_key"),
    ('sort_key=display_name&sort_dir=up',
     "Unknown sort direction, must be 'desc' or 'asc'"),
    ('changes-since=yesterday',
     "Invalid input for query parameters changes-since"),
    ('status=NOPE', 'Invalid status value'),
    ('all_tenants=maybe', 'Invalid value'),
])
def test_bad_query_values_are_400(call, query, message):
    result = call('GET', '/v2.1/servers/detail?%s' % query, version='2.47')
    assert result.status == 400, result.body
    assert message in result.body['badRequest']['message']


def test_unknown_marker_is_400(call):
    result = call('GET', '/v2.1/servers?marker=nope')
    assert result.status == 400
    assert 'nope' in result.body['badRequest']['message']


def test_invalid_status_below_2_38_is_an_empty_list(call, compute_api):
    compute_api.add()
    result = call('GET', '/v2.1/servers?status=NOPE')
    assert result.status == 200
    assert result.body == {'servers': []}


def test_sorting(call, compute_api):
    call('GET', '/v2.1/servers?sort_key=display_name&sort_dir=asc'
                '&sort_key=created_at&sort_key=id')
    args = opts_of(compute_api)
    # 'id' is one of the keys Nova ignores rather than refuses.
    assert args['sort_keys'] == ['display_name', 'created_at']
    assert args['sort_dirs'] == ['asc', 'asc']


def test_host_sort_is_admin_only(call, compute_api):
    assert call('GET', '/v2.1/servers?sort_key=host').status == 403
    assert call('GET', '/v2.1/servers?sort_key=host',
                token=ADMIN).status == 200


def test_user_filters_are_parsed(call, compute_api):
    result = call('GET', '/v2.1/servers/detail?name=^vm&status=active'
                         '&status=SHUTOFF&image=img&flavor=42&ip=10.0'
                         '&reservation_id=r-1'
                         '&changes-since=2024-01-02T03:04:05Z'
                         '&tags=a,b&tags-any=c', version='2.26')
    assert result.status == 200
    opts = opts_of(compute_api)['search_opts']
    assert opts == {
        'name': '^vm', 'status': ['ACTIVE', 'SHUTOFF'], 'image': 'img',
        'flavor': '42', 'ip': '10.0', 'reservation_id': 'r-1',
        'changes-since': datetime.datetime(2024, 1, 2, 3, 4, 5),
        'tags': ['a', 'b'], 'tags-any': ['c'], 'project_id': 'demo'}


def test_tags_filter_needs_2_26(call, compute_api):
    call('GET', '/v2.1/servers?tags=a')
    assert 'tags' not in opts_of(compute_api)['search_opts']


def test_admin_only_filters_are_dropped_for_users(call, compute_api):
    call('GET', '/v2.1/servers?host=compute1&node=n&deleted=true'
                '&project_id=other&locked=true')
    assert opts_of(compute_api)['search_opts'] == {'deleted': False,
                                                   'project_id': 'demo'}


def test_admin_filters(call, compute_api):
    call('GET', '/v2.1/servers?host=compute1&deleted=true&locked=false',
         token=ADMIN)
    assert opts_of(compute_api)['search_opts'] == {
        'host': 'compute1', 'deleted': True, 'locked': False,
        'project_id': 'admin'}


def test_all_tenants_for_admin(call, compute_api):
    call('GET', '/v2.1/servers?all_tenants=1&tenant_id=demo', token=ADMIN)
    assert opts_of(compute_api)['search_opts'] == {
        'all_tenants': True, 'project_id': 'demo', 'deleted': False}
    call('GET', '/v2.1/servers?all_tenants', token=ADMIN)
    assert opts_of(compute_api)['search_opts']['all_tenants'] is True


def test_all_tenants_is_forbidden_for_users(call):
    result = call('GET', '/v2.1/servers?all_tenants=True')
    assert result.status == 403
    assert result.body['forbidden']['code'] == 403


def test_deleted_status_is_admin_only(call, compute_api):
    assert call('GET', '/v2.1/servers?status=DELETED').status == 403
    call('GET', '/v2.1/servers?status=DELETED', token=ADMIN)
    assert opts_of(compute_api)['search_opts']['deleted'] is True


def test_changes_since_includes_deleted(call, compute_api):
    call('GET', '/v2.1/servers?changes-since=2024-01-01T00:00:00Z')
    assert 'deleted' not in opts_of(compute_api)['search_opts']


def test_unknown_params_are_ignored(call, compute_api):
    result = call('GET', '/v2.1/servers?frobnicate=yes')
    assert result.status == 200
    assert 'frobnicate' not in opts_of(compute_api)['search_opts']
