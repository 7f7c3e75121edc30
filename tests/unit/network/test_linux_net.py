"""LinuxNetDriver and its DHCP half (drivers/dnsmasq.py) without root:
file contents, argv, refusals of hostile values, the dnsmasq
keep/reload/replace decision, iptables input and the netlink requests
(against a fake IPRoute). Nothing here touches the host:
commands go to a recorder and netlink to FakeIPRoute."""

import ipaddress
import os
import signal
import stat
import threading

from oslo_config import fixture as config_fixture
from pyroute2.netlink import exceptions as netlink_exc
import pytest

import nube.conf
from nube.network.drivers import base
from nube.network.drivers import dnsmasq
from nube.network.drivers import linux_net
from nube.network import exceptions

CONF = nube.conf.CONF
NET_ID = '0b6ee0a4-43a5-4a0c-9a43-6f1d0d1f3c11'
NETWORK = base.validate_ipv4_network('10.1.0.0/24')
HOSTS = [('fa:16:3e:00:00:01', '10.1.0.5'), ('fa:16:3e:00:00:02', '10.1.0.6')]
OPTIONS = {'router': '10.1.0.1', 'dns-server': ['8.8.8.8', '8.8.4.4']}


@pytest.fixture
def conf():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    fixture.config(group='network', host_namespace=None, dhcp_lease_time=600)
    yield fixture
    fixture.cleanUp()


class Recorder:
    """Stands in for LinuxNetDriver._run: records argv, answers stdout."""

    def __init__(self, outputs=None, failing=()):
        self.calls = []
        self.outputs = outputs or {}
        self.failing = failing   # argv that fail once they ran before

    def __call__(self, argv, input=None, check=True):
        rc = int(tuple(argv) in self.failing and
                 any(argv == seen for seen, _ in self.calls))
        self.calls.append((argv, input))
        out = self.outputs.get(tuple(argv), '')
        return type('Proc', (), {'stdout': out, 'returncode': rc})()


@pytest.fixture
def driver(conf, tmp_path, monkeypatch):
    drv = linux_net.LinuxNetDriver(networks_path=str(tmp_path / 'nets'))
    drv.dnsmasq = '/usr/sbin/dnsmasq'
    drv.ipset, drv.conntrack = '/usr/sbin/ipset', None
    drv._run = Recorder()
    monkeypatch.setattr(os, 'kill', _forbid)
    return drv


def _forbid(pid, sig):
    raise AssertionError('unexpected kill(%s, %s)' % (pid, sig))


# -- values from users ---------------------------------------------------

@pytest.mark.parametrize('mac', ['aa:bb:cc:dd:ee:ff,evil',
                                 'aa:bb:cc:dd:ee:ff\n', 'aa:bb:cc:dd:ee',
                                 'aa-bb-cc-dd-ee-ff', None])
def test_hostile_mac_refused(mac):
    with pytest.raises(exceptions.HostNetworkError):
        dnsmasq.hosts_file([(mac, '10.1.0.5')], NETWORK)


@pytest.mark.parametrize('ip', ['10.1.0.5\n', '10.1.0.5,evil', ' 10.1.0.5',
                                '10.2.0.5', '::1', 167837701])
def test_hostile_or_foreign_address_refused(ip):
    with pytest.raises(exceptions.HostNetworkError):
        dnsmasq.hosts_file([('fa:16:3e:00:00:01', ip)], NETWORK)


@pytest.mark.parametrize('name', ['br;rm', 'b' * 16, 'br0\n', 'br/0', '-br',
                                  '', 'br 0', None])
def test_hostile_bridge_name_refused(name):
    with pytest.raises(exceptions.HostNetworkError):
        base.validate_ifname(name, 'bridge name')


def test_fifteen_character_bridge_name_accepted():
    assert base.validate_ifname('b' * 15) == 'b' * 15


