"""Floating IPs and security groups of nube/network/api.py's CellNetworks
on a SQLite cell DB: allocation from an external network's pool,
association, what a server's delete leaves, the default group, rule
checks, and the state nube-network enforces."""

import pytest

from nube import exception
from nube.network import api as network_api
from nube.network import exceptions as net_exc
from tests.unit.network.test_api import _Casts, ADMIN, ALICE, BOB

PUBLIC = '172.24.4.0/28'


@pytest.fixture
def nets(cell_db):
    api = network_api.CellNetworks(cell_db)
    api._rpc = _Casts()
    return api


def _public(nets, cidr=PUBLIC):
    net = nets.create_network(ADMIN, {'name': 'public',
                                      'router:external': True})
    nets.create_subnet(ADMIN, {'network_id': net['id'], 'cidr': cidr,
                               'enable_dhcp': False})
    return net


def _private(nets, ctxt=ALICE, cidr='10.60.0.0/24'):
    net = nets.create_network(ctxt, {'name': 'private'})
    nets.create_subnet(ctxt, {'network_id': net['id'], 'cidr': cidr})
    return net


def _server_port(nets, net, device='server-1', ctxt=ALICE, **values):
    return nets.create_port(ctxt, dict(
        {'network_id': net['id'], 'device_id': device,
         'device_owner': 'compute:nova'}, **values))


# -- floating IPs ------------------------------------------------------------

def test_floating_ip_comes_from_the_pool_and_is_released(nets):
    public = _public(nets)
    fip = nets.create_floatingip(ALICE, {'floating_network_id': public['id']})
    assert fip['floating_ip_address'] == '172.24.4.2'
    assert fip['status'] == 'DOWN' and fip['port_id'] is None
    assert fip['project_id'] == 'pa'
    # The address is held by a network:floatingip port nobody filters.
    holder = nets.db.port_get_all(filters={'device_id': [fip['id']]})
    assert [p['device_owner'] for p in holder] == ['network:floatingip']
    assert holder[0]['security_groups'] == []
    nets.delete_floatingip(ALICE, fip['id'])
    assert nets.db.port_get_all(filters={'device_id': [fip['id']]}) == []
    again = nets.create_floatingip(ALICE,
                                   {'floating_network_id': public['id']})
    assert again['floating_ip_address'] == '172.24.4.2'


def test_floating_ip_needs_an_external_network(nets):
    private = _private(nets)
    with pytest.raises(net_exc.ExternalNetworkRequired,
                       match='not a valid external network'):
        nets.create_floatingip(ALICE, {'floating_network_id': private['id']})


def test_address_outside_the_pool_or_taken_is_refused(nets):
    public = _public(nets)
    with pytest.raises(net_exc.InvalidInput, match='not a valid IP'):
        nets.create_floatingip(ADMIN, {
            'floating_network_id': public['id'],
            'floating_ip_address': '10.9.9.9'})
    nets.create_floatingip(ADMIN, {'floating_network_id': public['id'],
                                   'floating_ip_address': '172.24.4.5'})
    with pytest.raises(net_exc.IpAddressInUse):
        nets.create_floatingip(ADMIN, {'floating_network_id': public['id'],
                                       'floating_ip_address': '172.24.4.5'})


def test_pool_exhaustion_is_a_conflict(nets):
    public = _public(nets, cidr='172.24.4.0/30')   # one usable address
    nets.create_floatingip(ALICE, {'floating_network_id': public['id']})
    with pytest.raises(net_exc.IpAddressGenerationFailure):
        nets.create_floatingip(ALICE, {'floating_network_id': public['id']})


def test_quota_bounds_a_project(nets, overrides):
    overrides('floating_ips', 1, group='quota')
    public = _public(nets)
    nets.create_floatingip(ALICE, {'floating_network_id': public['id']})
    with pytest.raises(exception.OverQuota, match='floatingip'):
        nets.create_floatingip(ALICE, {'floating_network_id': public['id']})
    nets.create_floatingip(BOB, {'floating_network_id': public['id']})


