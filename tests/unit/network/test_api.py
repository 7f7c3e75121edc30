"""nube/network/api.py's CellNetworks on a SQLite cell DB: what Neutron's
users rely on (visibility, allocation, refusals) and a server's ports."""

import pytest

from nube import context
from nube.network import api as network_api
from nube.network import exceptions as net_exc


class _Casts:
    """Records refresh casts instead of sending them (no nube-network
    runs in a unit test; the cast itself is covered by the functional
    tests)."""

    def __init__(self):
        self.networks = []

    def refresh(self, ctxt, network_ids):
        self.networks.append(list(network_ids))


@pytest.fixture
def nets(cell_db):
    api = network_api.CellNetworks(cell_db)
    api._rpc = _Casts()
    return api


ADMIN = context.RequestContext(user_id='admin', project_id='admin',
                               is_admin=True)
ALICE = context.RequestContext(user_id='alice', project_id='pa')
BOB = context.RequestContext(user_id='bob', project_id='pb')


def _network(nets, ctxt=ALICE, cidr='10.60.0.0/24', **values):
    net = nets.create_network(ctxt, dict({'name': 'n'}, **values))
    subnet = nets.create_subnet(ctxt, {'network_id': net['id'],
                                       'cidr': cidr})
    return net, subnet


def test_subnet_defaults_follow_neutron(nets):
    net, subnet = _network(nets)
    assert subnet['gateway_ip'] == '10.60.0.1'
    assert subnet['allocation_pools'] == [{'start': '10.60.0.2',
                                           'end': '10.60.0.254'}]
    assert nets.get_network(ALICE, net['id'])['subnets'] == [subnet['id']]
    assert nets._rpc.networks[-1] == [net['id']]


def test_gateway_may_lie_outside_the_subnet_as_in_neutron(nets):
    net = nets.create_network(ALICE, {'name': 'n'})
    subnet = nets.create_subnet(ALICE, {'network_id': net['id'],
                                        'cidr': '10.60.0.16/28',
                                        'gateway_ip': '10.60.0.1'})
    assert subnet['gateway_ip'] == '10.60.0.1'
    assert subnet['allocation_pools'] == [{'start': '10.60.0.17',
                                           'end': '10.60.0.30'}]
    for bad in ('10.61.0.0', '10.61.0.15'):
        with pytest.raises(net_exc.InvalidInput,
                           match='Gateway is not valid on subnet'):
            nets.create_subnet(ALICE, {'network_id': net['id'],
                                       'cidr': '10.61.0.0/28',
                                       'gateway_ip': bad})


def test_host_routes_are_stored_and_replaced(nets):
    net = nets.create_network(ALICE, {'name': 'n'})
    routes = [{'destination': '10.9.0.0/16', 'nexthop': '10.60.0.254'}]
    subnet = nets.create_subnet(ALICE, {'network_id': net['id'],
                                        'cidr': '10.60.0.0/24',
                                        'host_routes': routes})
    assert nets.get_subnet(ALICE, subnet['id'])['host_routes'] == routes
    nets.update_subnet(ALICE, subnet['id'], {'host_routes': []})
    assert nets.get_subnet(ALICE, subnet['id'])['host_routes'] == []


def test_ports_get_the_lowest_free_address_and_a_mac(nets):
    net, subnet = _network(nets)
    first = nets.create_port(ALICE, {'network_id': net['id']})
    second = nets.create_port(ALICE, {'network_id': net['id']})
    assert first['fixed_ips'] == [{'subnet_id': subnet['id'],
                                   'ip_address': '10.60.0.2'}]
    assert second['fixed_ips'][0]['ip_address'] == '10.60.0.3'
    assert first['mac_address'] != second['mac_address']
    nets.delete_port(ALICE, first['id'])
    again = nets.create_port(ALICE, {'network_id': net['id']})
    assert again['fixed_ips'][0]['ip_address'] in ('10.60.0.2', '10.60.0.4')