@pytest.mark.parametrize('ns', ['a/b', '../x', 'ns;x', 'n' * 16])
def test_hostile_namespace_refused(conf, ns):
    with pytest.raises(exceptions.HostNetworkError):
        linux_net.LinuxNetDriver(namespace=ns)
    conf.config(group='network', host_namespace=ns)
    with pytest.raises(exceptions.HostNetworkError):
        linux_net.LinuxNetDriver()


def test_network_id_must_be_a_uuid():
    with pytest.raises(exceptions.HostNetworkError):
        base.validate_uuid('../../etc')
    assert base.validate_uuid(NET_ID.replace('-', '').upper()) == NET_ID


@pytest.mark.parametrize('args', [
    (NET_ID, 'br;x', '10.1.0.0/24', HOSTS, OPTIONS),
    ('../x', 'br100', '10.1.0.0/24', HOSTS, OPTIONS),
    (NET_ID, 'br100', '10.1.0.0/24\n', HOSTS, OPTIONS),
    (NET_ID, 'br100', '10.1.0.0/24', [('aa:bb:cc:dd:ee:ff,evil', '10.1.0.5')],
     OPTIONS),
    (NET_ID, 'br100', '10.1.0.0/24', HOSTS, {'router': '10.1.0.1\nx'}),
    (NET_ID, 'br100', '10.1.0.0/24', HOSTS, {'dns-server': ['1.1.1.1,x']}),
])
def test_update_dhcp_refuses_before_writing_or_running(driver, args):
    with pytest.raises(exceptions.HostNetworkError):
        driver.update_dhcp(*args)
    assert not os.path.exists(driver.networks_path)
    assert driver._run.calls == []


# -- files and argv -------------------------------------------------------

def test_hosts_file_one_line_per_mac_sorted():
    text = dnsmasq.hosts_file(
        [('FA:16:3E:00:00:02', '10.1.0.6'), ('fa:16:3e:00:00:01', '10.1.0.5'),
         ('fa:16:3e:00:00:01', '10.1.0.7')], NETWORK)
    assert text == ('fa:16:3e:00:00:01,host-10-1-0-5,10.1.0.5\n'
                    'fa:16:3e:00:00:02,host-10-1-0-6,10.1.0.6\n')


def test_opts_file():
    assert dnsmasq.opts_file(OPTIONS) == (
        'tag:nube0,option:router,10.1.0.1\n'
        'tag:nube0,option:dns-server,8.8.8.8,8.8.4.4\n')
    # No router: an empty option, or dnsmasq would offer itself.
    assert dnsmasq.opts_file({'router': None, 'dns-server': []}) == (
        'tag:nube0,option:router\ntag:nube0,option:dns-server\n')


def test_host_routes_become_classless_static_routes_with_the_default():
    options = dict(OPTIONS, **{'classless-static-route': [
        ('10.9.0.0/16', '10.1.0.254')]})
    assert dnsmasq.opts_file(options).splitlines()[-1] == (
        'tag:nube0,option:classless-static-route,10.9.0.0/16,10.1.0.254,'
        '0.0.0.0/0,10.1.0.1')
    for hostile in ([('10.9.0.0/16,1.2.3.4', '10.1.0.254')],
                    [('10.9.0.0/16', '10.1.0.254\nx')]):
        with pytest.raises((ValueError, exceptions.HostNetworkError)):
            dnsmasq.opts_file(dict(OPTIONS, **{
                'classless-static-route': hostile}))


def test_stale_leases_are_those_the_hosts_file_no_longer_gives():
    hosts = dnsmasq.hosts_file([('fa:16:3e:00:00:01', '10.0.0.10'),
                                ('fa:16:3e:00:00:02', '10.0.0.11')],
                               ipaddress.ip_network('10.0.0.0/24'))
    leases = ('1700000000 fa:16:3e:00:00:01 10.0.0.10 host-a *\n'
              # the address went to another port
              '1700000000 fa:16:3e:00:00:09 10.0.0.11 host-b 01:ff\n'
              # the port is gone
              '1700000000 FA:16:3E:00:00:07 10.0.0.12 * *\n'
              'garbage\n')
    assert dnsmasq.stale_leases(leases, hosts) == [
        ('10.0.0.11', 'fa:16:3e:00:00:09'), ('10.0.0.12', 'fa:16:3e:00:00:07')]
    assert dnsmasq.stale_leases('', hosts) == []


