"""The network managers decide which host primitives to call for a
desired state; these tests check those decisions.

They use a recording fake driver rather than LinuxNetDriver or a mock:
the manager's whole job is the sequence of driver calls, a recorder shows
exactly that sequence without root or host changes, and it can also play
the host's side (which bridges exist, which DHCP state is left over from
before) that a manager reads back. The real driver is tested on its own
(test_linux_net.py) and on a real kernel (functional).
"""

from oslo_config import fixture as config_fixture
import pytest

import nube.conf
from nube.network import drivers
from nube.network.drivers import base as driver_base
from nube.network.drivers import noop
from nube.network import exceptions
from nube.network import managers
from nube.network.managers import flat
from nube.network.managers import flat_dhcp
from nube.network.managers import vlan

CONF = nube.conf.CONF
NET = '11111111-1111-4111-8111-111111111111'
SUB = '22222222-2222-4222-8222-222222222222'


class RecordingDriver(driver_base.NetworkDriver):
    """Records every call; answers from what the test says is there."""

    def __init__(self, bridges=(), managed=(), dhcp=()):
        self.calls = []
        self.bridges = set(bridges)
        self.managed = set(managed)
        self.dhcp = set(dhcp)
        self.fail_bridges = set()
        self.fail_filters = False

    def _record(self, *call):
        self.calls.append(call)

    def bridge_exists(self, name):
        return name in self.bridges

    def ensure_bridge(self, name, interface=None, mtu=None):
        if name in self.fail_bridges:
            raise exceptions.HostNetworkError(reason='%s broke' % name)
        self._record('ensure_bridge', name, interface, mtu)

    def remove_bridge(self, name):
        self._record('remove_bridge', name)

    def managed_bridges(self):
        return set(self.managed)

    def set_gateway(self, bridge, cidr, extra_addresses=()):
        if extra_addresses:
            self._record('set_gateway', bridge, cidr, list(extra_addresses))
        else:
            self._record('set_gateway', bridge, cidr)

    def ensure_vlan(self, vlan_id, interface, mtu=None):
        self._record('ensure_vlan', vlan_id, interface, mtu)
        return 'vlan%d' % vlan_id

    def update_dhcp(self, network_id, bridge, subnet, hosts, options):
        self._record('update_dhcp', network_id, bridge, subnet, hosts,
                     options)

    def stop_dhcp(self, network_id):
        self._record('stop_dhcp', network_id)

    def dhcp_networks(self):
        return set(self.dhcp)

    def apply_isolation(self, bridges_by_group):
        self._record('apply_isolation', bridges_by_group)

    def apply_filters(self, ports, groups):
        if self.fail_filters:
            raise exceptions.HostNetworkError(reason='filters broke')
        self._record('apply_filters', ports, groups)

    def apply_nat(self, floating):
        self._record('apply_nat', floating)

    def cleanup_all(self):
        self._record('cleanup_all')


@pytest.fixture
def conf():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    fixture.config(group='network', flat_interface=None, vlan_interface=None,
                   dns_servers=['9.9.9.9'], flat_network_bridge='br100',
                   vlan_bridge_prefix='brv')
    yield fixture
    fixture.cleanUp()


def _network(net_id=NET, bridge='br100', project='p1', seg=None, n=1,
             **extra):
    network = {
        'id': net_id, 'name': 'private', 'project_id': project,
        'network_type': 'vlan' if seg else 'flat', 'segmentation_id': seg,
        'bridge': bridge, 'bridge_interface': None, 'mtu': 1500,
        'admin_state_up': True,
        'subnets': [{'id': SUB, 'cidr': '10.%d.0.0/24' % n,
                     'gateway_ip': '10.%d.0.1' % n, 'enable_dhcp': True,
                     'dns_nameservers': ['8.8.8.8'],
                     'allocation_pools': [{'start': '10.%d.0.2' % n,
                                           'end': '10.%d.0.254' % n}]}],
        'ports': [
            {'id': 'p-up', 'mac_address': 'fa:16:3e:00:00:01',
             'admin_state_up': True,
             'fixed_ips': [{'subnet_id': SUB, 'ip_address': '10.%d.0.5' % n}]},
            {'id': 'p-down', 'mac_address': 'fa:16:3e:00:00:02',
             'admin_state_up': False,
             'fixed_ips': [{'subnet_id': SUB, 'ip_address': '10.%d.0.6' % n}]},
        ]}
    network.update(extra)
    return network


