"""The network data plane on a real kernel: bridges, dnsmasq, iptables.

Host safety: each test makes its own "host" network namespace and points
[network] host_namespace at it, so every bridge, dnsmasq and rule nube
makes lives there; guests are namespaces of their own joined to those
bridges by veth pairs; ip_forward is only ever set inside the test's
host namespace. Teardown kills every process in those namespaces and
deletes them, whatever happened. Nothing here needs MariaDB or RabbitMQ.

The VLAN-device step (VlanManager with [network] vlan_interface set,
``ensure_vlan``) is not exercised: this kernel has no 8021q, so
``ip link add ... type vlan`` cannot work. It is covered by unit tests
instead (tests/unit/network/test_linux_net.py: ensure_vlan, and
tests/unit/network/test_managers.py: VlanManager with vlan_interface).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

import nube.conf
from nube.network.drivers import dnsmasq
from nube.network.drivers import linux_net
from nube.network.managers import flat_dhcp
from nube.network.managers import vlan

CONF = nube.conf.CONF
TOOLS = ('ip', 'dnsmasq', 'busybox', 'iptables', 'iptables-restore')

UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
    deconfig) ip addr flush dev "$interface" ;;
    bound|renew)
        ip addr flush dev "$interface"
        ip addr add "$ip/$mask" dev "$interface"
        if [ -n "$router" ]; then
            ip route replace default via "${router%% *}" dev "$interface"
        fi
        echo "$ip" > "$LEASE_FILE" ;;
esac
"""


def _run(*argv, check=True, env=None, timeout=30):
    proc = subprocess.run(argv, capture_output=True, text=True, env=env,
                          timeout=timeout)
    if check and proc.returncode:
        raise AssertionError('%s exited %d: %s' % (
            ' '.join(argv), proc.returncode, proc.stderr))
    return proc


def _why_skip():
    if os.geteuid() != 0:
        return 'needs root (bridges, namespaces, dnsmasq)'
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return 'missing %s' % ', '.join(missing)
    probe = 'nubet-p-%s' % uuid.uuid4().hex[:6]
    if _run('ip', 'netns', 'add', probe, check=False).returncode:
        return '`ip netns add` does not work here'
    _run('ip', 'netns', 'del', probe, check=False)
    return None


_SKIP = _why_skip()
pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or '')


