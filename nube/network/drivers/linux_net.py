"""Linux data plane: bridges and addresses through netlink (pyroute2),
one dnsmasq per DHCP network, isolation in iptables.

What nube made is recognisable after a restart without any state of its
own: its bridges and VLAN devices carry the link alias ``nube``, its
dnsmasq processes are named by the pid files under ``networks_path``,
its rules live in the ``nube-forward`` chain. With [network]
host_namespace set, all of it happens inside that network namespace.

dnsmasq drops root for ``nobody`` and re-reads the hosts and options
files as that user on SIGHUP, so ``networks_path`` must be traversable
by it; the files are written world-readable (addresses and MACs only).
"""

import ctypes
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

from oslo_log import log as logging
import pyroute2
from pyroute2.netlink import exceptions as netlink_exc

import nube.conf
from nube.network.drivers import base
from nube.network import exceptions

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

ALIAS = 'nube'
CHAIN = 'nube-forward'
DHCP_TAG = 'nube0'
STOP_TIMEOUT = 5.0
START_TIMEOUT = 10.0


def _host_name(address):
    return 'host-' + str(address).replace('.', '-')


def hosts_file(hosts, network):
    """dhcp-hostsfile text: one ``MAC,host-A-B-C-D,A.B.C.D`` per host."""
    lines, seen = [], set()
    for mac, ip in hosts:
        mac = base.validate_mac(mac)
        address = base.validate_ipv4(ip, within=network)
        if mac in seen:
            continue   # one address per MAC: the first one given wins
        seen.add(mac)
        lines.append('%s,%s,%s\n' % (mac, _host_name(address), address))
    return ''.join(sorted(lines))


def stale_leases(leases_text, hosts_text):
    """(address, mac) of leases the hosts file no longer gives that MAC:
    a deleted port's, or one whose address a new port took. dnsmasq keeps
    them until they expire and meanwhile refuses the address to its new
    owner."""
    wanted = set()
    for line in hosts_text.splitlines():
        mac, _name, address = line.split(',')
        wanted.add((address, mac))
    stale = []
    for line in leases_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mac, address = fields[1].lower(), fields[2]
        if (address, mac) not in wanted:
            stale.append((address, mac))
    return stale


def opts_file(options):
    """dhcp-optsfile text. An empty option tells dnsmasq to send none
    (else it offers itself as router)."""
    router = options.get('router')
    router = str(base.validate_ipv4(router)) if router else ''
    dns = [str(base.validate_ipv4(ip)) for ip in options.get('dns-server')
           or ()]
    # A client that takes option 121 ignores the router option (RFC
    # 3442): the default route goes in as well.
    routes = []
    for destination, nexthop in options.get('classless-static-route') or ():
        routes += [str(ipaddress.IPv4Network(destination)),
                   str(base.validate_ipv4(nexthop))]
    if routes and router:
        routes += ['0.0.0.0/0', router]
    lines = [('router', [router] if router else []), ('dns-server', dns)]
    if routes:
        lines.append(('classless-static-route', routes))
    return ''.join('tag:%s,option:%s\n' % (DHCP_TAG, ','.join([name] + v))
                   for name, v in lines)


def dnsmasq_argv(dnsmasq, directory, bridge, network, lease_time):
    """The exact command line of a network's dnsmasq (also what a running
    one is compared with to decide whether it can be kept)."""
    path = lambda name: os.path.join(directory, name)
    return [
        dnsmasq, '--conf-file=/dev/null', '--no-hosts', '--no-resolv',
        '--strict-order', '--port=0', '--bind-interfaces',
        '--interface=%s' % base.validate_ifname(bridge, 'bridge name'),
        '--except-interface=lo',
        '--dhcp-range=set:%s,%s,static,%s,%ds' % (
            DHCP_TAG, network.network_address, network.netmask, lease_time),
        '--dhcp-lease-max=%d' % network.num_addresses,
        '--dhcp-hostsfile=%s' % path('hosts'),
        '--dhcp-optsfile=%s' % path('opts'),
        '--dhcp-leasefile=%s' % path('leases'),
        '--pid-file=%s' % path('pid'),
        '--log-facility=%s' % path('log'),
        '--dhcp-authoritative', '--quiet-dhcp']