def test_refusals_are_neutron_errors_and_leave_nothing_behind(nets):
    net, subnet = _network(nets)
    with pytest.raises(net_exc.OverlappingCidr):
        nets.create_subnet(ALICE, {'network_id': net['id'],
                                   'cidr': '10.60.0.128/25'})
    with pytest.raises(net_exc.InvalidInput):
        nets.create_port(ALICE, {'network_id': net['id'], 'fixed_ips': [
            {'subnet_id': subnet['id'], 'ip_address': '10.61.0.5'}]})
    taken = nets.create_port(ALICE, {'network_id': net['id'], 'fixed_ips': [
        {'ip_address': '10.60.0.9'}]})
    assert taken['fixed_ips'][0]['ip_address'] == '10.60.0.9'
    with pytest.raises(net_exc.IpAddressInUse):
        nets.create_port(ALICE, {'network_id': net['id'], 'fixed_ips': [
            {'ip_address': '10.60.0.9'}]})
    with pytest.raises(net_exc.IpAddressInUse):
        nets.create_port(ALICE, {'network_id': net['id'], 'fixed_ips': [
            {'ip_address': '10.60.0.1'}]})
    with pytest.raises(net_exc.NetworkInUse):
        nets.delete_network(ALICE, net['id'])
    # Only the one port that worked exists.
    assert [p['id'] for p in nets.list_ports(ALICE)] == [taken['id']]
    nets.delete_port(ALICE, taken['id'])
    nets.delete_network(ALICE, net['id'])
    with pytest.raises(net_exc.NetworkNotFound):
        nets.get_network(ALICE, net['id'])
    assert nets.list_subnets(ADMIN) == []


def test_vlan_ids_are_unique(nets):
    nets.create_network(ADMIN, {'name': 'a', 'provider:network_type': 'vlan',
                                'provider:segmentation_id': 120})
    with pytest.raises(net_exc.VlanIdInUse):
        nets.create_network(ADMIN, {'name': 'b',
                                    'provider:network_type': 'vlan',
                                    'provider:segmentation_id': 120})
    assert [n['name'] for n in nets.list_networks(ADMIN)] == ['a']


def test_projects_see_their_own_and_shared_networks_only(nets):
    private, _subnet = _network(nets)
    shared, _s = _network(nets, ADMIN, cidr='10.62.0.0/24', shared=True)
    assert {n['id'] for n in nets.list_networks(BOB)} == {shared['id']}
    with pytest.raises(net_exc.NetworkNotFound):
        nets.get_network(BOB, private['id'])
    port = nets.create_port(ALICE, {'network_id': private['id']})
    with pytest.raises(net_exc.PortNotFound):
        nets.get_port(BOB, port['id'])
    assert nets.list_ports(BOB) == []
    # A shared network takes anyone's ports.
    assert nets.create_port(BOB, {'network_id': shared['id']})[
        'project_id'] == 'pb'


def _server(cell_db, project='pa'):
    return cell_db.instance_create({
        'uuid': '11111111-2222-3333-4444-%012d' % len(
            cell_db.instance_get_all(filters={})),
        'project_id': project, 'user_id': 'u', 'vm_state': 'building',
        'task_state': 'spawning', 'power_state': 0})


def test_a_server_delete_removes_nube_ports_and_frees_user_ports(
        nets, cell_db):
    net, _subnet = _network(nets)
    mine = nets.create_port(ALICE, {'network_id': net['id']})
    server = _server(cell_db)
    vifs = nets.allocate_for_instance(
        ALICE, server, [{'uuid': net['id']}, {'port': mine['id']}], 'h1')
    assert len(vifs) == 2
    assert {v['bridge'] for v in vifs} == {'br100'}
    assert len(cell_db.instance_get(server['uuid'])['fixed_ips']) == 2
    with pytest.raises(net_exc.PortInUse):
        nets.allocate_for_instance(ALICE, _server(cell_db),
                                   [{'port': mine['id']}], 'h1')
    gone = cell_db.instance_destroy(server['uuid'])
    assert gone['released_networks'] == [net['id']]
    left = nets.list_ports(ALICE)
    assert [p['id'] for p in left] == [mine['id']]
    assert left[0]['device_id'] == '' and left[0]['fixed_ips']


