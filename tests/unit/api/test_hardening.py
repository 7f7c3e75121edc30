"""Hostile input at the compute API: every reproducer of the attack run
answers a 4xx in Nova's shape, quickly, and does no unbounded work.

The HTTP layer runs over the in-test facade (fakes.py); the regular
expression filters also run through the real facade on SQLite (the
``cloud`` fixture of tests/unit/compute/test_api_actions.py).
"""

import json
import time

from oslo_db import exception as db_exc
import pytest
import sqlalchemy.exc
import webob

from nube.api import fault
from nube import exception
from tests.unit.api import fakes
from tests.unit.compute.test_api_actions import cloud  # noqa: F401

IMAGE = fakes.IMAGE
MAX_INT = 2147483647


def server_body(**server):
    values = {'name': 'vm1', 'imageRef': IMAGE, 'flavorRef': '42'}
    values.update(server)
    return {'server': values}


def assert_fault(result, code, *words):
    """``result`` is ``{"<name>": {"code": code, "message": ...}}`` whose
    message holds every one of ``words``; the message is returned."""
    assert result.status == code, (result.status, result.body)
    name = fault.FAULT_NAMES[code]
    assert list(result.body) == [name], result.body
    assert result.body[name]['code'] == code
    message = result.body[name]['message']
    for word in words:
        assert word in message, (word, message)
    assert 'Traceback' not in message
    return message


def creates(compute_api):
    return [c for c in compute_api.calls if c[0] == 'create']


def raw_call(app, environ_overrides, token='alice:demo'):
    """A request whose environ is set as given (undecodable paths)."""
    req = webob.Request.blank('/', headers={'X-Auth-Token': token})
    req.environ.update(environ_overrides)
    response = req.get_response(app)
    body = json.loads(response.body) if response.body else None
    return response, body


# -- 1. counts, sizes and lengths are bounded ---------------------------------

@pytest.mark.parametrize('count', [MAX_INT + 1, str(MAX_INT + 1),
                                   2 ** 64, '9' * 30])
def test_max_count_beyond_the_db_range_is_refused_at_once(
        call, compute_api, count):
    started = time.monotonic()
    result = call('POST', '/v2.1/servers', body=server_body(max_count=count))
    elapsed = time.monotonic() - started
    assert_fault(result, 400, 'max_count')
    assert creates(compute_api) == []
    assert elapsed < 1.0, elapsed       # no per-instance work was done


@pytest.mark.parametrize('field', ['min_count', 'max_count'])
def test_count_above_the_configured_maximum_is_refused(call, compute_api,
                                                       overrides, field):
    result = call('POST', '/v2.1/servers', body=server_body(
        **{field: 2000, 'max_count': 2000}))
    assert_fault(result, 400, 'must be <= 200')
    overrides('max_count', 3, group='api')
    result = call('POST', '/v2.1/servers', body=server_body(
        min_count=1, max_count=4))
    assert_fault(result, 400, 'max_count must be <= 3')
    assert creates(compute_api) == []
    result = call('POST', '/v2.1/servers', body=server_body(
        min_count=3, max_count=3))
    assert result.status == 202
    assert len(creates(compute_api)) == 1


@pytest.mark.parametrize('count', ['0', 0])
def test_zero_count_is_refused(call, compute_api, count):
    result = call('POST', '/v2.1/servers',
                  body=server_body(min_count=count))
    assert_fault(result, 400, 'min_count')
    assert creates(compute_api) == []


