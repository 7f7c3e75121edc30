"""/v2.0/subnets: shapes, IPv4 only, address checks, network owner."""

import uuid

import pytest

from tests.unit.network.neutron import ADMIN
from tests.unit.network.neutron import create
from tests.unit.network.neutron import network_with_subnet
import tests.unit.network.neutron as base

# Fixtures shared by the network API tests.
app = base.app
call = base.call
fake_api = base.fake_api
fresh_policy = base.fresh_policy

SUBNET_KEYS = {
    'id', 'name', 'tenant_id', 'project_id', 'network_id', 'ip_version',
    'cidr', 'gateway_ip', 'allocation_pools', 'dns_nameservers',
    'host_routes', 'enable_dhcp', 'ipv6_ra_mode', 'ipv6_address_mode',
    'subnetpool_id', 'description', 'service_types', 'created_at',
    'updated_at', 'revision_number', 'tags'}


def _subnet(net_id, **values):
    values.setdefault('ip_version', 4)
    values.setdefault('cidr', '10.1.0.0/24')
    return {'subnet': dict(values, network_id=net_id)}


def test_create_show_update_delete(call, fake_api):
    net = create(call, 'network', name='n')
    result = call('POST', '/v2.0/subnets', body=_subnet(
        net['id'], name='s', gateway_ip='10.1.0.254', enable_dhcp=False,
        dns_nameservers=['8.8.8.8'], host_routes=[],
        allocation_pools=[{'start': '10.1.0.10', 'end': '10.1.0.20'}]))
    assert result.status == 201, result.raw
    subnet = result.body['subnet']
    assert set(subnet) == SUBNET_KEYS
    assert subnet['gateway_ip'] == '10.1.0.254'
    assert subnet['allocation_pools'] == [{'start': '10.1.0.10',
                                           'end': '10.1.0.20'}]
    assert subnet['tenant_id'] == 'p1'
    assert call('GET', '/v2.0/networks/' + net['id']).body['network'][
        'subnets'] == [subnet['id']]
    shown = call('GET', '/v2.0/subnets/' + subnet['id'])
    assert shown.body == {'subnet': subnet}
    updated = call('PUT', '/v2.0/subnets/' + subnet['id'], body={'subnet': {
        'name': 's2', 'gateway_ip': None, 'dns_nameservers': [],
        'enable_dhcp': True}})
    assert updated.status == 200, updated.raw
    assert updated.body['subnet']['gateway_ip'] is None
    assert call('DELETE', '/v2.0/subnets/' + subnet['id']).status == 204
    assert call('GET', '/v2.0/subnets/' + subnet['id']).error['type'] == \
        'SubnetNotFound'


def test_host_routes_are_kept_and_replaced(call):
    net = create(call, 'network', name='n')
    routes = [{'destination': '10.9.0.0/16', 'nexthop': '10.1.0.254'}]
    subnet = call('POST', '/v2.0/subnets', body=_subnet(
        net['id'], host_routes=routes)).body['subnet']
    assert subnet['host_routes'] == routes
    path = '/v2.0/subnets/' + subnet['id']
    assert call('GET', path).body['subnet']['host_routes'] == routes
    other = [{'destination': '192.0.2.0/24', 'nexthop': '10.1.0.253'}]
    updated = call('PUT', path, body={'subnet': {'host_routes': other}})
    assert updated.body['subnet']['host_routes'] == other
    assert call('GET', path).body['subnet']['host_routes'] == other
    cleared = call('PUT', path, body={'subnet': {'host_routes': []}})
    assert cleared.body['subnet']['host_routes'] == []


def test_network_id_is_lowered(call, fake_api):
    net = create(call, 'network', name='n')
    result = call('POST', '/v2.0/subnets', body=_subnet(net['id'].upper()))
    assert result.status == 201
    assert result.body['subnet']['network_id'] == net['id']


@pytest.mark.parametrize('missing', ['network_id', 'ip_version', 'cidr'])
def test_required_attributes(call, missing):
    net = create(call, 'network', name='n')
    body = _subnet(net['id'])
    del body['subnet'][missing]
    result = call('POST', '/v2.0/subnets', body=body)
    assert result.status == 400
    assert result.error['message'] == (
        "Failed to parse request. Required attribute '%s' not specified"
        % missing)