def isolation_rules(bridges_by_group):
    """``iptables -S`` lines dropping forwarding across groups."""
    members = sorted({(base.validate_ifname(br, 'bridge name'), str(group))
                      for group, bridges in bridges_by_group.items()
                      for br in bridges})
    return ['-A %s -i %s -o %s -j DROP' % (CHAIN, a, b)
            for a, group_a in members for b, group_b in members
            if group_a != group_b and a != b]


def _write_if_changed(path, text):
    """Atomically replace ``path`` by ``text``; whether it changed."""
    try:
        with open(path) as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    tmp = '%s.tmp' % path
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return True


def _alive(pid):
    """Exists and is not a zombie (nobody may reap a daemon here)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def _cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            raw = f.read()
    except OSError:
        return []
    return [a.decode(errors='replace') for a in raw.split(b'\0')[:-1]]


def _setns(fd):
    if hasattr(os, 'setns'):   # Python >= 3.12
        return os.setns(fd, os.CLONE_NEWNET)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, 0x40000000):   # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), 'setns failed')


def netlink_socket_in(namespace):
    """A NETLINK_ROUTE socket of ``namespace``: this thread enters it
    just to make the socket, then comes back. (pyroute2's NetNS forks a
    helper for this, which fails in eventlet-patched nube services.)"""
    own = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    try:
        target = os.open('/run/netns/%s' % namespace, os.O_RDONLY)
        try:
            _setns(target)
            try:
                return socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM,
                                     0)
            finally:
                _setns(own)
        finally:
            os.close(target)
    finally:
        os.close(own)


def _link_kind(link):
    info = link.get_attr('IFLA_LINKINFO')
    return info.get_attr('IFLA_INFO_KIND') if info else None


class LinuxNetDriver(base.NetworkDriver):

    def __init__(self, namespace=None, networks_path=None):
        namespace = namespace or CONF.network.host_namespace
        self.namespace = (base.validate_ifname(namespace, 'namespace name')
                          if namespace else None)
        self.networks_path = networks_path or CONF.network.networks_path
        self.dnsmasq = shutil.which('dnsmasq') or '/usr/sbin/dnsmasq'
        # dnsmasq-utils; without it stale leases cost a dnsmasq restart.
        self.dhcp_release = shutil.which('dhcp_release')
        self._prefix = ([shutil.which('ip') or 'ip', 'netns', 'exec',
                         self.namespace] if self.namespace else [])
        self._lock = threading.RLock()
        self._iprs = {}

    # -- netlink -----------------------------------------------------------

    def _netlink(self, what, method, *args, **kwargs):
        """Call IPRoute ``method`` on this thread's socket, kept open
        (reopened after an error); NetlinkError becomes HostNetworkError
        naming ``what``. One socket per thread: pyroute2 ties a socket to
        the event loop of the thread that made it."""
        with self._lock:
            ident = threading.get_ident()
            try:
                ipr = self._iprs.get(ident)
                if ipr is None:
                    # nube's socket, detached, handed to IPRoute: a socket
                    # IPRoute makes itself is an eventlet GreenSocket in
                    # nube-network, which closes the fd under IPRoute
                    # when it is collected.
                    sock = (netlink_socket_in(self.namespace)
                            if self.namespace else socket.socket(
                                socket.AF_NETLINK, socket.SOCK_DGRAM, 0))
                    ipr = self._iprs[ident] = pyroute2.IPRoute(
                        fileno=sock.detach())
                return getattr(ipr, method)(*args, **kwargs)
            except (netlink_exc.NetlinkError, OSError, ValueError) as exc:
                self._close(ident)
                reason = '%s: %s' % (what, exc)
                if isinstance(exc, FileNotFoundError) and self.namespace:
                    reason += ' (no network namespace %s?)' % self.namespace
                raise exceptions.HostNetworkError(reason=reason)

    def _close(self, ident):
        ipr = self._iprs.pop(ident, None)
        if ipr is not None:
            try:
                ipr.close()
            except Exception:  # noqa: BLE001 - closing a dead socket
                pass

    def close(self):
        with self._lock:
            for ident in list(self._iprs):
                self._close(ident)

    def _link(self, name):
        """The link message of ``name``, or None."""
        index = self._netlink('looking up %s' % name, 'link_lookup',
                              ifname=name)
        if not index:
            return None
        return self._netlink('reading %s' % name, 'get_links', index[0])[0]

    def _links(self):
        return self._netlink('listing links', 'get_links')

    def _make_link(self, name, **spec):
        self._netlink('creating %s' % name, 'link', 'add', ifname=name,
                      **spec)
        link = self._link(name)
        self._netlink('marking %s' % name, 'link', 'set',
                      index=link['index'], ifalias=ALIAS)
        return link

    def _up(self, link, **changes):
        if link.get_attr('IFLA_MTU') == changes.get('mtu'):
            changes.pop('mtu')
        if not link['flags'] & 1 or changes:
            self._netlink('setting up %s' % link.get_attr('IFLA_IFNAME'),
                          'link', 'set', index=link['index'], state='up',
                          **changes)

    def bridge_exists(self, name):
        link = self._link(base.validate_ifname(name, 'bridge name'))
        return link is not None and _link_kind(link) == 'bridge'

    def ensure_bridge(self, name, interface=None, mtu=None):
        name = base.validate_ifname(name, 'bridge name')
        with self._lock:
            bridge = self._link(name)
            if bridge is None:
                LOG.info('Creating bridge %s', name)
                bridge = self._make_link(name, kind='bridge')
            elif _link_kind(bridge) != 'bridge':
                raise exceptions.HostNetworkError(
                    reason='%s exists and is not a bridge' % name)
            if interface:
                self._enslave(bridge, interface, mtu)
            self._up(bridge, **({'mtu': mtu} if mtu else {}))

    def _enslave(self, bridge, interface, mtu):
        interface = base.validate_ifname(interface)
        port = self._link(interface)
        if port is None:
            raise exceptions.HostNetworkError(
                reason='interface %s for bridge %s does not exist' % (
                    interface, bridge.get_attr('IFLA_IFNAME')))
        changes = {'mtu': mtu} if mtu else {}
        if port.get_attr('IFLA_MASTER') != bridge['index']:
            changes['master'] = bridge['index']
        self._up(port, **changes)

    def _is_nube(self, link):
        return link is not None and link.get_attr('IFLA_IFALIAS') == ALIAS

    def remove_bridge(self, name):
        name = base.validate_ifname(name, 'bridge name')
        with self._lock:
            bridge = self._link(name)
            if bridge is None:
                return
            if not self._is_nube(bridge) or _link_kind(bridge) != 'bridge':
                LOG.info('Leaving bridge %s: nube did not make it', name)
                return
            for link in self._links():
                if (link.get_attr('IFLA_MASTER') == bridge['index'] and
                        self._is_nube(link) and _link_kind(link) == 'vlan'):
                    self._netlink('deleting VLAN device', 'link', 'del',
                                  index=link['index'])
            LOG.info('Deleting bridge %s', name)
            self._netlink('deleting bridge %s' % name, 'link', 'del',
                          index=bridge['index'])

    def managed_bridges(self):
        return {link.get_attr('IFLA_IFNAME') for link in self._links()
                if self._is_nube(link) and _link_kind(link) == 'bridge'}

    def set_gateway(self, bridge, cidr):
        bridge = base.validate_ifname(bridge, 'bridge name')
        wanted = base.validate_ipv4_interface(cidr)
        with self._lock:
            link = self._link(bridge)
            if link is None:
                raise exceptions.HostNetworkError(
                    reason='bridge %s does not exist' % bridge)
            present = False
            for addr in self._netlink('reading addresses of %s' % bridge,
                                      'get_addr', index=link['index'],
                                      family=2):
                have = (addr.get_attr('IFA_ADDRESS'), addr['prefixlen'])
                if have == (str(wanted.ip), wanted.network.prefixlen):
                    present = True
                elif self._is_nube(link):
                    self._netlink('removing %s/%s' % have, 'addr', 'del',
                                  index=link['index'], address=have[0],
                                  prefixlen=have[1])
            if not present:
                self._netlink('adding %s to %s' % (wanted, bridge), 'addr',
                              'add', index=link['index'],
                              address=str(wanted.ip),
                              prefixlen=wanted.network.prefixlen)
            self._up(link)

    def ensure_vlan(self, vlan_id, interface, mtu=None):
        vlan_id = base.validate_vlan_id(vlan_id)
        interface = base.validate_ifname(interface)
        name = 'vlan%d' % vlan_id
        with self._lock:
            link = self._link(name)
            if link is None:
                parent = self._link(interface)
                if parent is None:
                    raise exceptions.HostNetworkError(
                        reason='VLAN interface %s does not exist' % interface)
                try:
                    link = self._make_link(name, kind='vlan', vlan_id=vlan_id,
                                           link=parent['index'])
                except exceptions.HostNetworkError as exc:
                    raise exceptions.HostNetworkError(
                        reason='cannot make VLAN device %s on %s (is the '
                               '8021q kernel module available?): %s' % (
                                   name, interface, exc.kwargs['reason']))
            elif _link_kind(link) != 'vlan':
                raise exceptions.HostNetworkError(
                    reason='%s exists and is not a VLAN device' % name)
            self._up(link, **({'mtu': mtu} if mtu else {}))
        return name

    # -- commands ----------------------------------------------------------

    def _run(self, argv, input=None, check=True):
        """Run ``argv`` (a list, never a shell) in the host namespace."""
        argv = self._prefix + argv
        try:
            proc = subprocess.run(argv, input=input, capture_output=True,
                                  text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise exceptions.HostNetworkError(
                reason='%s: %s' % (' '.join(argv), exc))
        if check and proc.returncode:
            raise exceptions.HostNetworkError(
                reason='%s exited %d: %s' % (' '.join(argv), proc.returncode,
                                            proc.stderr.strip()[-500:]))
        return proc

    # -- DHCP --------------------------------------------------------------

    def _directory(self, network_id):
        return os.path.join(self.networks_path, network_id)

    def update_dhcp(self, network_id, bridge, subnet, hosts, options):
        network_id = base.validate_uuid(network_id)
        network = base.validate_ipv4_network(subnet)
        directory = self._directory(network_id)
        argv = dnsmasq_argv(self.dnsmasq, directory, bridge, network,
                            CONF.network.dhcp_lease_time)
        hosts_text = hosts_file(hosts, network)
        opts_text = opts_file(options)
        with self._lock:
            os.makedirs(directory, mode=0o755, exist_ok=True)
            changed = _write_if_changed(os.path.join(directory, 'hosts'),
                                        hosts_text)
            changed |= _write_if_changed(os.path.join(directory, 'opts'),
                                         opts_text)
            pid = self._dnsmasq_pid(directory)
            if pid and _cmdline(pid) == argv and self._in_namespace(pid):
                if changed:
                    LOG.info('Reloading dnsmasq %d of network %s', pid,
                             network_id)
                    os.kill(pid, signal.SIGHUP)
                if self._release_stale(directory, bridge, hosts_text):
                    return
                LOG.info('Restarting dnsmasq %d of network %s to drop '
                         'stale leases', pid, network_id)
            elif pid:
                LOG.info('Replacing dnsmasq %d of network %s', pid,
                         network_id)
            if pid:
                self._kill(pid)
            self._drop_stale(directory, hosts_text)
            self._start_dnsmasq(argv, directory)

    def _leases(self, directory):
        try:
            with open(os.path.join(directory, 'leases')) as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def _release_stale(self, directory, bridge, hosts_text):
        """Tell the running dnsmasq to forget stale leases (dhcp_release,
        as nova-network did); False when that cannot be done here."""
        stale = stale_leases(self._leases(directory), hosts_text)
        if not stale:
            return True
        if not self.dhcp_release:
            return False
        for address, mac in stale:
            LOG.info('Releasing the lease of %s to %s', address, mac)
            self._run([self.dhcp_release,
                       base.validate_ifname(bridge, 'bridge name'),
                       str(base.validate_ipv4(address)),
                       base.validate_mac(mac)], check=False)
        return True

    def _drop_stale(self, directory, hosts_text):
        """The lease file without stale leases (dnsmasq stopped)."""
        text = self._leases(directory)
        stale = set(stale_leases(text, hosts_text))
        kept = ''.join(
            line + '\n' for line in text.splitlines()
            if len(line.split()) < 3 or
            (line.split()[2], line.split()[1].lower()) not in stale)
        _write_if_changed(os.path.join(directory, 'leases'), kept)

    def _dnsmasq_pid(self, directory):
        """The pid in the pid file if it is a live dnsmasq nube started for
        this directory (a recycled pid is never taken for it)."""
        try:
            with open(os.path.join(directory, 'pid')) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return None
        argv = _cmdline(pid)
        mine = '--pid-file=%s' % os.path.join(directory, 'pid')
        if (argv and os.path.basename(argv[0]) == 'dnsmasq' and mine in argv
                and _alive(pid)):
            return pid
        return None

    def _in_namespace(self, pid):
        ours = ('/run/netns/%s' % self.namespace if self.namespace
                else '/proc/self/ns/net')
        try:
            a, b = os.stat('/proc/%d/ns/net' % pid), os.stat(ours)
        except OSError:
            return False
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

    def _kill(self, pid):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + STOP_TIMEOUT
            while time.monotonic() < deadline:
                if not _alive(pid):
                    return
                time.sleep(0.05)
        raise exceptions.HostNetworkError(
            reason='dnsmasq %d does not stop' % pid)

    def _start_dnsmasq(self, argv, directory):
        try:
            os.unlink(os.path.join(directory, 'pid'))
        except FileNotFoundError:
            pass
        LOG.info('Starting %s', ' '.join(argv))
        self._run(argv)
        deadline = time.monotonic() + START_TIMEOUT
        while self._dnsmasq_pid(directory) is None:
            if time.monotonic() > deadline:
                raise exceptions.HostNetworkError(
                    reason='dnsmasq for %s wrote no pid file' % directory)
            time.sleep(0.05)

    def stop_dhcp(self, network_id):
        network_id = base.validate_uuid(network_id)
        directory = self._directory(network_id)
        with self._lock:
            pid = self._dnsmasq_pid(directory)
            if pid:
                LOG.info('Stopping dnsmasq %d of network %s', pid,
                         network_id)
                self._kill(pid)
            shutil.rmtree(directory, ignore_errors=True)

    def dhcp_networks(self):
        try:
            names = os.listdir(self.networks_path)
        except FileNotFoundError:
            return set()
        found = set()
        for name in names:
            try:
                canonical = base.validate_uuid(name)
            except exceptions.HostNetworkError:
                continue
            if canonical == name and os.path.isdir(self._directory(name)):
                found.add(name)
        return found

    # -- isolation ---------------------------------------------------------

    def _current_rules(self):
        """(nube's chain as ``-S`` lines or None if absent, whether
        FORWARD jumps to it)."""
        exists, rules, jumped = False, [], False
        for line in self._run(['iptables', '-w', '-S']).stdout.splitlines():
            if line == '-N %s' % CHAIN:
                exists = True
            elif line.startswith('-A %s ' % CHAIN):
                rules.append(line)
            elif line == '-A FORWARD -j %s' % CHAIN:
                jumped = True
        return (rules if exists else None), jumped

    def apply_isolation(self, bridges_by_group):
        rules = isolation_rules(bridges_by_group)
        with self._lock:
            current, jumped = self._current_rules()
            if current != rules:
                LOG.info('Applying %d isolation rules', len(rules))
                self._run(['iptables-restore', '-w', '--noflush'],
                          input='*filter\n:%s - [0:0]\n%sCOMMIT\n' % (
                              CHAIN, ''.join(r + '\n' for r in rules)))
            if not jumped:
                self._run(['iptables', '-w', '-I', 'FORWARD', '1', '-j',
                           CHAIN])

    # -- everything --------------------------------------------------------

    def cleanup_all(self):
        with self._lock:
            for network_id in self.dhcp_networks():
                self.stop_dhcp(network_id)
            current, jumped = self._current_rules()
            for _ in range(100):
                if not jumped:
                    break
                jumped = not self._run(['iptables', '-w', '-D', 'FORWARD',
                                        '-j', CHAIN], check=False).returncode
            if current is not None:
                self._run(['iptables', '-w', '-F', CHAIN])
                self._run(['iptables', '-w', '-X', CHAIN])
            for name in self.managed_bridges():
                self.remove_bridge(name)
            for link in self._links():
                if self._is_nube(link):
                    self._netlink('deleting %s' % link.get_attr('IFLA_IFNAME'),
                                  'link', 'del', index=link['index'])
            self.close()