@pytest.mark.parametrize('server', [
    {'name': 'n' * 256},
    {'flavorRef': 'f' * 256},
    {'key_name': 'k' * 256},
    {'availability_zone': 'z' * 256},
    {'adminPass': 'p' * 256},
    {'metadata': {'k': 'v' * 256}},
    {'metadata': {'k' * 256: 'v'}},
    {'user_data': 'QUFB' * 16384 + 'QUFB'},
    {'networks': [{'uuid': '6b7c8fd5-3a3c-4f5a-8c55-1b1ce8e1f4b6'}] * 101},
    {'security_groups': [{'name': 'default'}] * 101},
    {'personality': [{'path': '/p', 'contents': 'QUFB'}] * 101},
    {'block_device_mapping_v2': [{'boot_index': 0, 'uuid': IMAGE,
                                  'source_type': 'image',
                                  'destination_type': 'local'}] * 101},
    {'block_device_mapping_v2': [{'boot_index': str(MAX_INT + 1),
                                  'uuid': IMAGE, 'source_type': 'image',
                                  'destination_type': 'local'}]},
])
def test_create_fields_are_bounded(call, compute_api, server):
    result = call('POST', '/v2.1/servers', body=server_body(**server),
                  version='2.19')
    assert_fault(result, 400)
    assert creates(compute_api) == []


def test_scheduler_hint_lists_are_bounded(call, compute_api):
    body = server_body()
    body['os:scheduler_hints'] = {'same_host': [IMAGE] * 1001}
    assert_fault(call('POST', '/v2.1/servers', body=body), 400)
    assert creates(compute_api) == []


@pytest.mark.parametrize('field, value', [
    ('ram', MAX_INT + 1), ('ram', str(MAX_INT + 1)), ('vcpus', MAX_INT + 1),
    ('disk', MAX_INT + 1), ('swap', '9' * 40),
    ('OS-FLV-EXT-DATA:ephemeral', MAX_INT + 1),
    ('rxtx_factor', 3.5e+38), ('rxtx_factor', '9' * 400),
    ('name', 'n' * 256), ('id', 'i' * 256),
])
def test_flavor_values_are_bounded(call, flavor_db, field, value):
    flavor = {'name': 'big', 'ram': 512, 'vcpus': 1, 'disk': 1, field: value}
    result = call('POST', '/v2.1/flavors', body={'flavor': flavor},
                  token='admin:admin')
    assert_fault(result, 400)
    assert not [c for c in flavor_db.calls if c[0] == 'flavor_create']


def test_flavor_at_the_bounds_is_accepted(call, flavor_db):
    flavor = {'name': 'max', 'id': 'max', 'ram': MAX_INT,
              'vcpus': str(MAX_INT), 'disk': MAX_INT, 'swap': MAX_INT,
              'rxtx_factor': 3.40282e+38}
    result = call('POST', '/v2.1/flavors', body={'flavor': flavor},
                  token='admin:admin')
    assert result.status == 200, result.body
    assert flavor_db.flavors['max']['memory_mb'] == MAX_INT


def test_console_length_is_bounded(call, compute_api):
    server = compute_api.add()
    result = call('POST', '/v2.1/servers/%s/action' % server['uuid'],
                  body={'os-getConsoleOutput': {'length': '9' * 40}})
    assert_fault(result, 400, 'length')


def test_keypair_fields_are_bounded(call):
    result = call('POST', '/v2.1/os-keypairs',
                  body={'keypair': {'name': 'k' * 256}})
    assert_fault(result, 400, 'name')


# -- 2. deep JSON -------------------------------------------------------------

@pytest.mark.parametrize('path', ['/v2.1/servers', '/v2.1/flavors',
                                  '/v2.1/os-keypairs'])
def test_deeply_nested_json_is_400(call, path):
    raw = b'{"server": ' + b'[' * 5000 + b']' * 5000 + b'}'
    result = call('POST', path, raw_body=raw, token='admin:admin')
    assert_fault(result, 400, 'nested deeper')


def test_malformed_and_non_utf8_bodies_are_400(call):
    assert_fault(call('POST', '/v2.1/servers', raw_body=b'{"server": '),
                 400, 'Malformed')
    assert_fault(call('POST', '/v2.1/servers',
                      raw_body=b'{"server": {"name": "\xff"}}'), 400,
                 'UTF-8')


# -- 3. undecodable paths and query strings ----------------------------------