def test_dnsmasq_argv():
    argv = dnsmasq.dnsmasq_argv('/usr/sbin/dnsmasq', '/n/x', 'br100',
                                NETWORK, 600)
    assert argv == [
        '/usr/sbin/dnsmasq', '--conf-file=/dev/null', '--no-hosts',
        '--no-resolv', '--strict-order', '--port=0', '--bind-interfaces',
        '--interface=br100', '--except-interface=lo',
        '--dhcp-range=set:nube0,10.1.0.0,static,255.255.255.0,600s',
        '--dhcp-lease-max=256', '--dhcp-hostsfile=/n/x/hosts',
        '--dhcp-optsfile=/n/x/opts', '--dhcp-leasefile=/n/x/leases',
        '--pid-file=/n/x/pid', '--log-facility=/n/x/log',
        '--dhcp-authoritative', '--quiet-dhcp']


def test_commands_run_in_the_host_namespace(conf, monkeypatch):
    seen = []
    monkeypatch.setattr(linux_net.subprocess, 'run',
                        lambda argv, **kw: seen.append(argv) or
                        type('P', (), {'returncode': 0, 'stdout': ''})())
    conf.config(group='network', host_namespace='nubet-h-1')
    linux_net.LinuxNetDriver()._run(['iptables', '-w', '-S'])
    assert seen[0][1:] == ['netns', 'exec', 'nubet-h-1', 'iptables', '-w',
                           '-S']


# -- the dnsmasq decision -------------------------------------------------

class FakeProcs:
    """/proc as the driver reads it: pid -> argv of live processes."""

    def __init__(self, monkeypatch):
        self.argv = {}
        monkeypatch.setattr(dnsmasq, '_cmdline',
                            lambda pid: self.argv.get(pid, []))
        monkeypatch.setattr(dnsmasq, '_alive', lambda pid: pid in self.argv)
        monkeypatch.setattr(linux_net.LinuxNetDriver, '_in_namespace',
                            lambda drv, pid: True)


class Starter(Recorder):
    """_run that 'starts' dnsmasq as ``pid``, as the real daemon does:
    writes the pid file and is then a live process with that argv."""

    def __init__(self, driver, procs, pid):
        super().__init__()
        self.driver, self.procs, self.pid = driver, procs, pid

    def __call__(self, argv, input=None, check=True):
        super().__call__(argv, input, check)
        directory = os.path.join(self.driver.networks_path, NET_ID)
        with open(os.path.join(directory, 'pid'), 'w') as f:
            f.write('%d\n' % self.pid)
        self.procs.argv[self.pid] = argv


def _update(driver, hosts=HOSTS, bridge='br100'):
    driver.update_dhcp(NET_ID, bridge, '10.1.0.0/24', hosts, OPTIONS)


def _running(driver, monkeypatch, bridge='br100'):
    procs = FakeProcs(monkeypatch)
    driver._run = Starter(driver, procs, 4242)
    _update(driver, bridge=bridge)
    driver._run.calls = []
    return procs


def test_first_update_writes_files_and_starts(driver, monkeypatch):
    procs = _running(driver, monkeypatch)
    directory = os.path.join(driver.networks_path, NET_ID)
    with open(os.path.join(directory, 'hosts')) as f:
        assert f.read() == dnsmasq.hosts_file(HOSTS, NETWORK)
    with open(os.path.join(directory, 'opts')) as f:
        assert f.read() == dnsmasq.opts_file(OPTIONS)
    for name in ('hosts', 'opts'):
        mode = os.stat(os.path.join(directory, name)).st_mode
        assert stat.S_IMODE(mode) == 0o644   # dnsmasq re-reads as nobody
    assert procs.argv[4242] == dnsmasq.dnsmasq_argv(
        driver.dnsmasq, directory, 'br100', NETWORK, 600)
    assert driver.dhcp_networks() == {NET_ID}