# -- FlatManager ----------------------------------------------------------

def test_flat_checks_the_operator_bridge_and_makes_nothing(conf):
    driver = RecordingDriver(bridges={'br100'}, dhcp={'stale'})
    flat.FlatManager(driver).sync([_network(bridge=None)])
    assert driver.calls == [('stop_dhcp', 'stale')]


def test_flat_missing_bridge_is_an_error_naming_it(conf):
    driver = RecordingDriver()
    with pytest.raises(exceptions.HostNetworkError, match='br100'):
        flat.FlatManager(driver).sync([_network()])
    with pytest.raises(exceptions.HostNetworkError, match='br100'):
        flat.FlatManager(driver).plug(_network())
    assert driver.calls == []


# -- FlatDHCPManager ------------------------------------------------------

def test_flat_dhcp_bridge_gateway_and_dhcp_of_admin_up_ports(conf):
    conf.config(group='network', flat_interface='eth1')
    driver = RecordingDriver()
    flat_dhcp.FlatDHCPManager(driver).sync([_network()])
    assert driver.calls == [
        ('ensure_bridge', 'br100', 'eth1', 1500),
        ('set_gateway', 'br100', '10.1.0.1/24'),
        ('update_dhcp', NET, 'br100', '10.1.0.0/24',
         [('fa:16:3e:00:00:01', '10.1.0.5')],
         {'router': '10.1.0.1', 'dns-server': ['8.8.8.8']})]


def test_flat_dhcp_defaults_dns_and_serves_first_dhcp_subnet(conf):
    network = _network()
    network['subnets'][0]['dns_nameservers'] = []
    v6 = {'id': 'v6', 'cidr': 'fd00::/64', 'gateway_ip': 'fd00::1',
          'enable_dhcp': True}
    network['subnets'].insert(0, v6)
    driver = RecordingDriver()
    flat_dhcp.FlatDHCPManager(driver).sync([network])
    assert driver.calls[-1][3:] == (
        '10.1.0.0/24', [('fa:16:3e:00:00:01', '10.1.0.5')],
        {'router': '10.1.0.1', 'dns-server': ['9.9.9.9']})


def test_flat_dhcp_without_gateway_uses_a_free_address(conf):
    network = _network()
    network['subnets'][0].update(gateway_ip=None, allocation_pools=[
        {'start': '10.1.0.3', 'end': '10.1.0.254'}])
    network['ports'][0]['fixed_ips'][0]['ip_address'] = '10.1.0.1'
    driver = RecordingDriver()
    flat_dhcp.FlatDHCPManager(driver).sync([network])
    assert ('set_gateway', 'br100', '10.1.0.2/24') in driver.calls
    assert driver.calls[-1][-1]['router'] is None


def test_flat_dhcp_removes_what_stale_networks_left(conf):
    driver = RecordingDriver(managed={'br100', 'brold'},
                             dhcp={NET, 'old-net'})
    flat_dhcp.FlatDHCPManager(driver).sync([_network()])
    assert driver.calls[-2:] == [('stop_dhcp', 'old-net'),
                                 ('remove_bridge', 'brold')]


def test_admin_down_network_keeps_bridge_but_no_dhcp(conf):
    driver = RecordingDriver(dhcp={NET})
    flat_dhcp.FlatDHCPManager(driver).sync([_network(admin_state_up=False)])
    assert [c[0] for c in driver.calls] == [
        'ensure_bridge', 'set_gateway', 'stop_dhcp']


