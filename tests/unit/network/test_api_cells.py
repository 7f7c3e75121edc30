"""nube/network/api.py's API (nube/network/cells.py) over two SQLite cell
databases mapped in a SQLite API database: each resource is shown,
changed and deleted in the cell that holds it, and what a project may
not see is its 404 whichever cell holds it."""

import collections

import pytest

from nube.cells import targeting
from nube.db.api import api as api_db
from nube.db import migration
from nube.network import api as network_api
from nube.network import cells as network_cells
from nube.network import exceptions as net_exc
from tests.unit.conductor import fakes
from tests.unit.network import test_api as cell_tests


ADMIN, ALICE, BOB = cell_tests.ADMIN, cell_tests.ALICE, cell_tests.BOB
UNKNOWN = '00000000-0000-0000-0000-000000000000'


@pytest.fixture
def cells(tmp_path, overrides):
    """API() over cell1 and cell2, and each cell's CellNetworks (in that
    order, the order API tries them)."""
    overrides('connection', 'sqlite:///%s' % (tmp_path / 'api.db'),
              group='api_database')
    api_db.reset()
    targeting.reset()
    database = api_db.get_database()
    migration.db_sync(database, 'api')
    # Mapped out of order: API sorts the cells by name.
    for name in ('cell2', 'cell1'):
        (tmp_path / name).mkdir()
        cell_db = fakes.make_cell_db(tmp_path / name)
        url = 'sqlite:///%s' % (tmp_path / name / 'cell.db')
        database.cell_mapping_create(name, 'fake://' + name, url)
        targeting._databases[url] = cell_db
    api = network_api.API()
    one, two = api._cell_apis()
    for cell in (one, two):
        cell._rpc = cell_tests._Casts()
    yield api, one, two
    targeting.reset()   # disposes both cell databases
    api_db.reset()


def _network(nets, ctxt=ALICE, cidr='10.60.0.0/24', **values):
    net = nets.create_network(ctxt, dict({'name': 'n'}, **values))
    subnet = nets.create_subnet(ctxt, {'network_id': net['id'],
                                       'cidr': cidr})
    port = nets.create_port(ctxt, {'network_id': net['id']})
    return net, subnet, port


def test_the_api_is_importable_from_nube_network_api():
    assert network_api.API is network_cells.API
    assert network_api.CellNetworks.__module__ == 'nube.network.api'


def test_the_cells_are_tried_by_name_with_their_own_transport(cells):
    api, one, two = cells
    assert one._transport_url == 'fake://cell1'
    assert two._transport_url == 'fake://cell2'
    # Each cell's CellNetworks is made once and kept.
    assert api._cell_apis() == [one, two]