@pytest.mark.parametrize('environ', [
    {'PATH_INFO': '/v2.1/servers/\xff\xfe'},
    {'PATH_INFO': '/v2.1/\xed\xa0\x80'},
    {'PATH_INFO': '/\xff'},
    {'PATH_INFO': '/v2.1/servers', 'QUERY_STRING': 'x=%ff'},
    {'PATH_INFO': '/v2.1/servers/detail', 'QUERY_STRING': 'name=%ED%A0%80'},
    {'PATH_INFO': '/', 'QUERY_STRING': '%ff=1'},
])
def test_non_utf8_path_or_query_is_400(app, environ):
    response, body = raw_call(app, environ)
    assert response.status_int == 400, body
    assert body['badRequest']['code'] == 400
    assert 'UTF-8' in body['badRequest']['message']
    # The request id middleware still names the request.
    assert response.headers['x-openstack-request-id'].startswith('req-')
    assert response.headers['x-compute-request-id'] == \
        response.headers['x-openstack-request-id']


def test_non_utf8_path_is_logged_readably(app, caplog):
    caplog.set_level('INFO', logger='nube.api.fault')
    response, _body = raw_call(app, {'PATH_INFO': '/v2.1/servers/\xff\xfe'})
    assert response.status_int == 400
    assert '/v2.1/servers/\ufffd\ufffd' in caplog.text


# -- 4. lone surrogates -------------------------------------------------------

SURROGATE = '\ud800'


@pytest.mark.parametrize('path, body, field', [
    ('/v2.1/servers', server_body(name='vm' + SURROGATE), 'server/name'),
    ('/v2.1/servers', server_body(flavorRef=SURROGATE), 'flavorRef'),
    ('/v2.1/servers', server_body(metadata={'k': SURROGATE}), 'metadata/k'),
    ('/v2.1/servers', server_body(metadata={SURROGATE: 'v'}), 'metadata'),
    ('/v2.1/servers', server_body(key_name=SURROGATE), 'key_name'),
    ('/v2.1/os-keypairs', {'keypair': {'name': SURROGATE}}, 'keypair/name'),
    ('/v2.1/flavors', {'flavor': {'name': SURROGATE, 'ram': 1, 'vcpus': 1,
                                  'disk': 0}}, 'flavor/name'),
])
def test_lone_surrogates_in_bodies_are_400(call, compute_api, path, body,
                                           field):
    result = call('POST', path, body=body, token='admin:admin')
    assert_fault(result, 400, field, 'surrogate')
    assert creates(compute_api) == []


def test_lone_surrogates_in_server_metadata_are_400(call, compute_api):
    server = compute_api.add()
    path = '/v2.1/servers/%s/metadata' % server['uuid']
    for method, body in (('POST', {'metadata': {'k': SURROGATE}}),
                         ('PUT', {'metadata': {SURROGATE: 'v'}})):
        assert_fault(call(method, path, body=body), 400, 'surrogate')
    assert_fault(call('PUT', path + '/k', body={'meta': {'k': SURROGATE}}),
                 400, 'surrogate')
    # Nothing reached the facade: the server keeps its metadata.
    assert compute_api.instances[server['uuid']]['metadata'] == \
        {'purpose': 'test'}


def test_encoded_surrogate_in_query_string_is_400(call):
    result = call('GET', '/v2.1/servers?name=%ED%A0%80')
    assert_fault(result, 400, 'UTF-8')


# -- 5. NaN and infinities ----------------------------------------------------

@pytest.mark.parametrize('constant', ['NaN', 'Infinity', '-Infinity',
                                      '1e400', '-1.5e999'])
def test_rxtx_factor_nan_is_400(call, flavor_db, constant):
    raw = ('{"flavor": {"name": "nan", "ram": 1, "vcpus": 1, "disk": 0, '
           '"rxtx_factor": %s}}' % constant).encode()
    result = call('POST', '/v2.1/flavors', raw_body=raw, token='admin:admin')
    assert_fault(result, 400, constant.lstrip('-'))
    assert not [c for c in flavor_db.calls if c[0] == 'flavor_create']


