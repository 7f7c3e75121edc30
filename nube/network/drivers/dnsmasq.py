"""DHCP for linux_net: one dnsmasq per network, run from files under
``networks_path/<network id>/`` (hosts, opts, leases, pid, log).

Kept apart from the driver's netlink and iptables work: it is a
different concern with its own state: the files dnsmasq reads, the
processes it runs and the leases it keeps. The pure functions make that
text and argv (unit tested on their own); DnsmasqMixin decides whether a
running dnsmasq can be kept, reloaded or must be replaced.

dnsmasq drops root for ``nobody`` and re-reads the hosts and options
files as that user on SIGHUP, so ``networks_path`` must be traversable
by it; the files are written world-readable (addresses and MACs only).
"""

import ipaddress
import os
import shutil
import signal
import time

from oslo_log import log as logging

import nube.conf
from nube.network.drivers import base
from nube.network import exceptions

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

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


class DnsmasqMixin:
    """The DHCP methods of LinuxNetDriver (update_dhcp, stop_dhcp,
    dhcp_networks and their helpers).

    Relies on the driver for: ``_run(argv, input=None, check=True)``
    (commands in the host namespace), ``_lock`` (an RLock held while
    files and processes change), ``namespace`` (the host namespace name
    or None), ``networks_path`` (where each network's directory lives),
    ``dnsmasq`` (path of the binary) and ``dhcp_release`` (path of
    dhcp_release or None).
    """

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