def test_associate_disassociate_and_other_projects(nets):
    public = _public(nets)
    port = _server_port(nets, _private(nets))
    fip = nets.create_floatingip(ALICE, {'floating_network_id': public['id']})
    nets._rpc.networks.clear()
    done = nets.update_floatingip(ALICE, fip['id'], {'port_id': port['id']})
    assert done['fixed_ip_address'] == port['fixed_ips'][0]['ip_address']
    assert done['status'] == 'ACTIVE' and done['instance_id'] == 'server-1'
    assert nets._rpc.networks, 'nube-network was not told'
    # Another project sees neither the floating IP nor the port.
    with pytest.raises(net_exc.FloatingIPNotFound):
        nets.get_floatingip(BOB, fip['id'])
    other = nets.create_floatingip(BOB, {'floating_network_id': public['id']})
    with pytest.raises(net_exc.PortNotFound):
        nets.update_floatingip(BOB, other['id'], {'port_id': port['id']})
    # One floating IP per fixed address.
    second = nets.create_floatingip(ALICE,
                                    {'floating_network_id': public['id']})
    with pytest.raises(net_exc.FloatingIPPortAlreadyAssociated):
        nets.update_floatingip(ALICE, second['id'], {'port_id': port['id']})
    with pytest.raises(net_exc.BadFloatingIPRequest, match='fixed ip'):
        nets.update_floatingip(ALICE, second['id'], {
            'port_id': port['id'], 'fixed_ip_address': '10.60.0.200'})
    undone = nets.update_floatingip(ALICE, fip['id'], {'port_id': None})
    assert undone['port_id'] is None and undone['fixed_ip_address'] is None


def test_deleting_the_server_keeps_the_floating_ip(nets):
    public = _public(nets)
    port = _server_port(nets, _private(nets))
    fip = nets.create_floatingip(ALICE, {'floating_network_id': public['id'],
                                         'port_id': port['id']})
    assert fip['port_id'] == port['id']
    assert nets.db.floating_host_state()[0]['fixed_ip_address'] == \
        port['fixed_ips'][0]['ip_address']
    nets.db.port_update(port['id'], {'auto_delete': True})
    nets.deallocate_for_instance(ALICE, 'server-1')
    kept = nets.get_floatingip(ALICE, fip['id'])
    assert kept['port_id'] is None and kept['status'] == 'DOWN'
    assert nets.db.floating_host_state() == []


def test_a_floating_ip_port_cannot_be_deleted_under_it(nets):
    public = _public(nets)
    fip = nets.create_floatingip(ALICE, {'floating_network_id': public['id']})
    holder = nets.db.port_get_all(filters={'device_id': [fip['id']]})[0]
    with pytest.raises(net_exc.PortInUse):
        nets.delete_port(ADMIN, holder['uuid'])


def test_servers_show_their_floating_addresses(nets):
    public = _public(nets)
    port = _server_port(nets, _private(nets))
    nets.create_floatingip(ALICE, {'floating_network_id': public['id'],
                                   'port_id': port['id']})
    with nets.db.transaction() as conn:
        shown = nets.db.floating_ips_of_instances(conn, ['server-1'])
    assert shown == {'server-1': [{
        'address': '172.24.4.2',
        'fixed_address': port['fixed_ips'][0]['ip_address']}]}


# -- security groups ----------------------------------------------------------

def test_default_group_is_made_once_with_neutrons_rules(nets):
    groups = nets.list_security_groups(ALICE)
    assert [g['name'] for g in groups] == ['default']
    rules = groups[0]['security_group_rules']
    assert sorted((r['direction'], r['remote_group_id']) for r in rules) == \
        [('egress', None), ('ingress', groups[0]['id'])]
    assert all(r['belongs_to_default_sg'] for r in rules)
    assert nets.list_security_groups(ALICE) == groups
    with pytest.raises(net_exc.SecurityGroupDefaultAlreadyExists):
        nets.create_security_group(ALICE, {'name': 'default'})
    with pytest.raises(net_exc.SecurityGroupCannotRemoveDefault):
        nets.delete_security_group(ALICE, groups[0]['id'])