@pytest.mark.parametrize('values', [
    {'ip_version': 6, 'cidr': 'fd00::/64'},
    {'ip_version': 4, 'cidr': 'fd00::/64'},
    {'gateway_ip': 'fd00::1'},
    {'dns_nameservers': ['2001:4860:4860::8888']},
    {'allocation_pools': [{'start': '::1', 'end': '::2'}]},
])
def test_ipv6_is_refused(call, values):
    net = create(call, 'network', name='n')
    result = call('POST', '/v2.0/subnets', body=_subnet(net['id'],
                                                         **values))
    assert result.status == 400
    assert result.error == {
        'type': 'InvalidInput', 'detail': '',
        'message': 'Invalid input for operation: IPv6 is not supported by '
                   'nube.'}


@pytest.mark.parametrize('values,message', [
    ({'cidr': '10.1.0.1/24'}, "Invalid input for cidr. Reason: "
     "'10.1.0.1/24' isn't a recognized IP subnet cidr, '10.1.0.0/24' is "
     "recommended."),
    ({'cidr': '10.1.0.0'}, "isn't a recognized IP subnet cidr"),
    ({'cidr': 'banana'}, "Invalid input for cidr. Reason: 'banana' is not "
     "a valid IP subnet."),
    ({'cidr': '10.1.0.0/33'}, 'Invalid input for cidr'),
    ({'ip_version': 5}, "Invalid input for ip_version. Reason: '5' is not "
     "in [4, 6]."),
    ({'ip_version': '4'}, 'Invalid input for ip_version'),
    ({'gateway_ip': '10.1.0.300'}, 'Invalid input for gateway_ip'),
    ({'gateway_ip': 7}, 'Invalid input for gateway_ip'),
    ({'dns_nameservers': ['1.1.1.%d' % i for i in range(6)]},
     'Invalid input for dns_nameservers. Reason: too many items'),
    ({'dns_nameservers': ['1.1.1.1', '1.1.1.1']},
     'Invalid input for dns_nameservers. Reason: duplicate items'),
    ({'dns_nameservers': ['dns.example']}, 'Invalid input for '
                                           'dns_nameservers'),
    ({'host_routes': [{'destination': '10.9.0.1/16',
                       'nexthop': '10.1.0.1'}]},
     "Invalid input for host_routes. Reason: '10.9.0.1/16' isn't a "
     "recognized IP subnet cidr"),
    ({'host_routes': [{'destination': '10.9.0.0/16', 'nexthop': 'gw'}]},
     "Invalid input for host_routes. Reason: 'gw' is not a valid IP"),
    ({'host_routes': [{'destination': '10.9.0.0/16'}]},
     'Invalid input for host_routes'),
    ({'host_routes': [{'destination': '10.9.%d.0/24' % i,
                       'nexthop': '10.1.0.1'} for i in range(21)]},
     'Invalid input for host_routes. Reason: too many items'),
    ({'host_routes': [{'destination': '10.9.0.0/16', 'nexthop': '10.1.0.1'},
                      {'destination': '10.9.0.0/16', 'nexthop': '10.1.0.2'}]},
     'Duplicate hostroute 10.9.0.0/16'),
    ({'allocation_pools': [{'start': '10.1.0.5'}]},
     'Invalid input for allocation_pools'),
    ({'allocation_pools': [{'start': '10.1.0.9', 'end': '10.1.0.5'}]},
     'starts after it ends'),
    ({'allocation_pools': [{'start': '10.1.0.%d' % i, 'end': '10.1.0.%d'
                            % i} for i in range(17)]},
     'Invalid input for allocation_pools. Reason: too many items'),
    ({'allocation_pools': [{'start': '10.1.0.5', 'end': '10.1.0.6',
                            'x': 1}]}, 'Invalid input for allocation_pools'),
    ({'subnetpool_id': None}, "Attribute 'subnetpool_id' not allowed in "
                              "POST"),
    ({'prefixlen': 24}, "Unrecognized attribute(s) 'prefixlen'"),
])
def test_bad_subnets(call, values, message):
    net = create(call, 'network', name='n')
    result = call('POST', '/v2.0/subnets', body=_subnet(net['id'],
                                                         **values))
    assert result.status == 400, result.raw
    assert message in result.error['message']