# -- 6. regular expression filters (real facade on SQLite) --------------------

def _list(cloud, query, detail=False, token='u1:p1'):  # noqa: F811
    path = '/v2.1/servers%s?%s' % ('/detail' if detail else '', query)
    req = webob.Request.blank(path, headers={'X-Auth-Token': token})
    response = req.get_response(cloud.app)
    return response.status_int, json.loads(response.body)


@pytest.mark.parametrize('pattern', ['(', '*', '[', '(a+)+$', 'x' * 256])
@pytest.mark.parametrize('detail', [False, True])
def test_invalid_or_costly_name_regex_is_400(
        cloud, pattern, detail):  # noqa: F811
    cloud.server()
    status, body = _list(cloud, 'name=' + pattern.replace('+', '%2B'),
                         detail)
    assert status == 400, body
    assert body['badRequest']['code'] == 400
    assert 'name' in body['badRequest']['message']


def test_invalid_ip_regex_is_400(cloud):  # noqa: F811
    cloud.server()
    status, body = _list(cloud, 'ip=(', token='admin:admin')
    assert status == 400, body
    assert 'ip' in body['badRequest']['message']


def test_valid_name_regex_still_filters_on_sqlite(cloud):  # noqa: F811
    web = cloud.server()
    cloud.cell_db.instance_update(web['uuid'], {'display_name': 'web-12'})
    db = cloud.server()
    cloud.cell_db.instance_update(db['uuid'], {'display_name': 'db-1'})
    status, body = _list(cloud, 'name=^web-[0-9]%2B$')
    assert status == 200, body
    assert [s['id'] for s in body['servers']] == [web['uuid']]
    status, body = _list(cloud, 'name=-1', detail=True)
    assert sorted(s['name'] for s in body['servers']) == ['db-1', 'web-12']


# -- other query parameters ---------------------------------------------------

@pytest.mark.parametrize('query', [
    'limit=' + '9' * 5000, 'limit=-1', 'limit=abc',
    'marker=' + 'm' * 300,
    'changes-since=' + '9' * 300, 'changes-since=0000-00-00',
    'changes-since=9999-99-99T99:99:99Z',
    'sort_key=' + 'k' * 300,
    '&'.join(['sort_key=display_name'] * 100),
    'sort_dir=' + 'd' * 300,
    'tags=' + ','.join('t%d' % n for n in range(100)),
    'tags=' + 't' * 61,
])
def test_list_query_parameters_are_bounded(call, compute_api, query):
    result = call('GET', '/v2.1/servers/detail?' + query, version='2.26')
    assert_fault(result, 400)
    assert not [c for c in compute_api.calls if c[0] == 'get_all']


def test_huge_limit_is_capped(call, compute_api):
    result = call('GET', '/v2.1/servers?limit=99999999999')
    assert result.status == 200
    assert compute_api.last('get_all')[1]['limit'] == 1000


@pytest.mark.parametrize('query', ['minRam=' + '9' * 30,
                                   'minDisk=' + '9' * 5000,
                                   'limit=' + '9' * 5000,
                                   'marker=' + 'm' * 300])
def test_flavor_query_parameters_are_bounded(call, flavor_db, query):
    result = call('GET', '/v2.1/flavors/detail?' + query)
    assert_fault(result, 400)
    assert not [c for c in flavor_db.calls if c[0] == 'flavor_get_all']


# -- 7. database errors -------------------------------------------------------

@pytest.mark.parametrize('error', [
    db_exc.DBConnectionError('(pymysql.err.OperationalError) (2003, '
                             '"Can\'t connect to MySQL server")'),
    db_exc.DBDeadlock(),
    sqlalchemy.exc.TimeoutError('QueuePool limit of size 5 overflow 10 '
                                'reached'),
])
def test_database_unavailable_is_503_with_retry_after(call, compute_api,
                                                      error):
    compute_api.create_error = error
    result = call('POST', '/v2.1/servers', body=server_body())
    message = assert_fault(result, 503)
    assert int(result.headers['Retry-After']) > 0
    for leak in ('oslo_db', 'DBConnectionError', 'DBDeadlock', 'sqlalchemy',
                 'QueuePool', 'pymysql', 'Exception'):
        assert leak not in message