def test_unchanged_update_does_nothing(driver, monkeypatch):
    _running(driver, monkeypatch)
    _update(driver)
    assert driver._run.calls == []   # and os.kill would have raised


def test_new_host_reloads_the_same_dnsmasq(driver, monkeypatch):
    _running(driver, monkeypatch)
    kills = []
    monkeypatch.setattr(os, 'kill', lambda pid, sig: kills.append((pid, sig)))
    _update(driver, hosts=HOSTS + [('fa:16:3e:00:00:03', '10.1.0.7')])
    assert kills == [(4242, signal.SIGHUP)]
    assert driver._run.calls == []


def test_different_command_line_replaces_dnsmasq(driver, monkeypatch):
    procs = _running(driver, monkeypatch, bridge='brold')
    kills = []

    def kill(pid, sig):
        kills.append((pid, sig))
        procs.argv.pop(pid, None)
    monkeypatch.setattr(os, 'kill', kill)
    driver._run = Starter(driver, procs, 4343)
    _update(driver)
    assert kills == [(4242, signal.SIGTERM)]
    assert '--interface=br100' in procs.argv[4343]


def test_recycled_pid_is_never_killed(driver, monkeypatch):
    procs = FakeProcs(monkeypatch)
    directory = os.path.join(driver.networks_path, NET_ID)
    os.makedirs(directory)
    with open(os.path.join(directory, 'pid'), 'w') as f:
        f.write('77\n')
    procs.argv[77] = ['/usr/bin/sshd', '-D']
    driver._run = Starter(driver, procs, 4242)
    _update(driver)   # os.kill would have raised
    assert 77 in procs.argv and 4242 in procs.argv


def test_stop_dhcp_kills_and_forgets(driver, monkeypatch):
    procs = _running(driver, monkeypatch)
    monkeypatch.setattr(os, 'kill', lambda pid, sig: procs.argv.pop(pid))
    driver.stop_dhcp(NET_ID)
    assert procs.argv == {}
    assert driver.dhcp_networks() == set()


def test_dhcp_networks_only_lists_uuid_directories(driver):
    os.makedirs(os.path.join(driver.networks_path, NET_ID))
    os.makedirs(os.path.join(driver.networks_path, 'lost+found'))
    os.makedirs(os.path.join(driver.networks_path, NET_ID.upper()))
    assert driver.dhcp_networks() == {NET_ID}


# -- isolation ------------------------------------------------------------

def test_isolation_rules_drop_across_groups_only():
    rules = linux_net.isolation_rules({'p1': ['brv1', 'brv2'],
                                       'p2': ['brv3']})
    assert rules == [
        '-A nube-forward -i brv1 -o brv3 -j DROP',
        '-A nube-forward -i brv2 -o brv3 -j DROP',
        '-A nube-forward -i brv3 -o brv1 -j DROP',
        '-A nube-forward -i brv3 -o brv2 -j DROP']
    with pytest.raises(exceptions.HostNetworkError):
        linux_net.isolation_rules({'p1': ['br;x'], 'p2': ['brv3']})


SAVE = ('-P FORWARD ACCEPT\n-N nube-forward\n-A FORWARD -j nube-forward\n'
        '-A nube-forward -i a -o b -j DROP\n'
        '-A nube-forward -i b -o a -j DROP\n')
LIST = ('iptables', '-w', '-S')


