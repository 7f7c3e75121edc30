"""nube-network's NetworkManager on a SQLite cell DB: it syncs at start,
folds a burst of refresh casts into one sync, and a failed sync is tried
again; what it hands the plugin (host_networks, security groups,
floating IPs per host) on a fake DB that says exactly what is there.
The plugin records syncs instead of changing the host (the host side has
tests/functional/test_network_dataplane.py and
test_network_firewall.py)."""

import threading
import time

import pytest

import nube.conf
from nube import context
from nube.network import api as network_api
from nube.network import manager as network_manager

CONF = nube.conf.CONF
ALICE = context.RequestContext(user_id='alice', project_id='pa')


class RecordingPlugin:
    def __init__(self):
        self.synced = []
        self.fail_next = False
        self.event = threading.Event()

    def sync(self, networks, security_groups=None, floating_ips=None):
        self.extra = (security_groups, floating_ips)
        if self.fail_next:
            self.fail_next = False
            self.event.set()
            raise RuntimeError('host said no')
        self.synced.append([n['id'] for n in networks])
        self.event.set()


@pytest.fixture
def service(cell_db):
    CONF.set_override('sync_batch_delay', 0.2, group='network')
    plugin = RecordingPlugin()
    manager = network_manager.NetworkManager(cell_db, host='net1',
                                             plugin=plugin)
    yield manager, plugin
    manager.cleanup_host()
    CONF.clear_override('sync_batch_delay', group='network')


def _wait(plugin, count, timeout=5):
    """Until the plugin saw ``count`` syncs (or fail)."""
    deadline = threading.Event()
    timer = threading.Timer(timeout, deadline.set)
    timer.start()
    try:
        while len(plugin.synced) < count and not deadline.is_set():
            plugin.event.wait(0.05)
            plugin.event.clear()
    finally:
        timer.cancel()
    assert len(plugin.synced) >= count, plugin.synced


def test_start_syncs_from_the_database(cell_db, service):
    manager, plugin = service
    nets = network_api.CellNetworks(cell_db)
    nets._rpc = type('NoCasts', (), {'refresh': lambda *a: None})()
    net = nets.create_network(ALICE, {'name': 'n'})
    manager.init_host()
    assert plugin.synced == [[net['id']]]


def test_a_burst_of_refreshes_is_one_sync(service):
    manager, plugin = service
    manager.init_host()
    assert len(plugin.synced) == 1
    # Five casts over 0.12 s (pacing, as a boot storm's arrive), inside
    # the 0.2 s batch delay: without it each would be a sync of its own.
    for _ in range(5):
        manager.refresh(None, ['x'])
        time.sleep(0.03)
    _wait(plugin, 2)
    # Nothing more is coming: the burst was folded into that one sync.
    plugin.event.clear()
    assert not plugin.event.wait(0.6)
    assert len(plugin.synced) == 2


def test_a_failed_sync_is_tried_again(service):
    manager, plugin = service
    manager.init_host()
    plugin.event.clear()
    plugin.fail_next = True
    manager.refresh(None, ['x'])
    assert plugin.event.wait(5) and not plugin.fail_next
    manager.refresh(None, ['x'])
    _wait(plugin, 2)


# -- what one host is handed ----------------------------------------------

SG = '44444444-4444-4444-8444-444444444444'
GROUPS = {SG: {'id': SG, 'rules': [], 'members': ['10.0.0.5']}}


def _db_network(uuid, multi_host=False, external=False, ports=()):
    return {'uuid': uuid, 'name': uuid, 'project_id': 'pa',
            'network_type': 'flat', 'vlan': None, 'bridge': 'br-' + uuid,
            'bridge_interface': None, 'mtu': 1500, 'admin_state_up': 1,
            'multi_host': multi_host, 'external': external,
            'subnets': [], 'ports': list(ports)}


def _db_port(uuid, host, address, **extra):
    port = {'id': uuid, 'mac_address': 'fa:16:3e:00:00:01',
            'admin_state_up': 1, 'host': host,
            'fixed_ips': [{'subnet_id': 's', 'ip_address': address}]}
    port.update(extra)
    return port


class FakeDB:
    """The three reads NetworkManager.sync makes, answering fixed state."""

    def __init__(self, networks, groups, floating):
        self.networks, self.groups, self.floating = networks, groups, \
            floating

    def network_host_state(self):
        return self.networks

    def security_host_state(self):
        return self.groups

    def floating_host_state(self):
        return self.floating


def _fip(port_id, address, network_id):
    return {'id': 'f-' + port_id, 'floating_ip_address': address,
            'fixed_ip_address': '10.0.0.5', 'port_id': port_id,
            'network_id': network_id, 'floating_network_id': 'ext'}


def test_host_networks_carry_external_owner_and_groups():
    nets = network_manager.host_networks([
        _db_network('ext', external=1),
        _db_network('priv', ports=[
            _db_port('p1', 'h1', '10.0.0.5', device_owner='compute:nova',
                     security_groups=[SG]),
            _db_port('p2', 'h1', '10.0.0.6')])], 'h1', False)
    assert [n['external'] for n in nets] == [True, False]
    assert [(p['device_owner'], p['security_groups'])
            for p in nets[1]['ports']] == [('compute:nova', [SG]), ('', [])]


def test_sync_hands_groups_and_floating_ips_to_the_plugin():
    fips = [_fip('p1', '172.24.4.10', 'priv')]
    db = FakeDB([_db_network('priv', ports=[
        _db_port('p1', 'h1', '10.0.0.5', security_groups=[SG])])],
        GROUPS, fips)
    plugin = RecordingPlugin()
    manager = network_manager.NetworkManager(db, host='h1', plugin=plugin)
    manager.sync()
    assert plugin.synced == [['priv']]
    assert plugin.extra == (GROUPS, fips)


@pytest.fixture
def multi_host():
    CONF.set_override('multi_host', True, group='network')
    yield
    CONF.clear_override('multi_host', group='network')


def test_multi_host_translates_only_its_own_ports(multi_host):
    mine, theirs = _fip('p1', '172.24.4.10', 'mh'), _fip(
        'p2', '172.24.4.11', 'mh')
    db = FakeDB([_db_network('mh', multi_host=True, ports=[
        _db_port('p1', 'h1', '10.0.0.5'), _db_port('p2', 'h2', '10.0.0.6')])],
        GROUPS, [mine, theirs])
    plugin = RecordingPlugin()
    network_manager.NetworkManager(db, host='h1', plugin=plugin).sync()
    assert plugin.extra == (GROUPS, [mine])
