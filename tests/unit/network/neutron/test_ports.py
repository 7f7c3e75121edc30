"""/v2.0/ports: shapes, bindings, addresses and who may choose them."""

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

BINDING_ADMIN = ('binding:host_id', 'binding:profile', 'binding:vif_type',
                 'binding:vif_details')
PORT_KEYS = {
    'id', 'name', 'tenant_id', 'project_id', 'network_id',
    'admin_state_up', 'mac_address', 'fixed_ips', 'device_id',
    'device_owner', 'status', 'security_groups', 'allowed_address_pairs',
    'extra_dhcp_opts', 'description', 'binding:vnic_type',
    'port_security_enabled', 'created_at', 'updated_at', 'revision_number',
    'tags'}


def test_create_show_update_delete(call, fake_api):
    net, subnet = network_with_subnet(call)
    result = call('POST', '/v2.0/ports', body={'port': {
        'network_id': net['id'], 'name': 'p', 'admin_state_up': True,
        'device_id': 'vm-1', 'device_owner': 'compute:nova',
        'binding:vnic_type': 'normal',
        'fixed_ips': [{'subnet_id': subnet['id'],
                       'ip_address': '10.0.0.7'}],
        'mac_address': 'FA:16:3E:01:02:03'}})
    assert result.status == 201, result.raw
    port = result.body['port']
    # Bindings other than the vnic type are an admin's to see.
    assert set(port) == PORT_KEYS
    assert port['fixed_ips'] == [{'subnet_id': subnet['id'],
                                  'ip_address': '10.0.0.7'}]
    assert port['mac_address'] == 'fa:16:3e:01:02:03'
    as_admin = call('GET', '/v2.0/ports/' + port['id'], token=ADMIN)
    assert set(as_admin.body['port']) == PORT_KEYS | set(BINDING_ADMIN)
    updated = call('PUT', '/v2.0/ports/' + port['id'], body={'port': {
        'name': 'p2', 'device_id': '', 'device_owner': '',
        'fixed_ips': [{'ip_address': '10.0.0.8'}]}})
    assert updated.status == 200, updated.raw
    assert updated.body['port']['fixed_ips'][0]['ip_address'] == '10.0.0.8'
    assert call('DELETE', '/v2.0/ports/' + port['id']).status == 204
    assert call('GET', '/v2.0/ports/' + port['id']).error['type'] == \
        'PortNotFound'


def test_port_on_a_network_that_does_not_exist(call):
    result = call('POST', '/v2.0/ports',
                  body={'port': {'network_id': str(uuid.uuid4())}})
    assert result.status == 404
    assert result.error['type'] == 'NetworkNotFound'


@pytest.mark.parametrize('attr,value', [('binding:host_id', 'compute1')])
def test_bindings_are_set_by_admins_only(call, attr, value):
    net, _subnet = network_with_subnet(call)
    result = call('POST', '/v2.0/ports', body={'port': {
        'network_id': net['id'], attr: value}})
    assert result.status == 403
    assert result.error['message'] == \
        '(rule:create_port:%s) is disallowed by policy.' % attr
    port = create(call, 'port', token=ADMIN, network_id=net['id'],
                  **{attr: value})
    assert port[attr] == value
    update = call('PUT', '/v2.0/ports/' + port['id'],
                  body={'port': {attr: value}})
    assert update.status == 403
    assert call('PUT', '/v2.0/ports/' + port['id'], token=ADMIN,
                body={'port': {attr: value}}).status == 200


@pytest.mark.parametrize('attr', ['binding:vif_type', 'binding:vif_details',
                                  'binding:profile', 'status'])
def test_read_only_port_attributes(call, attr):
    net, _subnet = network_with_subnet(call)
    result = call('POST', '/v2.0/ports', token=ADMIN, body={'port': {
        'network_id': net['id'], attr: 'x'}})
    assert result.status == 400
    assert result.error['message'] == \
        "Attribute '%s' not allowed in POST" % attr


def test_mac_address_is_the_network_owners_then_admins(call):
    net, _subnet = network_with_subnet(call)
    port = create(call, 'port', network_id=net['id'],
                  mac_address='fa:16:3e:00:00:01')
    assert port['mac_address'] == 'fa:16:3e:00:00:01'
    result = call('PUT', '/v2.0/ports/' + port['id'], body={'port': {
        'mac_address': 'fa:16:3e:00:00:02'}})
    assert result.status == 403
    assert result.error['message'] == \
        '(rule:update_port:mac_address) is disallowed by policy.'
    assert call('PUT', '/v2.0/ports/' + port['id'], token=ADMIN,
                body={'port': {'mac_address': 'fa:16:3e:00:00:02'}}
                ).status == 200


