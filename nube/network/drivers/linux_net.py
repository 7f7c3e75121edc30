"""Linux data plane: bridges and addresses through netlink (pyroute2),
isolation in iptables; DHCP (one dnsmasq per network) is in dnsmasq.py,
mixed in to LinuxNetDriver.

Security groups and floating IPs (iptables, ipset) are in firewall.py,
mixed in too.

What nube made is recognisable after a restart without any state of its
own: its bridges and VLAN devices carry the link alias ``nube``, its
dnsmasq processes are named by the pid files under ``networks_path``,
its rules live in the ``nube-forward`` chain and firewall.py's chains
and ipsets. With [network] host_namespace set, all of it happens inside
that network namespace.

Bridges nube makes route IPv4 (per-interface forwarding, never the
global ip_forward): floating IP traffic goes from the external bridge
to a guest bridge through the host.
"""

import ctypes
import os
import shutil
import socket
import subprocess
import threading

from oslo_log import log as logging
import pyroute2
from pyroute2.netlink import exceptions as netlink_exc

import nube.conf
from nube.network.drivers import base
from nube.network.drivers import dnsmasq
from nube.network.drivers import firewall
from nube.network import exceptions

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

ALIAS = 'nube'
CHAIN = firewall.ISOLATION_CHAIN
# IFA_PROTO of the addresses nube adds (Linux >= 6.1 keeps it): on a
# bridge the operator made, those are the ones nube may take away again
# (a floating IP that left). Older kernels ignore it: additive there.
ADDR_PROTO = 0x4e


def isolation_rules(bridges_by_group):
    """``iptables -S`` lines dropping forwarding across groups."""
    members = sorted({(base.validate_ifname(br, 'bridge name'), str(group))
                      for group, bridges in bridges_by_group.items()
                      for br in bridges})
    return ['-A %s -i %s -o %s -j DROP' % (CHAIN, a, b)
            for a, group_a in members for b, group_b in members
            if group_a != group_b and a != b]


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


def _forwarding(link):
    """The link's IPv4 forwarding flag as netlink reports it (None when
    the message does not say)."""
    spec = link.get_attr('IFLA_AF_SPEC')
    inet = spec.get_attr('AF_INET') if spec else None
    return inet.get('forwarding') if isinstance(inet, dict) else None


class LinuxNetDriver(dnsmasq.DnsmasqMixin, firewall.FirewallMixin,
                     base.NetworkDriver):

    def __init__(self, namespace=None, networks_path=None):
        namespace = namespace or CONF.network.host_namespace
        self.namespace = (base.validate_ifname(namespace, 'namespace name')
                          if namespace else None)
        self.networks_path = networks_path or CONF.network.networks_path
        self.dnsmasq = shutil.which('dnsmasq') or '/usr/sbin/dnsmasq'
        # dnsmasq-utils; without it stale leases cost a dnsmasq restart.
        self.dhcp_release = shutil.which('dhcp_release')
        # Remote-group rules need ipset; conntrack forgets the flows of
        # a floating IP that moved (optional).
        self.ipset = shutil.which('ipset')
        self.conntrack = shutil.which('conntrack')
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
            made = bridge is None
            if made:
                LOG.info('Creating bridge %s', name)
                bridge = self._make_link(name, kind='bridge')
            elif _link_kind(bridge) != 'bridge':
                raise exceptions.HostNetworkError(
                    reason='%s exists and is not a bridge' % name)
            if interface:
                self._enslave(bridge, interface, mtu)
            self._up(bridge, **({'mtu': mtu} if mtu else {}))
            if (made or self._is_nube(bridge)) and _forwarding(bridge) != 1:
                self._route_on(name)

    def _route_on(self, name):
        """IPv4 forwarding on link ``name`` only (what routing between
        nube's bridges needs), set inside the host namespace."""
        self._run(['sysctl', '-q', '-w', 'net/ipv4/conf/%s/forwarding=1' %
                   base.validate_ifname(name)])

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

    def set_gateway(self, bridge, cidr, extra_addresses=()):
        bridge = base.validate_ifname(bridge, 'bridge name')
        wanted = []
        if cidr is not None:
            gateway = base.validate_ipv4_interface(cidr)
            wanted.append((str(gateway.ip), gateway.network.prefixlen))
        for address in extra_addresses:
            extra = (str(base.validate_ipv4(address)), 32)
            if extra not in wanted:
                wanted.append(extra)
        with self._lock:
            link = self._link(bridge)
            if link is None:
                raise exceptions.HostNetworkError(
                    reason='bridge %s does not exist' % bridge)
            present = set()
            for addr in self._netlink('reading addresses of %s' % bridge,
                                      'get_addr', index=link['index'],
                                      family=2):
                have = (addr.get_attr('IFA_ADDRESS'), addr['prefixlen'])
                if have in wanted:
                    present.add(have)
                elif self._is_nube(link) or addr.get_attr(
                        'IFA_PROTO') == ADDR_PROTO:
                    self._netlink('removing %s/%s' % have, 'addr', 'del',
                                  index=link['index'], address=have[0],
                                  prefixlen=have[1])
            for address, prefixlen in wanted:
                if (address, prefixlen) not in present:
                    self._netlink('adding %s/%d to %s' % (
                        address, prefixlen, bridge), 'addr', 'add',
                        index=link['index'], address=address,
                        prefixlen=prefixlen, proto=ADDR_PROTO)
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

    # -- DHCP: dnsmasq.DnsmasqMixin ----------------------------------------

    # -- security groups, floating IPs: firewall.FirewallMixin -------------

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
            self._cleanup_firewall()
            for name in self.managed_bridges():
                self.remove_bridge(name)
            for link in self._links():
                if self._is_nube(link):
                    self._netlink('deleting %s' % link.get_attr('IFLA_IFNAME'),
                                  'link', 'del', index=link['index'])
            self.close()