def test_one_broken_network_does_not_stop_the_others(conf):
    driver = RecordingDriver(managed={'brbad', 'brok'}, dhcp={NET, 'net2'})
    driver.fail_bridges = {'brbad'}
    good = _network(net_id='net2', bridge='brok', n=2)
    with pytest.raises(exceptions.HostNetworkError, match='brbad broke'):
        flat_dhcp.FlatDHCPManager(driver).sync(
            [_network(bridge='brbad'), good])
    assert ('update_dhcp', 'net2') == driver.calls[2][:2]
    # The broken one keeps its dnsmasq and bridge until it syncs again.
    assert not [c for c in driver.calls if c[0] in ('stop_dhcp',
                                                    'remove_bridge')]


def test_dhcp_networks_cannot_share_a_bridge(conf):
    """Their gateways and dnsmasqs would fight over it every sync."""
    driver = RecordingDriver(dhcp={NET, 'net2'})
    with pytest.raises(exceptions.HostNetworkError, match='already carries'):
        flat_dhcp.FlatDHCPManager(driver).sync(
            [_network(), _network(net_id='net2', n=2)])
    assert [c[1] for c in driver.calls if c[0] == 'set_gateway'] == ['br100']
    assert not [c for c in driver.calls if c[0] == 'stop_dhcp']
    flat.FlatManager(RecordingDriver(bridges={'br100'})).sync(
        [_network(), _network(net_id='net2', n=2)])   # flat: fine


def test_flat_dhcp_plug_makes_the_bridge_only(conf):
    driver = RecordingDriver()
    assert flat_dhcp.FlatDHCPManager(driver).plug(_network()) == 'br100'
    assert driver.calls == [('ensure_bridge', 'br100', None, 1500)]


def test_sync_is_repeatable(conf):
    driver = RecordingDriver()
    manager = flat_dhcp.FlatDHCPManager(driver)
    manager.sync([_network()])
    first, driver.calls = driver.calls, []
    manager.sync([_network()])
    assert driver.calls == first   # each call is idempotent in the driver


# -- VlanManager ----------------------------------------------------------

def test_vlan_makes_vlan_device_bridge_and_isolates_projects(conf):
    """The VLAN-device step, which the functional tests cannot run (no
    8021q there): with vlan_interface set, each network's bridge gets
    its vlan<ID> device."""
    conf.config(group='network', vlan_interface='eth2')
    driver = RecordingDriver()
    nets = [_network(bridge=None, project='p1', seg=101),
            _network(net_id='net2', bridge=None, project='p2', seg=102, n=2),
            _network(net_id='net3', bridge='brx', project='p1', seg=103,
                     n=3)]
    vlan.VlanManager(driver).sync(nets)
    assert driver.calls[:3] == [
        ('ensure_vlan', 101, 'eth2', 1500),
        ('ensure_bridge', 'brv101', 'vlan101', 1500),
        ('set_gateway', 'brv101', '10.1.0.1/24')]
    assert ('ensure_bridge', 'brv102', 'vlan102', 1500) in driver.calls
    assert driver.calls[-1] == ('apply_isolation', {
        'p1': ['brv101', 'brx'], 'p2': ['brv102']})


def test_vlan_without_vlan_interface_makes_bridges_only(conf):
    driver = RecordingDriver()
    vlan.VlanManager(driver).sync([_network(bridge=None, seg=101)])
    assert driver.calls[0] == ('ensure_bridge', 'brv101', None, 1500)
    assert not [c for c in driver.calls if c[0] == 'ensure_vlan']


def test_vlan_plug_makes_device_and_bridge_not_gateway(conf):
    conf.config(group='network', vlan_interface='eth2')
    driver = RecordingDriver()
    assert vlan.VlanManager(driver).plug(_network(bridge=None, seg=7)) == \
        'brv7'
    assert driver.calls == [('ensure_vlan', 7, 'eth2', 1500),
                            ('ensure_bridge', 'brv7', 'vlan7', 1500)]