def test_resources_are_shown_changed_and_deleted_in_their_own_cell(cells):
    api, one, two = cells
    # Networks are made in the first cell; subnets and ports follow
    # their network, whichever cell that is.
    net1 = api.create_network(ALICE, {'name': 'n1'})
    assert one.db.network_get(net1['id'])['name'] == 'n1'
    net2 = two.create_network(ALICE, {'name': 'n2'})
    sub1 = api.create_subnet(ALICE, {'network_id': net1['id'],
                                     'cidr': '10.60.0.0/24'})
    # A CIDR need only be unique in its cell.
    sub2 = api.create_subnet(ALICE, {'network_id': net2['id'],
                                     'cidr': '10.60.0.0/24'})
    assert two.db.subnet_get(sub2['id'])['network_uuid'] == net2['id']
    with pytest.raises(net_exc.SubnetNotFound):
        one.db.subnet_get(sub2['id'])
    port1 = api.create_port(ALICE, {'network_id': net1['id']})
    port2 = api.create_port(ALICE, {'network_id': net2['id']})
    assert port2['fixed_ips'] == [{'subnet_id': sub2['id'],
                                   'ip_address': '10.60.0.2'}]
    assert two.db.port_get(port2['id'])['network_uuid'] == net2['id']

    assert api.get_network(ALICE, net2['id'])['subnets'] == [sub2['id']]
    assert api.get_subnet(ALICE, sub2['id'])['network_id'] == net2['id']
    assert api.get_port(ALICE, port2['id'])['fixed_ips'] == \
        port2['fixed_ips']
    assert [n['id'] for n in api.list_networks(ALICE)] == [net1['id'],
                                                           net2['id']]
    assert [s['id'] for s in api.list_subnets(ALICE)] == [sub1['id'],
                                                          sub2['id']]
    assert [p['id'] for p in api.list_ports(ALICE)] == [port1['id'],
                                                        port2['id']]

    one._rpc.networks.clear()
    two._rpc.networks.clear()
    assert api.update_network(ALICE, net2['id'], {'name': 'net-two'})[
        'name'] == 'net-two'
    assert api.update_subnet(ALICE, sub2['id'], {'name': 'sub-two'})[
        'name'] == 'sub-two'
    assert api.update_port(ALICE, port2['id'], {'name': 'port-two'})[
        'name'] == 'port-two'
    assert two.get_network(ALICE, net2['id'])['name'] == 'net-two'
    assert two.get_subnet(ALICE, sub2['id'])['name'] == 'sub-two'
    assert two.get_port(ALICE, port2['id'])['name'] == 'port-two'
    # Only the holding cell's nube-network is told.
    assert two._rpc.networks == [[net2['id']]] * 3
    assert one._rpc.networks == []

    api.delete_port(ALICE, port2['id'])
    api.delete_subnet(ALICE, sub2['id'])
    api.delete_network(ALICE, net2['id'])
    assert two._rpc.networks == [[net2['id']]] * 6
    assert one._rpc.networks == []
    for get, error, resource_id in (
            (api.get_port, net_exc.PortNotFound, port2['id']),
            (api.get_subnet, net_exc.SubnetNotFound, sub2['id']),
            (api.get_network, net_exc.NetworkNotFound, net2['id'])):
        with pytest.raises(error, match=resource_id):
            get(ALICE, resource_id)
    # The first cell's are untouched.
    assert [n['id'] for n in api.list_networks(ADMIN)] == [net1['id']]
    assert api.get_subnet(ALICE, sub1['id'])['name'] == ''
    assert [p['id'] for p in api.list_ports(ADMIN)] == [port1['id']]


def _denied(api, net, subnet, port):
    """Every API call on one resource, with the 404 it must answer."""
    network_error, subnet_error, port_error = (
        net_exc.NetworkNotFound, net_exc.SubnetNotFound, net_exc.PortNotFound)
    return [
        (api.get_network, (net,), network_error),
        (api.update_network, (net, {'name': 'x'}), network_error),
        (api.delete_network, (net,), network_error),
        (api.create_subnet, ({'network_id': net, 'cidr': '10.61.0.0/24'},),
         network_error),
        (api.create_port, ({'network_id': net},), network_error),
        (api.get_subnet, (subnet,), subnet_error),
        (api.update_subnet, (subnet, {'name': 'x'}), subnet_error),
        (api.delete_subnet, (subnet,), subnet_error),
        (api.get_port, (port,), port_error),
        (api.update_port, (port, {'name': 'x'}), port_error),
        (api.delete_port, (port,), port_error),
    ]


