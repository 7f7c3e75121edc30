"""Hostile input to the network API: always a 4xx in Neutron's shape,
never a 500, and nothing reaches the network API."""

import json

import pytest
import webob

from tests.unit.network.neutron import ADMIN
from tests.unit.network.neutron import create
from tests.unit.network.neutron import network_with_subnet
from tests.unit.network.neutron import Result
import tests.unit.network.neutron as base

# Fixtures shared by the network API tests.
app = base.app
call = base.call
fake_api = base.fake_api
fresh_policy = base.fresh_policy


def _raw(application, method, path, body=b''):
    req = webob.Request.blank(path, method=method,
                              headers={'X-Auth-Token': ADMIN})
    if body:
        req.body = body
        req.content_type = 'application/json'
    return Result(req.get_response(application))


def _no_writes(fake_api):
    return not [c for c in fake_api.calls
                if c[0].startswith(('create', 'update', 'delete'))]


@pytest.mark.parametrize('body', [
    b'[' * 5000 + b']' * 5000,
    b'{"network": {"mtu": NaN}}',
    b'{"network": {"mtu": Infinity}}',
    b'{"network": {"mtu": 1e400}}',
    b'{"network": {"name": "\\ud800"}}',
    b'{"network": {"\\udfff": 1}}',
    b'{"network": {"name": "\xff\xfe"}}',
    b'{"network": ',
    b'null',
    b'"network"',
    b'42',
    b'   ',
    b'{"network": null}',
    b'{"network": []}',
    b'{"network": {"name": {"a": [1, {"b": [[[]]]}]}}}',
    b'{"network": {"name": "' + b'x' * 10000 + b'"}}',
    b'{"network": {"mtu": 1500.5}}',
    b'{"network": {"mtu": true}}',
    b'{"network": {"mtu": "1500"}}',
    b'{"network": {"provider:segmentation_id": 1e2}}',
    b'{"network": {"provider:segmentation_id": 99999999999999999999999}}',
    b'{"networks": [null, 1, "x"]}',
    b'{"network": {"tenant_id": ""}}',
    b'{"networks": ' + json.dumps([{}] * 500).encode() + b'}',
    b'{"networks": "' + b'y' * 5000 + b'"}',
])
def test_hostile_network_bodies(app, fake_api, body):
    result = _raw(app, 'POST', '/v2.0/networks', body)
    assert result.status == 400, (body[:80], result.raw)
    assert result.error['type'] in ('HTTPBadRequest', 'InvalidInput')
    assert len(result.error['message']) < 400
    assert _no_writes(fake_api)


@pytest.mark.parametrize('port', [
    {'fixed_ips': [{'ip_address': '10.0.0.1'}] * 1000},
    {'fixed_ips': [[[]]]},
    {'fixed_ips': [{'ip_address': ['10.0.0.1']}]},
    {'fixed_ips': [{'ip_address': '10.0.0.1\x00'}]},
    {'fixed_ips': [{'ip_address': ' 10.0.0.1'}]},
    {'fixed_ips': [{'ip_address': '010.000.000.001'}]},
    {'mac_address': 'fa:16:3e:00:00:01\n'},
    {'binding:profile': {str(i): i for i in range(100)}},
    {'name': '\u202e' * 256},
    {'device_id': None},
    {'admin_state_up': 'false'},
    {'x' * 10000: 1},
])
def test_hostile_port_bodies(call, fake_api, port):
    net, _subnet = network_with_subnet(call)
    fake_api.calls.clear()
    result = call('POST', '/v2.0/ports', token=ADMIN,
                  body={'port': dict(port, network_id=net['id'])})
    assert result.status == 400, result.raw
    assert len(result.error['message']) < 400
    assert _no_writes(fake_api)


@pytest.mark.parametrize('subnet', [
    {'cidr': '10.0.0.0/24\n'},
    {'cidr': '10.0.0.0/-1'},
    {'cidr': '10.0.0.0/' + '9' * 5000},
    {'cidr': ['10.0.0.0/24']},
    {'cidr': '0x0a000000/24'},
    {'gateway_ip': '10.0.0.1/24'},
    {'gateway_ip': ''},
    {'allocation_pools': [{'start': None, 'end': None}]},
    {'allocation_pools': 'all'},
    {'dns_nameservers': [None]},
    {'ip_version': 4.0},
    {'enable_dhcp': None},
])
def test_hostile_subnet_bodies(call, fake_api, subnet):
    net = create(call, 'network', name='n')
    fake_api.calls.clear()
    body = dict({'network_id': net['id'], 'ip_version': 4,
                 'cidr': '10.0.0.0/24'}, **subnet)
    result = call('POST', '/v2.0/subnets', body={'subnet': body})
    assert result.status == 400, result.raw
    assert _no_writes(fake_api)


@pytest.mark.parametrize('path', [
    '/v2.0/networks?limit=' + '9' * 100000,
    '/v2.0/networks?sort_key=%00&sort_dir=asc',
    '/v2.0/networks?sort_key=' + 'k' * 10000 + '&sort_dir=asc',
    '/v2.0/networks?shared=' + 's' * 10000,
    '/v2.0/networks?limit=1&marker=' + 'm' * 10000,
    '/v2.0/networks?limit=%E2%91%A0',
    '/v2.0/networks?limit=%D9%A3',
    '/v2.0/ports?fixed_ips=' + 'ip_address' * 1000,
    '/v2.0/networks/' + 'a' * 10000,
    '/v2.0/extensions/' + 'e' * 10000,
    '/v2.0/networks/%00',
])
def test_hostile_queries_and_paths(call, path):
    result = call('GET', path)
    assert 400 <= result.status < 500, result.raw[:200]
    assert len(result.error['message']) < 400


@pytest.mark.parametrize('path', ['/v2.0/networks/%ff%fe',
                                  '/v2.0/networks?name=%ff',
                                  '/v2.0/networks?name=%ED%A0%80'])
def test_non_utf8_paths_and_queries_are_400(app, path):
    req = webob.Request.blank('/')
    req.environ['PATH_INFO'], _, query = path.partition('?')
    req.environ['PATH_INFO'] = req.environ['PATH_INFO'].replace(
        '%ff', '\xff').replace('%fe', '\xfe')
    req.environ['QUERY_STRING'] = query
    req.headers['X-Auth-Token'] = 'alice:p1'
    result = Result(req.get_response(app))
    assert result.status == 400
    assert result.error['type'] == 'HTTPBadRequest'


def test_hostile_updates(call, fake_api):
    net, subnet = network_with_subnet(call)
    port = create(call, 'port', network_id=net['id'])
    fake_api.calls.clear()
    for path, body in (
            ('/v2.0/networks/' + net['id'], {'network': {'mtu': -1}}),
            ('/v2.0/networks/' + net['id'], {'networks': [{}]}),
            ('/v2.0/subnets/' + subnet['id'],
             {'subnet': {'allocation_pools': [{'start': 'a', 'end': 'b'}]}}),
            ('/v2.0/ports/' + port['id'], {'port': {'fixed_ips': None}}),
            ('/v2.0/ports/' + port['id'], {'port': []})):
        result = call('PUT', path, body=body)
        assert result.status == 400, (path, body, result.raw)
    assert _no_writes(fake_api)


def test_non_admin_names_an_admin_attribute_in_a_bad_body(call, fake_api):
    # The schema speaks first: a bad value is 400, whoever asks.
    result = call('POST', '/v2.0/networks', body={'network': {
        'provider:segmentation_id': 'x'}})
    assert result.status == 400