def test_ports_on_another_projects_shared_network(call):
    net, subnet = network_with_subnet(call, token=ADMIN, shared=True)
    # Anyone may have an address of a shared network's subnet...
    port = create(call, 'port', network_id=net['id'],
                  fixed_ips=[{'subnet_id': subnet['id']}])
    assert port['tenant_id'] == 'p1'
    # ... but only the network's owner chooses addresses, MACs and
    # network:* device owners.
    for values, rule in (
            ({'fixed_ips': [{'ip_address': '10.0.0.50'}]},
             'create_port:fixed_ips:ip_address'),
            ({'mac_address': 'fa:16:3e:00:00:09'},
             'create_port:mac_address'),
            ({'device_owner': 'network:dhcp'}, 'create_port:device_owner')):
        result = call('POST', '/v2.0/ports', body={'port': dict(
            values, network_id=net['id'])})
        assert result.status == 403, values
        assert result.error['message'] == \
            '(rule:%s) is disallowed by policy.' % rule
    assert create(call, 'port', network_id=net['id'],
                  device_owner='compute:nova')
    # The port is ours to change and delete.
    assert call('PUT', '/v2.0/ports/' + port['id'],
                body={'port': {'name': 'mine'}}).status == 200
    assert call('DELETE', '/v2.0/ports/' + port['id']).status == 204


def test_subnet_id_of_another_projects_private_network(call, fake_api):
    net, subnet = network_with_subnet(call, token='bob:p2')
    # An admin put p1's port on it: p1 sees the port, not the network.
    port = create(call, 'port', token=ADMIN, network_id=net['id'],
                  tenant_id='p1')
    assert call('GET', '/v2.0/ports/' + port['id']).status == 200
    result = call('PUT', '/v2.0/ports/' + port['id'], body={'port': {
        'fixed_ips': [{'subnet_id': subnet['id']}]}})
    assert result.status == 403
    assert result.error['message'] == \
        '(rule:update_port:fixed_ips:subnet_id) is disallowed by policy.'
    # The network's owner sees and may delete ports on it.
    assert call('DELETE', '/v2.0/ports/' + port['id'],
                token='bob:p2').status == 204


def test_ip_in_use_passes_through(call):
    net, subnet = network_with_subnet(call)
    create(call, 'port', network_id=net['id'],
           fixed_ips=[{'ip_address': '10.0.0.9'}])
    result = call('POST', '/v2.0/ports', body={'port': {
        'network_id': net['id'], 'fixed_ips': [{'ip_address': '10.0.0.9'}]}})
    assert result.status == 409
    assert result.error['type'] == 'IpAddressInUse'


@pytest.mark.parametrize('values,message', [
    ({'mac_address': 'fa:16:3e:00:00'}, "Invalid input for mac_address. "
     "Reason: 'fa:16:3e:00:00' is not a valid MAC address."),
    ({'mac_address': '01:00:5e:00:00:01'}, 'not a valid MAC address'),
    ({'mac_address': '00:00:00:00:00:00'}, 'not a valid MAC address'),
    ({'fixed_ips': [{'ip_address': '10.0.0.%d' % i} for i in range(9)]},
     'Invalid input for fixed_ips. Reason: too many items'),
    ({'fixed_ips': [{}]}, 'Invalid input for fixed_ips'),
    ({'fixed_ips': [{'ip_address': '10.0.0.5', 'extra': 1}]},
     'Invalid input for fixed_ips'),
    ({'fixed_ips': [{'subnet_id': 'abc'}]}, 'Invalid input for fixed_ips'),
    ({'fixed_ips': [{'ip_address': '10.0.0.256'}]},
     'Invalid input for fixed_ips'),
    ({'fixed_ips': [{'ip_address': 'fe80::5'}]},
     'IPv6 is not supported by nube'),
    ({'fixed_ips': 'x'}, 'Invalid input for fixed_ips'),
    ({'device_id': 'd' * 256}, 'Invalid input for device_id'),
    ({'device_owner': 'd' * 256}, 'Invalid input for device_owner'),
    ({'binding:vnic_type': 'direct'}, 'Invalid input for binding:vnic_type'),
])
def test_bad_ports(call, values, message):
    net, _subnet = network_with_subnet(call)
    result = call('POST', '/v2.0/ports', token=ADMIN, body={'port': dict(
        values, network_id=net['id'])})
    assert result.status == 400, result.raw
    assert message in result.error['message']


def test_network_is_required(call):
    result = call('POST', '/v2.0/ports', body={'port': {'name': 'p'}})
    assert result.status == 400
    assert result.error['message'] == (
        "Failed to parse request. Required attribute 'network_id' not "
        "specified")


def test_network_id_cannot_change(call):
    net, _subnet = network_with_subnet(call)
    port = create(call, 'port', network_id=net['id'])
    result = call('PUT', '/v2.0/ports/' + port['id'], body={'port': {
        'network_id': net['id']}})
    assert result.status == 400
    assert result.error['message'] == \
        'Cannot update read-only attribute network_id'


def test_bulk_ports_all_or_nothing(call, fake_api):
    net, _subnet = network_with_subnet(call)
    made = call('POST', '/v2.0/ports', body={'ports': [
        {'network_id': net['id'], 'name': 'a'},
        {'network_id': net['id'], 'name': 'b'}]})
    assert made.status == 201
    assert [p['name'] for p in made.body['ports']] == ['a', 'b']
    fake_api.fail_create = 'bad'
    failed = call('POST', '/v2.0/ports', body={'ports': [
        {'network_id': net['id'], 'name': 'c'},
        {'network_id': net['id'], 'name': 'bad'}]})
    assert failed.status == 409
    assert failed.error['type'] == 'MacAddressInUse'
    assert sorted(p['name'] for p in fake_api.ports.values()) == ['a', 'b']