@pytest.mark.parametrize('holder', [0, 1])
def test_another_projects_resources_are_404_in_every_cell(cells, holder):
    api, one, two = cells
    net, subnet, port = _network((one, two)[holder])
    casts = (one._rpc.networks, two._rpc.networks)
    for sent in casts:
        sent.clear()
    for ctxt, ids in ((BOB, (net['id'], subnet['id'], port['id'])),
                      (ADMIN, (UNKNOWN,) * 3)):
        for method, args, error in _denied(api, *ids):
            with pytest.raises(error) as caught:
                method(ctxt, *args)
            assert type(caught.value) is error, method.__name__
            assert caught.value.code == 404
            resource_id = args[0]['network_id'] if isinstance(
                args[0], dict) else args[0]
            assert resource_id in caught.value.message, method.__name__
    assert api.list_networks(BOB) == []
    assert api.list_subnets(BOB) == []
    assert api.list_ports(BOB) == []
    # Nothing changed, nothing was told.
    assert api.get_network(ALICE, net['id']) == net | {
        'subnets': [subnet['id']]}
    assert api.get_subnet(ALICE, subnet['id']) == subnet
    assert api.get_port(ALICE, port['id']) == port
    assert [len(api.list_ports(ADMIN)), len(api.list_subnets(ADMIN))] == \
        [1, 1]
    assert casts == ([], [])


def test_a_shared_network_in_another_cell_is_seen_not_changed(cells):
    api, one, two = cells
    net = two.create_network(ADMIN, {'name': 'public', 'shared': True})
    two.create_subnet(ADMIN, {'network_id': net['id'],
                              'cidr': '10.62.0.0/24'})
    assert [n['id'] for n in api.list_networks(BOB)] == [net['id']]
    assert api.get_network(BOB, net['id'])['name'] == 'public'
    # The cell that holds it answers: 403, not "not in any cell".
    with pytest.raises(net_exc.PolicyNotAuthorized):
        api.update_network(BOB, net['id'], {'name': 'mine'})
    with pytest.raises(net_exc.PolicyNotAuthorized):
        api.delete_network(BOB, net['id'])
    # Neutron: only a network's owner adds subnets to it...
    with pytest.raises(net_exc.NetworkNotFound, match=net['id']):
        api.create_subnet(BOB, {'network_id': net['id'],
                                'cidr': '10.63.0.0/24'})
    # ...and anyone ports, which are the port owner's only.
    port = api.create_port(BOB, {'network_id': net['id']})
    assert two.db.port_get(port['id'])['project_id'] == 'pb'
    with pytest.raises(net_exc.PortNotFound):
        api.get_port(ALICE, port['id'])
    assert api.get_network(ADMIN, net['id'])['name'] == 'public'
    assert len(api.list_subnets(ADMIN)) == 1


def test_changes_look_their_resource_up_once_in_its_cell(cells,
                                                          monkeypatch):
    api, one, two = cells
    net, subnet, port = _network(two)
    lookups = collections.Counter()
    for name, cell in (('one', one), ('two', two)):
        for getter in ('network_get', 'subnet_get', 'port_get'):
            def counted(*args, _real=getattr(cell.db, getter),
                        _key=(name, getter)):
                lookups[_key] += 1
                return _real(*args)
            monkeypatch.setattr(cell.db, getter, counted)

    api.delete_port(ALICE, port['id'])
    api.delete_subnet(ALICE, subnet['id'])
    api.delete_network(ALICE, net['id'])
    # The first cell's miss, then the holding cell's one lookup each.
    assert lookups == {(cell, getter): 1 for cell in ('one', 'two')
                       for getter in ('network_get', 'subnet_get',
                                      'port_get')}


def test_check_requested_finds_ports_and_networks_in_any_cell(cells):
    api, one, two = cells
    net, _subnet, port = _network(two)
    api.check_requested(ALICE, [{'uuid': net['id']}, {'port': port['id']}],
                        1)
    two.update_port(ALICE, port['id'], {'device_id': 'server-1'})
    with pytest.raises(net_exc.PortInUse, match=port['id']):
        api.check_requested(ALICE, [{'port': port['id']}], 1)
    for entry in ({'uuid': UNKNOWN}, {'port': UNKNOWN}):
        with pytest.raises(net_exc.BadRequest, match=UNKNOWN):
            api.check_requested(ALICE, [entry], 1)
    # Another project's network is unknown to the caller, too.
    with pytest.raises(net_exc.BadRequest, match=net['id']):
        api.check_requested(BOB, [{'uuid': net['id']}], 1)