def _poll(check, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ss: %s' % (timeout, what))
        time.sleep(0.1)


class Lab:
    """A host namespace, its guests, and nube pointed at them."""

    def __init__(self):
        self.suffix = uuid.uuid4().hex[:6]
        self.ns = 'nubet-h-%s' % self.suffix
        self.tmp = tempfile.mkdtemp(prefix='nubet-')
        os.chmod(self.tmp, 0o755)   # dnsmasq re-reads files as nobody
        self.networks_path = os.path.join(self.tmp, 'networks')
        self.script = os.path.join(self.tmp, 'udhcpc.sh')
        with open(self.script, 'w') as f:
            f.write(UDHCPC_SCRIPT)
        os.chmod(self.script, 0o755)
        self.guests = []
        self.drivers = []
        _run('ip', 'netns', 'add', self.ns)
        _run('ip', '-n', self.ns, 'link', 'set', 'lo', 'up')
        for name, value in (('host_namespace', self.ns),
                            ('networks_path', self.networks_path),
                            ('vlan_interface', None),
                            ('flat_interface', None),
                            ('dns_servers', [])):
            CONF.set_override(name, value, group='network')

    def driver(self):
        """A new driver, as a freshly started nube-network makes one."""
        self.drivers.append(linux_net.LinuxNetDriver())
        return self.drivers[-1]

    def guest(self, bridge, mac):
        """A guest namespace with ``mac`` on eth0, plugged into bridge."""
        n = len(self.guests)
        name = 'nubet-g-%s-%d' % (self.suffix, n)
        _run('ip', 'netns', 'add', name)
        self.guests.append(name)
        veth = 'vh%d' % n
        _run('ip', '-n', self.ns, 'link', 'add', veth, 'type', 'veth',
             'peer', 'name', 'eth0', 'netns', name)
        _run('ip', '-n', self.ns, 'link', 'set', veth, 'master', bridge,
             'up')
        _run('ip', '-n', name, 'link', 'set', 'eth0', 'address', mac, 'up')
        _run('ip', '-n', name, 'link', 'set', 'lo', 'up')
        return name

    def dhcp(self, guest, tries=5):
        """Run udhcpc once in ``guest``: the leased address or None."""
        lease = os.path.join(self.tmp, '%s.lease' % guest)
        if os.path.exists(lease):
            os.unlink(lease)
        env = dict(os.environ, LEASE_FILE=lease)
        _run('ip', 'netns', 'exec', guest, 'busybox', 'udhcpc', '-i', 'eth0',
             '-n', '-q', '-t', str(tries), '-T', '1', '-s', self.script,
             check=False, env=env)
        if not os.path.exists(lease):
            return None
        with open(lease) as f:
            return f.read().strip()

    def ping(self, guest, address):
        return not _run('ip', 'netns', 'exec', guest, 'busybox', 'ping',
                        '-c', '1', '-W', '1', address,
                        check=False).returncode

    def wait_ping(self, guest, address, timeout=10):
        _poll(lambda: self.ping(guest, address), timeout,
              '%s cannot ping %s' % (guest, address))

    def leases(self, network_id):
        path = os.path.join(self.networks_path, network_id, 'leases')
        with open(path) as f:
            return {line.split()[1] for line in f if line.strip()}

    def dnsmasq_pids(self):
        """Live dnsmasq processes started for this lab's networks."""
        found = set()
        for pid in filter(str.isdigit, os.listdir('/proc')):
            argv = dnsmasq._cmdline(int(pid))
            if (argv and os.path.basename(argv[0]) == 'dnsmasq' and
                    any(self.networks_path in a for a in argv) and
                    dnsmasq._alive(int(pid))):
                found.add(int(pid))
        return found

    def host(self, *argv):
        return _run('ip', 'netns', 'exec', self.ns, *argv).stdout

    def close(self):
        for driver in self.drivers:
            try:
                driver.cleanup_all()
            except Exception:  # noqa: BLE001 - teardown goes on regardless
                pass
        for name in self.guests + [self.ns]:
            pids = _run('ip', 'netns', 'pids', name, check=False).stdout
            for pid in pids.split():
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            _run('ip', 'netns', 'del', name, check=False)
        for pid in self.dnsmasq_pids():
            os.kill(pid, 9)
        for name in ('host_namespace', 'networks_path', 'vlan_interface',
                     'flat_interface', 'dns_servers'):
            CONF.clear_override(name, group='network')
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def lab():
    lab = Lab()
    try:
        yield lab
    finally:
        lab.close()


def _network(n, bridge, macs, project='p1', network_type='flat',
             segmentation_id=None):
    """A network dict as the DB side hands it over, 10.213.N.0/24, one
    port per MAC from .10 on."""
    subnet_id = str(uuid.uuid4())
    return {
        'id': str(uuid.uuid4()), 'name': 'net%d' % n, 'project_id': project,
        'network_type': network_type, 'segmentation_id': segmentation_id,
        'bridge': bridge, 'bridge_interface': None, 'mtu': 1500,
        'admin_state_up': True,
        'subnets': [{
            'id': subnet_id, 'cidr': '10.213.%d.0/24' % n,
            'gateway_ip': '10.213.%d.1' % n, 'enable_dhcp': True,
            'dns_nameservers': ['10.213.%d.1' % n],
            'allocation_pools': [{'start': '10.213.%d.2' % n,
                                  'end': '10.213.%d.254' % n}]}],
        'ports': [_port(subnet_id, mac, '10.213.%d.%d' % (n, 10 + i))
                  for i, mac in enumerate(macs)]}


def _port(subnet_id, mac, address):
    return {'id': str(uuid.uuid4()), 'mac_address': mac,
            'admin_state_up': True,
            'fixed_ips': [{'subnet_id': subnet_id, 'ip_address': address}]}


MAC_A1, MAC_A2, MAC_B1 = ('fa:16:3e:d1:00:01', 'fa:16:3e:d1:00:02',
                          'fa:16:3e:d1:00:03')
MAC_UNKNOWN = 'fa:16:3e:d1:00:99'


def test_flat_dhcp_leases_each_port_its_address(lab):
    net = _network(211, 'brnt1', [MAC_A1])
    flat_dhcp.FlatDHCPManager(lab.driver()).sync([net])

    assert lab.host('ip', '-4', '-o', 'addr', 'show', 'brnt1').split()[3] \
        == '10.213.211.1/24'
    known = lab.guest('brnt1', MAC_A1)
    assert lab.dhcp(known) == '10.213.211.10'
    stranger = lab.guest('brnt1', MAC_UNKNOWN)
    assert lab.dhcp(stranger, tries=3) is None
    assert lab.leases(net['id']) == {MAC_A1}


@pytest.mark.parametrize('release', [True, False],
                         ids=['dhcp_release', 'restart'])
def test_a_reused_address_is_leased_to_its_new_port(lab, release):
    """A server is deleted and its address goes to a new port (new MAC):
    the old lease must not keep dnsmasq from handing it out, with
    dhcp_release (dnsmasq-utils) or, without it, by a restart."""
    driver = lab.driver()
    if not release:
        driver.dhcp_release = None
    elif driver.dhcp_release is None:
        pytest.fail('dhcp_release is missing (bindep.txt: dnsmasq-utils)')
    net = _network(214, 'brntr', [MAC_A1])
    manager = flat_dhcp.FlatDHCPManager(driver)
    manager.sync([net])
    assert lab.dhcp(lab.guest('brntr', MAC_A1)) == '10.213.214.10'
    assert lab.leases(net['id']) == {MAC_A1}

    # The same address, another port.
    net['ports'] = [_port(net['subnets'][0]['id'], MAC_A2, '10.213.214.10')]
    manager.sync([net])
    _poll(lambda: lab.leases(net['id']) == set(), 10,
          'the old lease was never dropped')
    assert lab.dhcp(lab.guest('brntr', MAC_A2)) == '10.213.214.10'
    assert lab.leases(net['id']) == {MAC_A2}


def test_two_networks_do_not_leak_leases(lab):
    net_a = _network(212, 'brnta', [MAC_A1])
    net_b = _network(213, 'brntb', [MAC_B1])
    flat_dhcp.FlatDHCPManager(lab.driver()).sync([net_a, net_b])

    assert lab.dhcp(lab.guest('brnta', MAC_A1)) == '10.213.212.10'
    assert lab.dhcp(lab.guest('brntb', MAC_B1)) == '10.213.213.10'
    # A's port, plugged into B's bridge: B's dnsmasq does not know it and
    # A's does not hear it.
    assert lab.dhcp(lab.guest('brntb', MAC_A1), tries=3) is None
    assert lab.leases(net_a['id']) == {MAC_A1}
    assert lab.leases(net_b['id']) == {MAC_B1}


def test_vlan_manager_isolates_projects(lab):
    """Same-network traffic always flows; traffic between two networks
    flows while they belong to one project and is dropped once they
    belong to two. vlan_interface is unset: no VLAN device (no 8021q
    in this kernel, see the module docstring), bridges only."""
    lab.host('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1')
    net_a = _network(214, 'brv214', [MAC_A1, MAC_A2], project='p1',
                     network_type='vlan', segmentation_id=214)
    net_b = _network(215, 'brv215', [MAC_B1], project='p1',
                     network_type='vlan', segmentation_id=215)
    manager = vlan.VlanManager(lab.driver())
    manager.sync([net_a, net_b])
    a1, a2 = lab.guest('brv214', MAC_A1), lab.guest('brv214', MAC_A2)
    b1 = lab.guest('brv215', MAC_B1)
    assert [lab.dhcp(g) for g in (a1, a2, b1)] == [
        '10.213.214.10', '10.213.214.11', '10.213.215.10']

    # Positive control: one project, so routing between them works.
    lab.wait_ping(a1, '10.213.214.11')
    lab.wait_ping(a1, '10.213.215.10')

    net_b['project_id'] = 'p2'
    manager.sync([net_a, net_b])
    assert not lab.ping(a1, '10.213.215.10')
    assert not lab.ping(b1, '10.213.214.10')
    assert lab.ping(a1, '10.213.214.11')
    assert lab.ping(a2, '10.213.214.10')
    rules = lab.host('iptables', '-w', '-S')
    assert rules.count('-A FORWARD -j nube-forward') == 1


def test_restart_keeps_dnsmasq_and_leases(lab):
    net = _network(216, 'brnt6', [MAC_A1])
    flat_dhcp.FlatDHCPManager(lab.driver()).sync([net])
    guest = lab.guest('brnt6', MAC_A1)
    assert lab.dhcp(guest) == '10.213.216.10'
    pids = lab.dnsmasq_pids()
    assert len(pids) == 1

    # A nube-network restart: new driver and manager, same networks.
    manager = flat_dhcp.FlatDHCPManager(lab.driver())
    manager.sync([net])
    assert lab.dnsmasq_pids() == pids
    assert lab.leases(net['id']) == {MAC_A1}
    assert lab.dhcp(guest) == '10.213.216.10'

    # A new port: the same dnsmasq re-reads its hosts (SIGHUP).
    net['ports'].append(_port(net['subnets'][0]['id'], MAC_A2,
                              '10.213.216.11'))
    manager.sync([net])
    assert lab.dnsmasq_pids() == pids
    assert lab.dhcp(lab.guest('brnt6', MAC_A2)) == '10.213.216.11'
    assert lab.leases(net['id']) == {MAC_A1, MAC_A2}


GREEN_SYNC = """
import json, sys
import eventlet
eventlet.monkey_patch()
import nube.conf
from nube.network.drivers import linux_net
from nube.network.managers import flat_dhcp
ns, path, net = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
nube.conf.CONF.set_override('host_namespace', ns, group='network')
nube.conf.CONF.set_override('networks_path', path, group='network')
flat_dhcp.FlatDHCPManager(linux_net.LinuxNetDriver()).sync([net])
"""


def test_sync_under_eventlet(lab):
    """nube-network is eventlet-patched: a sync from such a process works
    (pyroute2's own NetNS helper cannot run there)."""
    net = _network(219, 'brnt9', [MAC_A1])
    env = dict(os.environ, NUBE_NO_MONKEY_PATCH='0')
    _run(sys.executable, '-W', 'ignore', '-c', GREEN_SYNC, lab.ns,
         lab.networks_path, json.dumps(net), env=env, timeout=60)
    assert lab.dhcp(lab.guest('brnt9', MAC_A1)) == '10.213.219.10'


GREEN_THREADS = """
import gc, sys, threading
import eventlet
eventlet.monkey_patch()
from nube.network.drivers import linux_net
driver = linux_net.LinuxNetDriver(namespace=sys.argv[1],
                                  networks_path=sys.argv[2])
errors = []
def work():
    for _ in range(20):
        try:
            driver.managed_bridges()
        except Exception as exc:
            errors.append(repr(exc))
        gc.collect()
threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(errors), errors[:1])
"""


def test_green_threads_share_a_driver(lab):
    """nube-network's refresh worker and its start-up sync are green
    threads using one driver: netlink calls from both must work (pyroute2
    ties a socket to its thread, and a GreenSocket closes its fd when
    collected)."""
    env = dict(os.environ, NUBE_NO_MONKEY_PATCH='0')
    out = _run(sys.executable, '-W', 'ignore', '-c', GREEN_THREADS, lab.ns,
               lab.networks_path, env=env, timeout=60).stdout
    assert out.splitlines()[-1] == '0 []', out


def test_cleanup_host_removes_what_nube_made(lab):
    driver = lab.driver()
    nets = [_network(217, 'brv217', [MAC_A1], project='p1',
                     network_type='vlan', segmentation_id=217),
            _network(218, 'brv218', [MAC_B1], project='p2',
                     network_type='vlan', segmentation_id=218)]
    vlan.VlanManager(driver).sync(nets)
    lab.host('ip', 'link', 'add', 'bropr', 'type', 'bridge')  # not nube's
    assert len(lab.dnsmasq_pids()) == 2
    assert 'nube-forward' in lab.host('iptables', '-w', '-S')

    # As an operator (devstack/clean.sh) does it, from another process.
    conf = os.path.join(lab.tmp, 'nube.conf')
    with open(conf, 'w') as f:
        f.write('[network]\nnetwork_driver = linux_net\nhost_namespace = '
                '%s\nnetworks_path = %s\n' % (lab.ns, lab.networks_path))
    _run(sys.executable, '-W', 'ignore', '-m', 'nube.cmd.manage',
         '--config-file', conf, 'network', 'cleanup-host', timeout=60)

    bridges = lab.host('ip', '-o', 'link', 'show', 'type', 'bridge')
    assert re.findall(r'^\d+: ([^:@]+)', bridges, re.M) == ['bropr']
    assert lab.dnsmasq_pids() == set()
    assert 'nube' not in lab.host('iptables', '-w', '-S')
    assert os.listdir(lab.networks_path) == []
