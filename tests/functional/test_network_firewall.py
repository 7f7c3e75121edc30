"""Security groups and floating IPs on a real kernel (iptables on
nf_tables, ipset, conntrack, br_netfilter).

Host safety, as in test_network_dataplane.py (whose Lab this uses):
everything nube makes is inside a "host" network namespace of the test
([network] host_namespace); guests and an "outside" machine are
namespaces of their own, veth'd to a guest bridge and to an external
bridge in it. Nothing here touches the machine's own interfaces, routes,
chains or sets, nor the host namespace's global ip_forward (nube turns
on forwarding per bridge only). Teardown removes every namespace.

The scene: network 10.213.230.0/24 on brfwp with guests g1 (.10, group
A), g2 (.11, group B), g3 (.12, group C); external network
10.213.231.0/24 on brfwx with the outside machine at .100; floating IP
10.213.231.50 -> g1. Groups A, B, C let everything out (as a default
group does); what comes in is what each test adds.
"""

import os
import shutil
import subprocess
import sys
import uuid

import pytest

from nube.network.drivers import firewall
from nube.network.managers import flat_dhcp
from tests.functional import test_network_dataplane as dataplane

TOOLS = ('ip', 'busybox', 'iptables', 'iptables-save', 'iptables-restore',
         'ipset', 'sysctl')
FIP, OUTSIDE = '10.213.231.50', '10.213.231.100'
G1, G2, G3 = '10.213.230.10', '10.213.230.11', '10.213.230.12'
MACS = ['fa:16:3e:f0:00:%02x' % i for i in range(1, 5)]

SERVER = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', int(sys.argv[1])))
s.listen(16)
while True:
    c, peer = s.accept()
    c.sendall(peer[0].encode() + b'\\n')
    c.close()
"""
CLIENT = """
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)
    c.settimeout(1)
    print(c.recv(100).decode().strip())
except OSError as exc:
    print('failed: %s' % exc)
    sys.exit(1)