@pytest.mark.parametrize('error', [
    db_exc.DBDataError(Exception('Out of range value for column')),
    db_exc.DBInvalidUnicodeParameter(),
    sqlalchemy.exc.DataError('INSERT', {}, Exception('value too long')),
])
def test_values_the_database_refuses_are_400(call, compute_api, error):
    compute_api.create_error = error
    message = assert_fault(call('POST', '/v2.1/servers', body=server_body()),
                           400)
    assert 'oslo_db' not in message and 'INSERT' not in message


def test_error_body_for_the_server(call):
    content_type, body = fault.error_body(414, 'Request-URI Too Long')
    assert content_type == 'application/json'
    assert json.loads(body) == {'computeFault': {
        'code': 414, 'message': 'Request-URI Too Long'}}
    content_type, body = fault.error_body(400, 'Bad request syntax')
    assert json.loads(body)['badRequest']['code'] == 400


# -- 8. ids in paths ----------------------------------------------------------

@pytest.mark.parametrize('path', [
    '/v2.1/servers/not-a-uuid',
    '/v2.1/servers/%s' % ('x' * 300),
    '/v2.1/servers/1%%20OR%%201=1',
])
def test_server_ids_that_are_not_uuids_are_404(cloud, path):  # noqa: F811
    req = webob.Request.blank(path, headers={'X-Auth-Token': 'u1:p1'})
    response = req.get_response(cloud.app)
    assert response.status_int == 404
    assert json.loads(response.body)['itemNotFound']['code'] == 404


@pytest.mark.parametrize('hypervisor_id', ['9' * 30, '-1', 'x' * 300])
def test_hypervisor_ids_out_of_range_are_404(call, hypervisor_id):
    result = call('GET', '/v2.1/os-hypervisors/' + hypervisor_id,
                  token='admin:admin')
    assert_fault(result, 404)


def test_facade_errors_keep_their_status(call, compute_api):
    compute_api.create_error = exception.Invalid('bad')
    assert_fault(call('POST', '/v2.1/servers', body=server_body()), 400)


# -- more of 1, 6 and 8: quotas, the DB layer, pagination --------------------

def test_create_quotas_answer_403_before_any_work(call, compute_api):
    metadata = {'k%d' % n: 'v' for n in range(129)}
    assert_fault(call('POST', '/v2.1/servers',
                      body=server_body(metadata=metadata)),
                 403, 'metadata items exceeds 128')
    files = [{'path': '/p%d' % n, 'contents': 'QUFB'} for n in range(6)]
    assert_fault(call('POST', '/v2.1/servers',
                      body=server_body(personality=files)),
                 403, 'Personality file limit exceeded')
    assert_fault(call('POST', '/v2.1/servers', body=server_body(
        personality=[{'path': '/' + 'p' * 255, 'contents': 'QUFB'}])),
        403, 'path exceeds maximum 255')
    assert creates(compute_api) == []


@pytest.mark.parametrize('flavor_id', [1e300, -1e300])
def test_numeric_flavor_ids_must_fit_the_column(call, flavor_db, flavor_id):
    flavor = {'name': 'n', 'ram': 1, 'vcpus': 1, 'disk': 0, 'id': flavor_id}
    assert_fault(call('POST', '/v2.1/flavors', body={'flavor': flavor},
                      token='admin:admin'), 400, 'id')
    assert not [c for c in flavor_db.calls if c[0] == 'flavor_create']


@pytest.mark.parametrize('value', ['9999-12-31T23:59:59-23:00',
                                   '0001-01-01T00:00:00+23:00'])
def test_changes_since_beyond_the_calendar_is_400(call, compute_api, value):
    result = call('GET', '/v2.1/servers?changes-since=' +
                  value.replace('+', '%2B'))
    assert_fault(result, 400, 'changes-since')
    assert not [c for c in compute_api.calls if c[0] == 'get_all']