def test_network_id_must_be_a_uuid(call):
    result = call('POST', '/v2.0/subnets', body=_subnet('not-a-uuid'))
    assert result.status == 400
    assert result.error['message'] == (
        "Invalid input for network_id. Reason: 'not-a-uuid' is not a valid "
        "UUID.")


def test_subnet_on_a_network_that_does_not_exist(call):
    result = call('POST', '/v2.0/subnets', body=_subnet(str(uuid.uuid4())))
    assert result.status == 404
    assert result.error['type'] == 'NetworkNotFound'


def test_subnet_on_an_invisible_network(call):
    net = create(call, 'network', token='bob:p2', name='n')
    result = call('POST', '/v2.0/subnets', body=_subnet(net['id']))
    assert result.status == 404
    assert result.error['type'] == 'NetworkNotFound'


def test_only_the_network_owner_adds_subnets(call):
    shared = create(call, 'network', token=ADMIN, name='shared',
                    shared=True, tenant_id='p2')
    result = call('POST', '/v2.0/subnets', body=_subnet(shared['id']))
    assert result.status == 403
    assert result.error['message'] == \
        '(rule:create_subnet) is disallowed by policy.'
    owner = call('POST', '/v2.0/subnets', token='bob:p2',
                 body=_subnet(shared['id']))
    assert owner.status == 201
    subnet = owner.body['subnet']
    # Others see it (the network is shared) but may not change it.
    assert call('GET', '/v2.0/subnets/' + subnet['id']).status == 200
    update = call('PUT', '/v2.0/subnets/' + subnet['id'],
                  body={'subnet': {'name': 'x'}})
    assert update.status == 403
    assert update.error['message'] == \
        '(rule:update_subnet) is disallowed by policy.'
    assert call('DELETE', '/v2.0/subnets/' + subnet['id']).status == 403
    assert call('DELETE', '/v2.0/subnets/' + subnet['id'],
                token=ADMIN).status == 204


def test_a_subnet_for_another_project_needs_an_admin(call):
    net = create(call, 'network', name='n')
    result = call('POST', '/v2.0/subnets',
                  body=_subnet(net['id'], tenant_id='p2'))
    assert result.status == 403


def test_overlap_and_in_use_pass_through(call):
    net, subnet = network_with_subnet(call, cidr='10.2.0.0/24')
    overlap = call('POST', '/v2.0/subnets',
                   body=_subnet(net['id'], cidr='10.2.0.0/25'))
    assert overlap.status == 400
    assert overlap.error['type'] == 'InvalidInput'
    assert 'overlaps' in overlap.error['message']
    create(call, 'port', network_id=net['id'])
    in_use = call('DELETE', '/v2.0/subnets/' + subnet['id'])
    assert in_use.status == 409
    assert in_use.error['type'] == 'SubnetInUse'


@pytest.mark.parametrize('values,message', [
    ({'cidr': '10.3.0.0/24'}, 'Cannot update read-only attribute cidr'),
    ({'network_id': str(uuid.uuid4())},
     'Cannot update read-only attribute network_id'),
    ({'ip_version': 4}, 'Cannot update read-only attribute ip_version'),
    ({'host_routes': [{'destination': '0.0.0.0/0', 'nexthop': 'x'}]},
     'Invalid input for host_routes'),
    ({'gateway_ip': 'fe80::1'}, 'IPv6 is not supported by nube'),
])
def test_bad_updates(call, values, message):
    net, subnet = network_with_subnet(call)
    result = call('PUT', '/v2.0/subnets/' + subnet['id'],
                  body={'subnet': values})
    assert result.status == 400
    assert message in result.error['message']


def test_bulk_subnets(call):
    net = create(call, 'network', name='n')
    result = call('POST', '/v2.0/subnets', body={'subnets': [
        _subnet(net['id'], cidr='10.4.%d.0/24' % i)['subnet']
        for i in range(3)]})
    assert result.status == 201
    assert len(result.body['subnets']) == 3
    overlapping = call('POST', '/v2.0/subnets', body={'subnets': [
        _subnet(net['id'], cidr='10.5.0.0/24')['subnet'],
        _subnet(net['id'], cidr='10.5.0.0/24')['subnet']]})
    assert overlapping.status == 400
    cidrs = {s['cidr'] for s in call('GET', '/v2.0/subnets').body[
        'subnets']}
    assert '10.5.0.0/24' not in cidrs