def test_isolation_applied_atomically_with_one_jump(driver):
    driver._run = Recorder({LIST: '-P FORWARD ACCEPT\n'})
    driver.apply_isolation({'p1': ['a'], 'p2': ['b']})
    assert driver._run.calls == [
        (list(LIST), None),
        (['iptables-restore', '-w', '--noflush'],
         '*filter\n:nube-forward - [0:0]\n'
         '-A nube-forward -i a -o b -j DROP\n'
         '-A nube-forward -i b -o a -j DROP\nCOMMIT\n'),
        (['iptables', '-w', '-I', 'FORWARD', '1', '-j', 'nube-forward'],
         None)]


def test_isolation_unchanged_only_reads(driver):
    driver._run = Recorder({LIST: SAVE})
    driver.apply_isolation({'p1': ['a'], 'p2': ['b']})
    assert driver._run.calls == [(list(LIST), None)]


def test_isolation_change_keeps_the_existing_jump(driver):
    driver._run = Recorder({LIST: SAVE})
    driver.apply_isolation({'p1': ['a', 'b']})
    assert [argv[0] for argv, _ in driver._run.calls] == [
        'iptables', 'iptables-restore']
    assert driver._run.calls[1][1] == (
        '*filter\n:nube-forward - [0:0]\nCOMMIT\n')


# -- netlink --------------------------------------------------------------

class Msg(dict):
    """Just enough of a pyroute2 message."""

    def get_attr(self, name):
        return self.get(name)


class FakeIPRoute:
    """Links and addresses in memory, answering the driver's requests."""

    def __init__(self, vlan_supported=True):
        self.links = {}
        self.addrs = {}
        self.protos = {}
        self.vlan_supported = vlan_supported

    def add_link(self, name, kind=None, alias=None, master=None):
        index = len(self.links) + 1
        self.links[index] = {'ifname': name, 'kind': kind, 'alias': alias,
                             'master': master, 'mtu': 1500, 'up': False,
                             'forwarding': 0}
        return index

    def _msg(self, index):
        link = self.links[index]
        info = Msg(IFLA_INFO_KIND=link['kind']) if link['kind'] else None
        return Msg(index=index, flags=int(link['up']),
                   IFLA_IFNAME=link['ifname'], IFLA_IFALIAS=link['alias'],
                   IFLA_MASTER=link['master'], IFLA_MTU=link['mtu'],
                   IFLA_LINKINFO=info, IFLA_AF_SPEC=Msg(AF_INET={
                       'forwarding': link['forwarding']}))

    def link_lookup(self, ifname):
        return [i for i, link in self.links.items()
                if link['ifname'] == ifname]

    def get_links(self, *indexes):
        return [self._msg(i) for i in indexes or list(self.links)]

    def link(self, command, index=None, **kw):
        if command == 'add':
            if kw['kind'] == 'vlan' and not self.vlan_supported:
                raise netlink_exc.NetlinkError(95, 'Operation not supported')
            self.add_link(kw['ifname'], kind=kw['kind'])
            self.links[len(self.links)].update(
                {k: v for k, v in kw.items() if k in ('vlan_id', 'link')})
        elif command == 'set':
            link = self.links[index]
            for key, field in (('ifalias', 'alias'), ('master', 'master'),
                               ('mtu', 'mtu')):
                if key in kw:
                    link[field] = kw[key]
            link['up'] = link['up'] or kw.get('state') == 'up'
        elif command == 'del':
            del self.links[index]

    def get_addr(self, index, family):
        return [Msg(IFA_ADDRESS=a, prefixlen=p,
                    IFA_PROTO=self.protos.get((index, a, p)))
                for a, p in self.addrs.get(index, [])]

    def addr(self, command, index, address, prefixlen, proto=None):
        have = self.addrs.setdefault(index, [])
        if command == 'add':
            have.append((address, prefixlen))
            self.protos[(index, address, prefixlen)] = proto
        else:
            have.remove((address, prefixlen))
            self.protos.pop((index, address, prefixlen), None)

    def close(self):
        pass


@pytest.fixture
def ipr(driver):
    fake = FakeIPRoute()
    driver._iprs[threading.get_ident()] = fake
    driver.close = lambda: None
    return fake