def test_allocation_is_all_or_nothing(nets, cell_db):
    net, _subnet = _network(nets)
    server = _server(cell_db)
    with pytest.raises(net_exc.NetworkNotFound):
        nets.allocate_for_instance(
            ALICE, server, [{'uuid': net['id']},
                            {'uuid': '00000000-0000-0000-0000-000000000000'}],
            'h1')
    assert nets.list_ports(ADMIN) == []


def test_auto_makes_one_default_network_per_cell(nets, cell_db):
    first = nets.allocate_for_instance(ALICE, _server(cell_db), 'auto', 'h1')
    second = nets.allocate_for_instance(BOB, _server(cell_db, 'pb'), 'auto',
                                        'h1')
    assert first[0]['network_id'] == second[0]['network_id']
    assert first[0]['network_label'] == 'private'
    assert first[0]['address'] != second[0]['address']


def test_vlan_manager_gives_each_project_its_own_network(nets, cell_db):
    from nube import conf
    conf.CONF.set_override('network_manager', 'vlan', group='network')
    try:
        a = nets.allocate_for_instance(ALICE, _server(cell_db), 'auto', 'h1')
        b = nets.allocate_for_instance(BOB, _server(cell_db, 'pb'), 'auto',
                                       'h1')
        again = nets.allocate_for_instance(ALICE, _server(cell_db), 'auto',
                                           'h1')
    finally:
        conf.CONF.clear_override('network_manager', group='network')
    assert a[0]['network_id'] != b[0]['network_id']
    assert again[0]['network_id'] == a[0]['network_id']
    assert {a[0]['vlan'], b[0]['vlan']} == {100, 101}
    assert a[0]['bridge'] == 'brv100'
    assert a[0]['cidr'] != b[0]['cidr']


def test_a_project_network_takes_the_next_range_when_one_was_taken(
        nets, cell_db, monkeypatch):
    """Another project's first boot takes the free range between the pick
    and the subnet create: the next free range is used, nothing is left
    half-made."""
    from nube import conf
    real = nets._free_vlan_cidr
    raced = []

    def racing_pick():
        cidr = real()
        if not raced:
            other = nets.create_network(ADMIN, {'name': 'other'})
            nets.create_subnet(ADMIN, {'network_id': other['id'],
                                       'cidr': cidr})
            raced.append(cidr)
        return cidr
    monkeypatch.setattr(nets, '_free_vlan_cidr', racing_pick)
    conf.CONF.set_override('network_manager', 'vlan', group='network')
    try:
        vif, = nets.allocate_for_instance(ALICE, _server(cell_db), 'auto',
                                          'h1')
    finally:
        conf.CONF.clear_override('network_manager', group='network')
    assert vif['cidr'] != raced[0]
    assert sorted(n['name'] for n in nets.list_networks(ADMIN)) == [
        'other', 'pa-net']


def test_computes_without_a_network_service_plug_no_bridge():
    from nube.compute import network as compute_network
    from nube import conf
    instance = {'fixed_ips': [{'address': '10.0.0.2',
                               'mac': 'fa:16:3e:00:00:01',
                               'network': 'private', 'bridge': 'br100'}]}
    assert compute_network.from_instance(instance)[0]['bridge'] == 'br100'
    conf.CONF.set_override('network_driver', 'noop', group='network')
    try:
        vif, = compute_network.from_instance(instance)
    finally:
        conf.CONF.clear_override('network_driver', group='network')
    assert vif['bridge'] is None and vif['mac'] == 'fa:16:3e:00:00:01'