def test_ports_get_the_default_group_unless_asked(nets):
    net = _private(nets)
    web = nets.create_security_group(ALICE, {'name': 'web'})
    assert [r['direction'] for r in web['security_group_rules']] == \
        ['egress']
    plain = _server_port(nets, net)
    default = nets.list_security_groups(ALICE, {'name': ['default']})[0]
    assert plain['security_groups'] == [default['id']]
    chosen = _server_port(nets, net, device='s2',
                          security_groups=[web['id']])
    assert chosen['security_groups'] == [web['id']]
    changed = nets.update_port(ALICE, plain['id'],
                               {'security_groups': [web['id'],
                                                    default['id']]})
    assert set(changed['security_groups']) == {web['id'], default['id']}
    with pytest.raises(net_exc.SecurityGroupInUse):
        nets.delete_security_group(ALICE, web['id'])
    bobs = nets.create_security_group(BOB, {'name': 'bob'})
    with pytest.raises(net_exc.SecurityGroupNotFound):
        _server_port(nets, net, device='s3', security_groups=[bobs['id']])


@pytest.mark.parametrize('values,error', [
    ({'protocol': 'tcp', 'port_range_min': 90, 'port_range_max': 80},
     'port_range_min must be <= port_range_max'),
    ({'protocol': 'tcp', 'port_range_min': 0, 'port_range_max': 80},
     'Invalid value for port 0'),
    ({'protocol': 'tcp', 'port_range_min': -16, 'port_range_max': 80},
     'Invalid value for port -16'),
    ({'protocol': 'tcp', 'port_range_min': 80, 'port_range_max': 65536},
     'Invalid value for port 65536'),
    ({'protocol': 'tcp', 'port_range_max': 6},
     'port_range_min must be <= port_range_max'),
    ({'protocol': 'icmp', 'port_range_min': 1, 'port_range_max': 256},
     'Invalid value for ICMP code'),
    ({'port_range_min': 22, 'port_range_max': 22},
     'Must also specify protocol'),
    ({'protocol': 'gre', 'port_range_min': 1, 'port_range_max': 2},
     'Invalid protocol gre for port range'),
    ({'protocol': 'icmp', 'port_range_max': 0}, 'ICMP type'),
    ({'protocol': 'icmp', 'port_range_min': 300}, 'must be 0 to 255'),
    ({'protocol': 'bogus'}, 'not supported'),
    ({'protocol': '256'}, 'not supported'),
    ({'remote_ip_prefix': '10.0.0.0/33'}, 'not a valid IP subnet'),
    ({'remote_ip_prefix': 'fe80::/64'}, 'Conflicting value ethertype'),
    ({'ethertype': 'IPv6'}, 'IPv6 is not supported'),
])
def test_bad_rules_are_refused(nets, values, error):
    group = nets.create_security_group(ALICE, {'name': 'g'})
    with pytest.raises(net_exc.BadRequest, match=error):
        nets.create_security_group_rule(ALICE, dict(
            {'security_group_id': group['id'], 'direction': 'ingress'},
            **values))


def test_rules_duplicates_remote_groups_and_projects(nets):
    group = nets.create_security_group(ALICE, {'name': 'g'})
    rule = {'security_group_id': group['id'], 'direction': 'ingress',
            'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22,
            'remote_ip_prefix': '10.1.2.3/8'}
    made = nets.create_security_group_rule(ALICE, rule)
    assert made['normalized_cidr'] == '10.0.0.0/8'
    with pytest.raises(net_exc.SecurityGroupRuleExists, match=made['id']):
        nets.create_security_group_rule(ALICE, rule)
    bobs = nets.create_security_group(BOB, {'name': 'b'})
    with pytest.raises(net_exc.NotFound):
        nets.create_security_group_rule(ALICE, {
            'security_group_id': group['id'], 'direction': 'ingress',
            'remote_group_id': bobs['id']})
    with pytest.raises(net_exc.SecurityGroupNotFound):
        nets.create_security_group_rule(BOB, dict(rule, port_range_min=1))
    with pytest.raises(net_exc.SecurityGroupRuleNotFound):
        nets.delete_security_group_rule(BOB, made['id'])
    nets.delete_security_group_rule(ALICE, made['id'])
    with pytest.raises(net_exc.SecurityGroupRuleNotFound):
        nets.get_security_group_rule(ALICE, made['id'])


def test_group_quota(nets, overrides):
    overrides('security_groups', 2, group='quota')
    nets.create_security_group(ALICE, {'name': 'one'})    # + default
    with pytest.raises(exception.OverQuota):
        nets.create_security_group(ALICE, {'name': 'two'})