def test_ensure_bridge_makes_marks_and_enslaves(driver, ipr):
    eth1 = ipr.add_link('eth1')
    driver.ensure_bridge('br100', 'eth1', mtu=1400)
    [bridge] = ipr.link_lookup(ifname='br100')
    assert ipr.links[bridge]['kind'] == 'bridge'
    assert ipr.links[bridge]['alias'] == 'nube'
    assert ipr.links[bridge]['up'] and ipr.links[bridge]['mtu'] == 1400
    assert ipr.links[eth1]['master'] == bridge
    assert driver.managed_bridges() == {'br100'}
    driver.ensure_bridge('br100', 'eth1', mtu=1400)   # idempotent
    assert len(ipr.links) == 2


def test_ensure_bridge_errors_name_the_culprit(driver, ipr):
    ipr.add_link('br100', kind='veth')
    with pytest.raises(exceptions.HostNetworkError, match='not a bridge'):
        driver.ensure_bridge('br100')
    with pytest.raises(exceptions.HostNetworkError, match='eth9'):
        driver.ensure_bridge('br101', 'eth9')


def test_set_gateway_exact_on_nube_bridge_additive_on_operators(driver, ipr):
    driver.ensure_bridge('br100')
    [nube_br] = ipr.link_lookup(ifname='br100')
    ipr.addrs[nube_br] = [('10.9.0.1', 24)]
    driver.set_gateway('br100', '10.1.0.1/24')
    driver.set_gateway('br100', '10.1.0.1/24')
    assert ipr.addrs[nube_br] == [('10.1.0.1', 24)]

    theirs = ipr.add_link('br200', kind='bridge')
    ipr.addrs[theirs] = [('192.0.2.10', 24)]
    driver.set_gateway('br200', '10.2.0.1/24')
    assert ipr.addrs[theirs] == [('192.0.2.10', 24), ('10.2.0.1', 24)]
    with pytest.raises(exceptions.HostNetworkError):
        driver.set_gateway('br100', '10.1.0.1')   # no prefix


def test_set_gateway_keeps_floating_addresses_as_host_routes(driver, ipr):
    driver.ensure_bridge('brex')
    [ext] = ipr.link_lookup(ifname='brex')
    ipr.addrs[ext] = [('172.24.4.1', 24), ('172.24.4.10', 32),
                      ('172.24.4.99', 32)]
    driver.set_gateway('brex', '172.24.4.1/24',
                       ['172.24.4.10', '172.24.4.11', '172.24.4.11'])
    assert ipr.addrs[ext] == [('172.24.4.1', 24), ('172.24.4.10', 32),
                              ('172.24.4.11', 32)]
    driver.set_gateway('brex', None, ['172.24.4.11'])
    assert ipr.addrs[ext] == [('172.24.4.11', 32)]

    # An operator's bridge: theirs stay, nube's (IFA_PROTO) follow.
    theirs = ipr.add_link('bropr', kind='bridge')
    ipr.addrs[theirs] = [('192.0.2.10', 24), ('192.0.2.30', 32)]
    driver.set_gateway('bropr', None, ['192.0.2.20'])
    assert ipr.addrs[theirs] == [('192.0.2.10', 24), ('192.0.2.30', 32),
                                 ('192.0.2.20', 32)]
    assert ipr.protos[(theirs, '192.0.2.20', 32)] == linux_net.ADDR_PROTO
    driver.set_gateway('bropr', None, ['192.0.2.21'])
    assert ipr.addrs[theirs] == [('192.0.2.10', 24), ('192.0.2.30', 32),
                                 ('192.0.2.21', 32)]
    for hostile in (['172.24.4.12/32'], ['172.24.4.12\n'], [None]):
        with pytest.raises(exceptions.HostNetworkError):
            driver.set_gateway('brex', None, hostile)
    assert ipr.addrs[ext] == [('172.24.4.11', 32)]