def test_vlan_network_needs_a_bridge_or_vlan_id(conf):
    driver = RecordingDriver()
    with pytest.raises(exceptions.HostNetworkError, match='VLAN id'):
        vlan.VlanManager(driver).sync([_network(bridge=None)])
    assert driver.calls == [('apply_isolation', {})]


# -- security groups and floating IPs --------------------------------------

EXT = '33333333-3333-4333-8333-333333333333'
SG = '44444444-4444-4444-8444-444444444444'
GROUPS = {SG: {'id': SG, 'members': ['10.1.0.5'], 'rules': [
    {'direction': 'egress', 'ethertype': 'IPv4', 'protocol': None,
     'port_range_min': None, 'port_range_max': None,
     'remote_ip_prefix': None, 'remote_group_id': None}]}}


def _guarded(**extra):
    """A network whose first port is a guest's in group SG, plus the
    DHCP port (network:*, never filtered) and a dual-stack guest port."""
    network = _network(**extra)
    network['ports'][0].update(device_owner='compute:nova',
                               security_groups=[SG])
    network['ports'][1].update(device_owner='network:dhcp',
                               security_groups=[])
    network['ports'].append({
        'id': 'p-v6', 'mac_address': 'fa:16:3e:00:00:03',
        'admin_state_up': True, 'device_owner': '',
        'fixed_ips': [{'subnet_id': 'v6', 'ip_address': 'fd00::7'},
                      {'subnet_id': SUB, 'ip_address': '10.1.0.7'}]})
    return network


def _external():
    network = _network(net_id=EXT, bridge='brex', n=24, external=True)
    network['subnets'][0].update(cidr='172.24.4.0/24',
                                 gateway_ip='172.24.4.1')
    network['ports'] = []
    return network


FIP = {'id': 'fip1', 'floating_ip_address': '172.24.4.10',
       'fixed_ip_address': '10.1.0.5', 'port_id': 'p-up',
       'network_id': NET, 'floating_network_id': EXT}


def test_filters_cover_the_guest_ports_of_served_networks(conf):
    driver = RecordingDriver()
    flat_dhcp.FlatDHCPManager(driver).sync([_guarded()],
                                           security_groups=GROUPS)
    [call] = [c for c in driver.calls if c[0] == 'apply_filters']
    assert call == ('apply_filters', [
        {'id': 'p-up', 'bridge': 'br100', 'addresses': ['10.1.0.5'],
         'security_groups': [SG]},
        {'id': 'p-v6', 'bridge': 'br100', 'addresses': ['10.1.0.7'],
         'security_groups': []}], GROUPS)
    assert not [c for c in driver.calls if c[0] == 'apply_nat']


def test_floating_ips_translated_and_held_by_the_external_bridge(conf):
    driver = RecordingDriver()
    elsewhere = dict(FIP, id='fip2', floating_ip_address='172.24.4.11',
                     network_id='not-here')
    flat_dhcp.FlatDHCPManager(driver).sync(
        [_guarded(), _external()], security_groups=GROUPS,
        floating_ips=[FIP, elsewhere])
    assert ('set_gateway', 'brex', '172.24.4.1/24', ['172.24.4.10']) in \
        driver.calls
    assert ('set_gateway', 'br100', '10.1.0.1/24') in driver.calls
    names = [c[0] for c in driver.calls]
    # The port's rules are in place before traffic can reach it.
    assert names[-2:] == ['apply_filters', 'apply_nat']
    assert driver.calls[-1] == ('apply_nat', [
        {'floating_ip_address': '172.24.4.10',
         'fixed_ip_address': '10.1.0.5', 'bridge': 'br100'}])


def test_no_floating_ips_clears_the_translations(conf):
    driver = RecordingDriver()
    flat_dhcp.FlatDHCPManager(driver).sync([_external()], floating_ips=[])
    assert driver.calls[-1] == ('apply_nat', [])
    assert ('set_gateway', 'brex', '172.24.4.1/24') in driver.calls


