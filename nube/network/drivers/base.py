"""The host primitives a network manager builds networks from, and the
checks every driver applies to what it is given.

Managers pass values that come from the database, so ultimately from
users: a driver refuses anything that does not look exactly like a
bridge name, a MAC, an address or a UUID before it reaches a file, an
argv or a netlink request (``validate_*`` below).
"""

import abc
import ipaddress
import re
import uuid

from nube.network import exceptions

# Linux link names: at most 15 bytes; no '/', ':', blanks or ';'.
_IFNAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,14}')
_MAC = re.compile(r'[0-9a-f]{2}(:[0-9a-f]{2}){5}')


def _refuse(what, value):
    raise exceptions.HostNetworkError(reason='refusing %s %r' % (what, value))


def validate_ifname(value, what='interface name'):
    """A link (or namespace) name, returned unchanged."""
    if not isinstance(value, str) or not _IFNAME.fullmatch(value):
        _refuse(what, value)
    return value


def validate_mac(value):
    """A MAC in lower case (upper case input is folded, nothing else)."""
    if not isinstance(value, str) or not _MAC.fullmatch(value.lower()):
        _refuse('MAC address', value)
    return value.lower()


def validate_ipv4(value, within=None):
    """An IPv4 address, optionally one inside network ``within``."""
    if not isinstance(value, str):
        _refuse('IPv4 address', value)
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        _refuse('IPv4 address', value)
    if within is not None and address not in within:
        _refuse('address outside %s:' % within, value)
    return address


def validate_ipv4_network(value):
    """An IPv4 CIDR such as '10.1.0.0/24' (host bits must be zero)."""
    if not isinstance(value, str):
        _refuse('IPv4 CIDR', value)
    try:
        return ipaddress.IPv4Network(value)
    except ValueError:
        _refuse('IPv4 CIDR', value)


def validate_ipv4_prefix(value):
    """A CIDR a user gave (host bits allowed, as Neutron takes
    remote_ip_prefix '10.0.0.5/24'), returned as its network."""
    if not isinstance(value, str) or value.strip() != value:
        _refuse('IPv4 prefix', value)
    try:
        return ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        _refuse('IPv4 prefix', value)


def validate_ipv4_interface(value):
    """An address with its prefix such as '10.1.0.1/24'."""
    if not isinstance(value, str) or '/' not in value:
        _refuse('address/prefix', value)
    try:
        return ipaddress.IPv4Interface(value)
    except ValueError:
        _refuse('address/prefix', value)


def validate_uuid(value, what='network id'):
    """An id, returned in canonical form (safe as a path part)."""
    if not isinstance(value, (str, uuid.UUID)):
        _refuse(what, value)
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        _refuse(what, value)


def validate_int(value, low, high, what):
    """An int (not a bool, not a string) in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or \
            not low <= value <= high:
        _refuse(what, value)
    return value


def validate_vlan_id(value):
    if isinstance(value, bool) or not isinstance(value, int) or \
            not 1 <= value <= 4094:
        _refuse('VLAN id', value)
    return value


class NetworkDriver(abc.ABC):
    """What a manager may ask of a host. Every call is idempotent: the
    managers call them on every sync with the whole desired state."""

    @abc.abstractmethod
    def bridge_exists(self, name):
        """Whether a bridge called ``name`` exists (operator-made or not)."""

    @abc.abstractmethod
    def ensure_bridge(self, name, interface=None, mtu=None):
        """Make bridge ``name`` (if absent) and bring it up; enslave
        ``interface`` to it when given; set ``mtu`` when given."""

    @abc.abstractmethod
    def remove_bridge(self, name):
        """Delete bridge ``name`` and the VLAN devices nube made in it,
        only if nube made the bridge (an operator's bridge stays)."""

    @abc.abstractmethod
    def managed_bridges(self):
        """Names of the bridges nube made on this host (set)."""

    @abc.abstractmethod
    def set_gateway(self, bridge, cidr, extra_addresses=()):
        """Put address/prefix ``cidr`` ('10.1.0.1/24', or None for none)
        and each of ``extra_addresses`` as a /32 (the floating IPs of an
        external network, so the host answers ARP for them) on
        ``bridge``, and no other IPv4 address if nube made the bridge
        (on another bridge, only what nube added before may go)."""

    @abc.abstractmethod
    def ensure_vlan(self, vlan_id, interface, mtu=None):
        """Make VLAN device ``vlan<ID>`` on ``interface``; its name."""

    @abc.abstractmethod
    def update_dhcp(self, network_id, bridge, subnet, hosts, options):
        """Serve DHCP for one network on ``bridge``.

        subnet: its CIDR; hosts: (mac, ip) pairs, the only clients that
        get a lease; options: {'router': ip or None, 'dns-server': [ip]}.
        Starts the server if needed, reloads it if hosts or options
        changed, does nothing otherwise.
        """

    @abc.abstractmethod
    def stop_dhcp(self, network_id):
        """Stop that network's DHCP server and forget its state."""

    @abc.abstractmethod
    def dhcp_networks(self):
        """Ids of the networks with DHCP state on this host (set)."""

    @abc.abstractmethod
    def apply_isolation(self, bridges_by_group):
        """{group: [bridge, ...]}: forwarding between bridges of different
        groups is dropped; any earlier isolation is replaced."""

    @abc.abstractmethod
    def apply_filters(self, ports, groups):
        """Security groups: stateful filtering of each port's traffic.

        ports: [{'id': port id, 'addresses': [IPv4, ...],
        'security_groups': [group id, ...], 'bridge': name (optional:
        matches the port's traffic on its bridge only, so two networks
        with the same addresses do not share rules)}], every port of
        this host to filter (not the 'network:*' ones).
        groups: {group id: {'id', 'rules': [{'direction', 'ethertype',
        'protocol', 'port_range_min', 'port_range_max',
        'remote_ip_prefix', 'remote_group_id'}], 'members': [IPv4]}}.
        A port's traffic is dropped both ways unless a rule of one of
        its groups admits it (replies of admitted connections pass);
        traffic from and to other addresses is not touched. Replaces
        any earlier filtering; changes only what differs. Values that
        fail validation never reach a rule: a bad rule or member is left
        out (it only ever admits less), a bad port is not filtered, and
        HostNetworkError names them after the rest is applied.
        """

    @abc.abstractmethod
    def apply_nat(self, floating):
        """Floating IPs: [{'floating_ip_address', 'fixed_ip_address',
        'bridge' (of the fixed address's network)}]. Traffic to a
        floating address goes to its fixed one; traffic from the fixed
        address leaving its bridge goes out from the floating one.
        Replaces any earlier translation (same error rule as
        apply_filters)."""

    @abc.abstractmethod
    def cleanup_all(self):
        """Remove everything nube made here: DHCP servers and their
        state, nube's rules and bridges (tests, unstack)."""