"""


def _why_skip():
    if dataplane._SKIP:
        return dataplane._SKIP
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return 'missing %s' % ', '.join(missing)
    probe = 'nubet-p-%s' % uuid.uuid4().hex[:6]
    dataplane._run('ip', 'netns', 'add', probe)
    try:
        out = dataplane._run('ip', 'netns', 'exec', probe, 'sysctl', '-n',
                             'net.bridge.bridge-nf-call-iptables',
                             check=False).stdout.strip()
    finally:
        dataplane._run('ip', 'netns', 'del', probe, check=False)
    if out != '1':
        return ('bridged traffic does not pass iptables here '
                '(br_netfilter not loaded, or bridge-nf-call-iptables=0)')
    return None


_SKIP = _why_skip()
pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or '')


def _sg():
    return str(uuid.uuid4())


def _rule(direction='ingress', protocol=None, low=None, high=None,
          remote=None, prefix=None):
    return {'direction': direction, 'ethertype': 'IPv4',
            'protocol': protocol, 'port_range_min': low,
            'port_range_max': high, 'remote_ip_prefix': prefix,
            'remote_group_id': remote}


class Scene:
    """The lab, its networks, groups and floating IP; sync() hands the
    whole state to a FlatDHCPManager as nube-network would."""

    def __init__(self, lab):
        self.lab = lab
        self.servers = []
        self.priv = dataplane._network(230, 'brfwp', MACS[:3])
        self.ext = dataplane._network(231, 'brfwx', [])
        self.ext['external'] = True
        for net in (self.priv, self.ext):
            net['subnets'][0]['enable_dhcp'] = False
        self.a, self.b, self.c = _sg(), _sg(), _sg()
        for port, group in zip(self.priv['ports'], (self.a, self.b, self.c)):
            port.update(device_owner='compute:nova', security_groups=[group])
        holder = dataplane._port(self.ext['subnets'][0]['id'], MACS[3], FIP)
        holder.update(device_owner='network:floatingip', security_groups=[])
        self.ext['ports'].append(holder)
        self.groups = {
            sg: {'id': sg, 'rules': [_rule('egress')], 'members': [ip]}
            for sg, ip in ((self.a, G1), (self.b, G2), (self.c, G3))}
        self.fips = [{'id': str(uuid.uuid4()), 'floating_ip_address': FIP,
                      'fixed_ip_address': G1,
                      'port_id': self.priv['ports'][0]['id'],
                      'network_id': self.priv['id'],
                      'floating_network_id': self.ext['id']}]
        self.driver = lab.driver()
        self.manager = flat_dhcp.FlatDHCPManager(self.driver)
        self.sync()
        self.g1, self.g2, self.g3 = (
            self._guest('brfwp', mac, ip, '10.213.230.1')
            for mac, ip in zip(MACS, (G1, G2, G3)))
        self.outside = self._guest('brfwx', 'fa:16:3e:f0:00:99', OUTSIDE)

    def _guest(self, bridge, mac, address, gateway=None):
        name = self.lab.guest(bridge, mac)
        dataplane._run('ip', '-n', name, 'addr', 'add', address + '/24',
                       'dev', 'eth0')
        if gateway:
            dataplane._run('ip', '-n', name, 'route', 'add', 'default',
                           'via', gateway)
        return name

    def sync(self, manager=None):
        (manager or self.manager).sync(
            [self.priv, self.ext], security_groups=self.groups,
            floating_ips=self.fips)

    def allow(self, group, *rules):
        self.groups[group]['rules'].extend(rules)
        self.sync()

    def revoke(self, group, rule):
        self.groups[group]['rules'].remove(rule)
        self.sync()

    def serve(self, ns, port):
        """A TCP server in ``ns`` that tells each client its address."""
        self.servers.append(subprocess.Popen(
            ['ip', 'netns', 'exec', ns, sys.executable, '-I', '-c', SERVER,
             str(port)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        dataplane._poll(lambda: self.connect(ns, '127.0.0.1', port), 10,
                        'server on port %d in %s' % (port, ns))

    def connect(self, ns, address, port):
        """The address the server saw us from, or None (1 s timeout)."""
        proc = dataplane._run('ip', 'netns', 'exec', ns, sys.executable,
                              '-I', '-c', CLIENT, address, str(port),
                              check=False)
        return proc.stdout.strip() if proc.returncode == 0 else None

    def opens(self, ns, address, port, seen, timeout=2):
        dataplane._poll(lambda: self.connect(ns, address, port) == seen,
                        timeout, '%s -> %s:%d' % (ns, address, port))

    def host_state(self):
        return (self.lab.host('iptables-save', '-t', 'filter'),
                self.lab.host('iptables-save', '-t', 'nat'),
                self.lab.host('ipset', 'save'))

    def close(self):
        for proc in self.servers:
            proc.kill()
            proc.wait()


@pytest.fixture
def scene():
    lab = dataplane.Lab()
    scene = None
    try:
        # A new namespace inherits the machine's ip_forward (libvirt sets
        # it): off in the test's own host namespace, so the tests show
        # that nube's per-bridge forwarding alone routes.
        lab.host('sysctl', '-w', 'net.ipv4.ip_forward=0')
        scene = Scene(lab)
        yield scene
    finally:
        lab.close()
        if scene is not None:
            scene.close()


def _saved_lines(text):
    return [line for line in text.splitlines() if not line.startswith('#')]


def test_floating_ip_tcp_opens_with_a_rule_and_closes_without(scene):
    # Routed by per-bridge forwarding alone.
    assert scene.lab.host('sysctl', '-n', 'net.ipv4.ip_forward').strip() \
        == '0'
    for bridge in ('brfwp', 'brfwx'):
        assert scene.lab.host('sysctl', '-n', 'net/ipv4/conf/%s/forwarding'
                              % bridge).strip() == '1'
    assert '%s/32' % FIP in scene.lab.host('ip', '-4', '-o', 'addr', 'show',
                                           'brfwx')
    scene.serve(scene.g1, 8080)
    assert scene.connect(scene.outside, FIP, 8080) is None
    web = _rule(protocol='tcp', low=8080, high=8080)
    scene.allow(scene.a, web)
    scene.opens(scene.outside, FIP, 8080, OUTSIDE)
    scene.revoke(scene.a, web)
    assert scene.connect(scene.outside, FIP, 8080) is None


def test_floating_ip_icmp(scene):
    lab = scene.lab
    assert not lab.ping(scene.outside, FIP)
    icmp = _rule(protocol='icmp')
    scene.allow(scene.a, icmp)
    dataplane._poll(lambda: lab.ping(scene.outside, FIP), 2, 'ping FIP')
    scene.revoke(scene.a, icmp)
    assert not lab.ping(scene.outside, FIP)
    # Echo requests only (type 8): still answered.
    scene.allow(scene.a, _rule(protocol='icmp', low=8))
    dataplane._poll(lambda: lab.ping(scene.outside, FIP), 2, 'ping type 8')


def test_remote_group_admits_members_only(scene):
    scene.serve(scene.g1, 9090)
    scene.serve(scene.g2, 9090)
    scene.allow(scene.a, _rule(protocol='tcp', low=9090, remote=scene.b))
    scene.allow(scene.b, _rule(protocol='tcp', low=9090, remote=scene.a))
    # Bridged guest to guest: filtered, and never translated.
    scene.opens(scene.g2, G1, 9090, G2)
    scene.opens(scene.g1, G2, 9090, G1)
    assert scene.connect(scene.g3, G1, 9090) is None
    # g3 joins group B: one ipset swap, no rule rewritten.
    scene.groups[scene.b]['members'].append(G3)
    before = scene.lab.host('iptables-save', '-t', 'filter')
    scene.sync()
    scene.opens(scene.g3, G1, 9090, G3)
    assert _saved_lines(scene.lab.host('iptables-save', '-t', 'filter')) == \
        _saved_lines(before)


def test_guest_leaves_from_its_floating_ip(scene):
    scene.serve(scene.outside, 7070)
    scene.opens(scene.g1, OUTSIDE, 7070, FIP)
    # Without a rule in, nothing from outside reaches it meanwhile.
    scene.serve(scene.g1, 7071)
    assert scene.connect(scene.outside, FIP, 7071) is None
    # Disassociated: no translation left, the address leaves the bridge.
    scene.fips = []
    scene.sync()
    assert FIP not in scene.lab.host('ip', '-4', '-o', 'addr', 'show',
                                     'brfwx')
    assert 'DNAT' not in scene.lab.host('iptables-save', '-t', 'nat')
    assert scene.connect(scene.g1, OUTSIDE, 7070) is None


def test_restart_rebuilds_the_same_rules_and_writes_nothing(scene):
    scene.serve(scene.g1, 8080)
    scene.allow(scene.a, _rule(protocol='tcp', low=8080),
                _rule(protocol='tcp', low=9090, remote=scene.b))
    before = scene.host_state()

    # A restarted nube-network: new driver and manager, same state.
    driver = scene.lab.driver()
    writes, real = [], driver._run

    def spy(argv, input=None, check=True):
        name = os.path.basename(argv[0])
        if name in ('iptables', 'iptables-restore') or (
                name == 'ipset' and argv[1] != 'save') or (
                name == 'sysctl' and '-w' in argv):
            writes.append(argv)
        return real(argv, input=input, check=check)
    driver._run = spy
    scene.sync(flat_dhcp.FlatDHCPManager(driver))
    assert writes == []
    assert [_saved_lines(t) for t in scene.host_state()] == [
        _saved_lines(t) for t in before]
    scene.opens(scene.outside, FIP, 8080, OUTSIDE)

    # An outside change (the jump gone) is repaired by the next sync.
    scene.lab.host('iptables', '-w', '-D', 'FORWARD', '-j', 'nube-sg')
    scene.sync(flat_dhcp.FlatDHCPManager(driver))
    assert writes == [['iptables-restore', '-w', '--noflush']]
    assert '-A FORWARD -j nube-sg' in scene.lab.host('iptables-save', '-t',
                                                     'filter')

    # A host reboot (nothing left): rebuilt exactly from the state.
    driver._cleanup_firewall()
    assert scene.connect(scene.outside, FIP, 8080) is None
    scene.sync(flat_dhcp.FlatDHCPManager(scene.lab.driver()))
    after = scene.host_state()
    assert [_saved_lines(t) for t in after[:2]] == [
        _saved_lines(t) for t in before[:2]]
    assert firewall.parse_ipsets(after[2]) == firewall.parse_ipsets(before[2])
    scene.opens(scene.outside, FIP, 8080, OUTSIDE)


def test_cleanup_all_leaves_no_chain_or_set(scene):
    scene.allow(scene.a, _rule(protocol='tcp', low=9090, remote=scene.b))
    assert 'nube-' in scene.lab.host('ipset', 'list', '-n')
    scene.driver.cleanup_all()
    filter_rules, nat_rules, sets = scene.host_state()
    assert 'nube' not in filter_rules and 'nube' not in nat_rules
    assert sets.strip() == ''