def test_nube_bridges_route_operator_bridges_are_left_alone(driver, ipr):
    """Forwarding per bridge (floating IPs cross from the external bridge
    to a guest's), set only where it is off; never the global switch."""
    sysctl = ['sysctl', '-q', '-w', 'net/ipv4/conf/br100/forwarding=1']
    driver.ensure_bridge('br100')
    assert [argv for argv, _ in driver._run.calls] == [sysctl]
    [bridge] = ipr.link_lookup(ifname='br100')
    ipr.links[bridge]['forwarding'] = 1
    driver.ensure_bridge('br100')
    assert len(driver._run.calls) == 1
    ipr.add_link('bropr', kind='bridge')
    driver.ensure_bridge('bropr')
    assert len(driver._run.calls) == 1


def test_remove_bridge_only_removes_nube_bridges(driver, ipr):
    ipr.add_link('br200', kind='bridge')
    driver.remove_bridge('br200')
    driver.remove_bridge('brmissing')
    assert ipr.link_lookup(ifname='br200')
    driver.ensure_bridge('br100')
    driver.remove_bridge('br100')
    assert not ipr.link_lookup(ifname='br100')


def test_ensure_vlan_makes_the_device(driver, ipr):
    eth1 = ipr.add_link('eth1')
    assert driver.ensure_vlan(100, 'eth1', mtu=1400) == 'vlan100'
    [dev] = ipr.link_lookup(ifname='vlan100')
    link = ipr.links[dev]
    assert (link['kind'], link['vlan_id'], link['link'], link['alias'],
            link['mtu'], link['up']) == ('vlan', 100, eth1, 'nube', 1400,
                                         True)
    assert driver.ensure_vlan(100, 'eth1') == 'vlan100'
    driver.ensure_bridge('brv100', 'vlan100')
    driver.remove_bridge('brv100')   # takes nube's VLAN device with it
    assert not ipr.link_lookup(ifname='vlan100')


def test_ensure_vlan_without_8021q_says_so(driver, ipr):
    """What happens on a kernel without 8021q (like the functional test
    machine, where this step cannot run for real)."""
    ipr.vlan_supported = False
    ipr.add_link('eth1')
    with pytest.raises(exceptions.HostNetworkError, match='8021q'):
        driver.ensure_vlan(100, 'eth1')
    with pytest.raises(exceptions.HostNetworkError, match='eth7'):
        driver.ensure_vlan(100, 'eth7')
    for bad in (0, 4095, '100', True):
        with pytest.raises(exceptions.HostNetworkError):
            driver.ensure_vlan(bad, 'eth1')


def test_cleanup_all(driver, ipr, monkeypatch):
    procs = _running(driver, monkeypatch)
    monkeypatch.setattr(os, 'kill', lambda pid, sig: procs.argv.pop(pid))
    unjump = ('iptables', '-w', '-D', 'FORWARD', '-j', 'nube-forward')
    driver._run = Recorder({LIST: SAVE}, failing=[unjump])
    ipr.add_link('eth1')
    ipr.add_link('br200', kind='bridge')
    driver.ensure_bridge('br100', 'eth1')
    driver.cleanup_all()
    assert procs.argv == {} and driver.dhcp_networks() == set()
    assert sorted(link['ifname'] for link in ipr.links.values()) == [
        'br200', 'eth1']
    assert [argv for argv, _ in driver._run.calls][1:] == [
        list(LIST),
        ['iptables', '-w', '-D', 'FORWARD', '-j', 'nube-forward'],
        ['iptables', '-w', '-D', 'FORWARD', '-j', 'nube-forward'],
        ['iptables', '-w', '-F', 'nube-forward'],
        ['iptables', '-w', '-X', 'nube-forward'],
        # Security groups and floating IPs (none here: see
        # test_firewall.py for their removal).
        ['iptables-save', '-t', 'filter'], ['iptables-save', '-t', 'nat'],
        ['/usr/sbin/ipset', 'save']]
    assert driver._run.calls[0][0][0] == 'sysctl'   # ensure_bridge