def test_flat_puts_floating_ips_on_the_operator_bridge(conf):
    driver = RecordingDriver(bridges={'br100', 'brex'})
    flat.FlatManager(driver).sync([_guarded(), _external()],
                                  floating_ips=[FIP])
    assert driver.calls[0] == ('set_gateway', 'brex', None, ['172.24.4.10'])
    assert driver.calls[-1][0] == 'apply_nat'
    # Disassociated: the address is taken back.
    driver.calls = []
    flat.FlatManager(driver).sync([_guarded(), _external()],
                                  floating_ips=[])
    assert driver.calls == [('set_gateway', 'brex', None),
                            ('apply_nat', [])]


def test_a_failing_part_does_not_stop_the_others(conf):
    driver = RecordingDriver(managed={'br100', 'brbad'})
    driver.fail_bridges = {'brbad'}
    driver.fail_filters = True
    broken = _guarded(net_id='net2', bridge='brbad', n=2)
    with pytest.raises(exceptions.HostNetworkError) as caught:
        flat_dhcp.FlatDHCPManager(driver).sync(
            [broken, _guarded()], security_groups=GROUPS,
            floating_ips=[FIP])
    reason = str(caught.value)
    assert 'brbad broke' in reason and 'filters broke' in reason
    assert driver.calls[-1][0] == 'apply_nat'


def test_malformed_state_is_an_error_not_a_crash(conf):
    driver = RecordingDriver()
    network = _guarded()
    del network['ports'][0]['id']
    with pytest.raises(exceptions.HostNetworkError) as caught:
        flat_dhcp.FlatDHCPManager(driver).sync(
            [network], security_groups=GROUPS,
            floating_ips=[{'network_id': NET, 'fixed_ip_address': '10.1.0.5'}])
    assert 'security groups' in str(caught.value)
    assert 'floating IPs' in str(caught.value)


def test_a_failed_network_keeps_its_port_filters(conf):
    driver = RecordingDriver()
    driver.fail_bridges = {'brbad'}
    with pytest.raises(exceptions.HostNetworkError, match='brbad'):
        flat_dhcp.FlatDHCPManager(driver).sync(
            [_guarded(bridge='brbad')], security_groups=GROUPS)
    [call] = [c for c in driver.calls if c[0] == 'apply_filters']
    assert [p['bridge'] for p in call[1]] == ['brbad', 'brbad']


def test_noop_driver_takes_filters_and_translations(conf):
    manager = managers.load('vlan', driver=drivers.load('noop'))
    manager.sync([_guarded(seg=5), _external()], security_groups=GROUPS,
                 floating_ips=[FIP])


# -- loading --------------------------------------------------------------

@pytest.mark.parametrize('name,cls', [('flat', flat.FlatManager),
                                      ('flat_dhcp', flat_dhcp.FlatDHCPManager),
                                      ('vlan', vlan.VlanManager)])
def test_managers_load_by_name(conf, name, cls):
    driver = RecordingDriver()
    manager = managers.load(name, driver=driver)
    assert type(manager) is cls and manager.driver is driver
    assert manager.name == name
    assert manager.network_type == ('vlan' if name == 'vlan' else 'flat')
    assert manager.dhcp is (name != 'flat')


def test_defaults_come_from_config(conf):
    conf.config(group='network', network_manager='vlan',
                network_driver='noop')
    manager = managers.load()
    assert isinstance(manager, vlan.VlanManager)
    assert isinstance(manager.driver, noop.NoopDriver)


def test_unknown_plugins_are_host_errors(conf):
    with pytest.raises(exceptions.HostNetworkError):
        drivers.load('nope')
    with pytest.raises(exceptions.HostNetworkError):
        managers.load('nope', driver=RecordingDriver())


def test_noop_driver_runs_every_manager(conf):
    for name in ('flat', 'flat_dhcp', 'vlan'):
        manager = managers.load(name, driver=drivers.load('noop'))
        manager.sync([_network(seg=5)])
        assert manager.plug(_network(seg=5)) == 'br100'