def test_host_state_names_rules_and_members(nets):
    net = _private(nets)
    web = nets.create_security_group(ALICE, {'name': 'web'})
    default = nets.list_security_groups(ALICE)[0]
    nets.create_security_group_rule(ALICE, {
        'security_group_id': web['id'], 'direction': 'ingress',
        'protocol': '6', 'port_range_min': 80, 'port_range_max': 80})
    a = _server_port(nets, net)
    b = _server_port(nets, net, device='s2', security_groups=[web['id']])
    state = nets.db.security_host_state()
    assert set(state) == {web['id'], default['id']}
    assert state[web['id']]['members'] == [b['fixed_ips'][0]['ip_address']]
    assert state[default['id']]['members'] == [
        a['fixed_ips'][0]['ip_address']]
    tcp = [r for r in state[web['id']]['rules'] if r['direction'] ==
           'ingress']
    # As stored: nube-network's rules take names and numbers alike
    # (tests/unit/network/test_firewall.py).
    assert tcp == [{'direction': 'ingress', 'ethertype': 'IPv4',
                    'protocol': '6', 'port_range_min': 80,
                    'port_range_max': 80, 'remote_ip_prefix': None,
                    'remote_group_id': None}]
    hosts = nets.db.network_host_state()
    ports = {p['id']: p for n in hosts for p in n['ports']}
    assert ports[b['id']]['security_groups'] == [web['id']]
    assert ports[a['id']]['device_owner'] == 'compute:nova'


def test_server_groups_add_and_remove(nets):
    net = _private(nets)
    port = _server_port(nets, net)
    web = nets.create_security_group(ALICE, {'name': 'web'})
    server = {'uuid': 'server-1', 'project_id': 'pa'}
    assert nets.change_server_security_group(ALICE, server, 'web', True)
    names = [g['name'] for g in nets.server_security_groups(ALICE,
                                                            'server-1')]
    assert names == ['default', 'web']
    assert nets.change_server_security_group(ALICE, server, web['id'],
                                             False)
    with pytest.raises(net_exc.BadRequest, match='not associated'):
        nets.change_server_security_group(ALICE, server, 'web', False)
    with pytest.raises(net_exc.SecurityGroupNotFound):
        nets.change_server_security_group(ALICE, server, 'nope', True)
    assert nets.get_port(ALICE, port['id'])['security_groups'] == [
        nets.default_security_group('pa')]


def test_rules_filtered_by_any_protocol(nets):
    group = nets.create_security_group(ALICE, {'name': 'g'})
    rules = nets.list_security_group_rules(ALICE, {'protocol': [None]})
    assert [r['security_group_id'] for r in rules
            if r['security_group_id'] == group['id']] == [group['id']]


def test_floating_ip_from_a_chosen_subnet(nets):
    public = _public(nets)
    second = nets.create_subnet(ADMIN, {'network_id': public['id'],
                                        'cidr': '172.24.5.0/28',
                                        'enable_dhcp': False})
    fip = nets.create_floatingip(ALICE, {'floating_network_id': public['id'],
                                         'subnet_id': second['id']})
    assert fip['floating_ip_address'] == '172.24.5.2'


def test_a_remote_group_that_is_no_uuid_is_not_found(nets):
    group = nets.create_security_group(ALICE, {'name': 'g'})
    with pytest.raises(net_exc.NotFound):
        nets.create_security_group_rule(ALICE, {
            'security_group_id': group['id'], 'direction': 'ingress',
            'remote_group_id': 'bad_group_id'})


def test_external_networks_go_with_their_floating_ips(nets):
    public = _public(nets)
    fip = nets.create_floatingip(ALICE, {'floating_network_id': public['id']})
    # A member sees the pool, not its subnets (Neutron's visibility).
    assert nets.list_subnets(ALICE, {'network_id': [public['id']]}) == []
    nets.delete_network(ADMIN, public['id'])
    with pytest.raises(net_exc.FloatingIPNotFound):
        nets.get_floatingip(ALICE, fip['id'])
    assert nets.db.port_get_all(filters={'device_id': [fip['id']]}) == []


def test_other_ports_keep_an_external_network(nets):
    public = _public(nets)
    nets.create_port(ADMIN, {'network_id': public['id']})
    with pytest.raises(net_exc.NetworkInUse):
        nets.delete_network(ADMIN, public['id'])