def test_cell_database_refuses_a_bad_pattern_itself(cell_db):
    """Callers other than the API (nube-manage, tools) get the same 400
    from the DB layer, on SQLite whose REGEXP is Python's re."""
    from nube.compute import regex_filter
    for filters in ({'name': '('}, {'name': '(x+)*y'}, {'ip': '['}):
        with pytest.raises(regex_filter.InvalidRegex) as raised:
            cell_db.instance_get_all(filters=filters)
        assert raised.value.code == 400
        assert list(filters)[0] in raised.value.message


@pytest.mark.parametrize('pattern, ok', [
    ('^web-[0-9]+$', True), ('(ab{3})*', True), ('a{2,5}', True),
    ('(a+)+$', False), ('(x|y*)*', False), ('(a{1,2})*', False),
    ('((a)*)+', False), ('a' * 256, False), ('(?<=a+)b', False),
])
def test_regex_filter_check(pattern, ok):
    from nube.compute import regex_filter
    if ok:
        assert regex_filter.check('name', pattern) == pattern
    else:
        with pytest.raises(regex_filter.InvalidRegex):
            regex_filter.check('name', pattern)


def test_flavor_marker_with_null_sort_value_pages(cloud):  # noqa: F811
    """Sorting by a nullable column (description, updated_at) with a
    marker whose value is NULL was a 500 (SQL comparison with NULL)."""
    for flavorid in ('a', 'b', 'c'):
        cloud.api_db.flavor_create({
            'name': 'f-' + flavorid, 'flavorid': flavorid, 'memory_mb': 1,
            'vcpus': 1, 'root_gb': 0, 'ephemeral_gb': 0, 'swap': 0,
            'rxtx_factor': 1.0, 'is_public': True, 'description': None})
    for key in ('description', 'updated_at'):
        req = webob.Request.blank(
            '/v2.1/flavors?sort_key=%s&limit=1&marker=a' % key,
            headers={'X-Auth-Token': 'u1:p1'})
        response = req.get_response(cloud.app)
        assert response.status_int == 200, response.body
        assert [f['id'] for f in json.loads(response.body)['flavors']] == \
            ['b']


@pytest.mark.parametrize('headers', [
    {'OpenStack-API-Version': 'compute 2.' + '9' * 5000},
    {'X-OpenStack-Nova-API-Version': '9' * 5000 + '.1'},
])
@pytest.mark.parametrize('path', ['/v2.1/servers', '/v2.1/'])
def test_huge_microversion_is_400_not_500(call, headers, path):
    """int() refuses numbers of more than 4300 digits (a ValueError)."""
    result = call('GET', path, headers=headers)
    assert_fault(result, 400, 'API Version String')


def test_microversion_of_nine_digits_is_still_406(call):
    result = call('GET', '/v2.1/servers', version='2.999999999')
    assert result.status == 406


def test_facade_checks_counts_before_any_work(cloud):  # noqa: F811
    """Callers of nube.compute.api.API other than the HTTP layer meet the
    same limits, before the image, the key pair or a record per server."""
    from nube.compute import limits
    from nube import context as nube_context
    ctxt = nube_context.RequestContext(user_id='u1', project_id='p1')
    flavor = fakes.make_flavor()
    started = time.monotonic()
    for counts in ((1, 2 ** 31), (201, 201), (1, 201)):
        with pytest.raises(limits.TooManyInstances):
            cloud.facade.create(ctxt, flavor=flavor, image_ref=IMAGE,
                                name='x', min_count=counts[0],
                                max_count=counts[1])
    with pytest.raises(exception.MetadataLimitExceeded):
        cloud.facade.create(ctxt, flavor=flavor, image_ref=IMAGE, name='x',
                            metadata={str(n): 'v' for n in range(129)})
    assert time.monotonic() - started < 1.0
    assert cloud.api_db.build_request_get_all(project_id='p1') == []
