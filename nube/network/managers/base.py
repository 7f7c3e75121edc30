"""What every network manager does with the networks of its host; the
subclasses only say how one network's bridge is made.

``sync`` gets the whole desired state each time and converges the host
to it, so a missed update, a crash or a host reboot is repaired by the
next call; every driver call it makes is cheap when nothing changed.
"""

import ipaddress
import threading

from oslo_log import log as logging

import nube.conf
from nube.network import drivers
from nube.network import exceptions

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)


def ipv4_subnets(network):
    """The network's IPv4 subnets, in order (IPv6 ones are not served)."""
    found = []
    for subnet in network.get('subnets') or ():
        try:
            if ipaddress.ip_network(subnet['cidr']).version == 4:
                found.append(subnet)
        except (KeyError, ValueError, TypeError):
            raise exceptions.HostNetworkError(
                reason='network %s: bad subnet %r' % (
                    network.get('id'), subnet.get('cidr')))
    return found


def dhcp_subnet(network):
    """The one subnet DHCP serves: the first IPv4 subnet with DHCP
    enabled (one dnsmasq range per network is enough for nova-network
    style networks, which have a single subnet)."""
    for subnet in ipv4_subnets(network):
        if subnet.get('enable_dhcp', True):
            return subnet
    return None


def gateway_subnet(network):
    """The subnet whose gateway goes on the bridge: the DHCP one if it
    has a gateway, else the first IPv4 subnet with one."""
    first = dhcp_subnet(network)
    candidates = ([first] if first else []) + ipv4_subnets(network)
    for subnet in candidates:
        if subnet.get('gateway_ip'):
            return subnet
    return None


def server_address(network, subnet):
    """address/prefix the bridge needs for dnsmasq to serve ``subnet``:
    its gateway, or without one in the subnet the first address no pool
    or port uses."""
    net = ipaddress.IPv4Network(subnet['cidr'])
    gateway = subnet.get('gateway_ip')
    if gateway and ipaddress.IPv4Address(gateway) in net:
        return '%s/%d' % (gateway, net.prefixlen)
    taken = {ipaddress.IPv4Address(ip['ip_address'])
             for port in network.get('ports') or ()
             for ip in port.get('fixed_ips') or ()
             if ip.get('subnet_id') == subnet.get('id')}
    pools = [(ipaddress.IPv4Address(p['start']),
              ipaddress.IPv4Address(p['end']))
             for p in subnet.get('allocation_pools') or ()]
    for address in net.hosts():
        if address not in taken and not any(a <= address <= b
                                            for a, b in pools):
            return '%s/%d' % (address, net.prefixlen)
    raise exceptions.HostNetworkError(
        reason='subnet %s has no gateway and no free address for the DHCP '
               'server' % subnet.get('id'))


def dhcp_hosts(network, subnet):
    """(mac, ip) of the ports that get a lease: admin-up ports with an
    address in ``subnet`` (the first one if a port has several)."""
    hosts = []
    for port in network.get('ports') or ():
        if not port.get('admin_state_up', True):
            continue
        for ip in port.get('fixed_ips') or ():
            if ip.get('subnet_id') == subnet.get('id'):
                hosts.append((port['mac_address'], ip['ip_address']))
                break
    return hosts



def _ipv4_addresses(port):
    """The port's fixed IPv4 addresses (iptables filters IPv4 only)."""
    found = []
    for ip in port.get('fixed_ips') or ():
        try:
            if ipaddress.ip_address(ip['ip_address']).version == 4:
                found.append(ip['ip_address'])
        except (KeyError, ValueError, TypeError):
            # The driver refuses and names it.
            found.append(ip.get('ip_address') if isinstance(ip, dict)
                         else ip)
    return found


def filtered_ports(networks, bridges):
    """apply_filters' ports: every port of these networks but the
    network's own ('network:*': DHCP, floating IP holders), with the
    bridge its traffic crosses. ``bridges``: {network id: bridge}."""
    ports = []
    for network in networks:
        bridge = bridges.get(network.get('id'))
        if bridge is None:
            continue
        for port in network.get('ports') or ():
            if (port.get('device_owner') or '').startswith('network:'):
                continue
            ports.append({'id': port['id'], 'bridge': bridge,
                          'addresses': _ipv4_addresses(port),
                          'security_groups': list(
                              port.get('security_groups') or ())})
    return ports


def floating_translations(floating_ips, bridges):
    """apply_nat's entries: the floating IPs whose fixed address is on a
    network served here, with that network's bridge."""
    return [{'floating_ip_address': fip['floating_ip_address'],
             'fixed_ip_address': fip['fixed_ip_address'],
             'bridge': bridges[fip['network_id']]}
            for fip in floating_ips
            if fip.get('fixed_ip_address') and
            fip.get('network_id') in bridges]


def floating_addresses(networks, floating_ips):
    """{external network id: [floating addresses]}: the floating IPs this
    host translates (their fixed address is on a network served here)
    whose external network it serves too; it answers for them on that
    network's bridge."""
    external = {n.get('id') for n in networks if n.get('external')}
    served = {n.get('id') for n in networks}
    found = {}
    for fip in floating_ips or ():
        if fip.get('floating_network_id') in external and \
                fip.get('network_id') in served and \
                fip.get('fixed_ip_address'):
            found.setdefault(fip['floating_network_id'], []).append(
                fip['floating_ip_address'])
    return {net: sorted(set(addresses)) for net, addresses in found.items()}


def dhcp_options(subnet, dns):
    """What dnsmasq offers on a subnet: its gateway as router, the DNS
    servers, and its host routes (classless static routes) if any."""
    options = {'router': subnet.get('gateway_ip'), 'dns-server': list(dns)}
    routes = [(r['destination'], r['nexthop'])
              for r in subnet.get('host_routes') or ()]
    if routes:
        options['classless-static-route'] = routes
    return options

class NetworkManager:
    """Flat networks on an operator-made bridge, without DHCP."""

    name = 'flat'
    network_type = 'flat'
    dhcp = False
    makes_bridges = False   # may remove the bridges of stale networks

    def __init__(self, driver=None):
        self.driver = driver if driver is not None else drivers.load()
        self._lock = threading.Lock()

    def bridge_name(self, network):
        return network.get('bridge') or CONF.network.flat_network_bridge

    def ensure_bridge(self, network):
        """Make sure the network's bridge is usable; its name."""
        bridge = self.bridge_name(network)
        if not self.driver.bridge_exists(bridge):
            raise exceptions.HostNetworkError(
                reason='bridge %s of network %s does not exist: flat '
                       'networks use a bridge the operator makes' % (
                           bridge, network.get('id')))
        return bridge

    def plug(self, network):
        """Before a guest's device joins ``network``: its bridge name."""
        with self._lock:
            return self.ensure_bridge(network)

    def sync(self, networks, security_groups=None, floating_ips=None):
        """Make the host match ``networks`` (every network of this host,
        from the database): their bridges exist, each DHCP network has
        one dnsmasq leasing exactly its admin-up ports' addresses, and
        what this manager set up for networks no longer listed is gone
        (dnsmasq stopped; the bridge removed if nube made it). Then the
        security groups (``{id: group}``, NetworkDriver.apply_filters)
        of these networks' ports and the translations of the floating
        IPs (NetworkDriver.apply_nat) whose fixed address is on one of
        them; a floating IP of an external network served here is an
        address of its bridge. None: that part is left as it is. A
        network or part that fails does not stop the others; the errors
        are raised together at the end."""
        errors, bridges, served, owners = [], set(), set(), {}
        extras = floating_addresses(networks, floating_ips)
        network_bridges = {}
        with self._lock:
            for network in networks:
                try:
                    bridge = self.bridge_name(network)
                    bridges.add(bridge)
                    network_bridges[network['id']] = bridge
                    owner = owners.setdefault(bridge, network['id'])
                    if self.dhcp and owner != network['id']:
                        # One gateway and one dnsmasq per bridge.
                        raise exceptions.HostNetworkError(
                            reason='bridge %s already carries network %s'
                                   % (bridge, owner))
                    if self._sync_network(
                            dict(network, extra_addresses=extras.get(
                                network['id'], [])), bridge):
                        served.add(network['id'])
                except (exceptions.HostNetworkError, KeyError, ValueError,
                        TypeError) as exc:
                    # Keep what it has (its leases too) until it syncs.
                    served.add(network.get('id'))
                    LOG.error('Network %s: %s', network.get('id'), exc)
                    errors.append('%s: %s' % (network.get('id'), exc))
            try:
                self._isolate(networks)
                self._remove_stale(served, bridges)
            except exceptions.HostNetworkError as exc:
                errors.append(str(exc))
            # Filters before translations: a new floating IP must not
            # reach a port before its rules do. Failed networks count
            # too: their ports' rules must not lapse.
            if security_groups is not None:
                self._apply('security groups', errors, lambda: (
                    self.driver.apply_filters(
                        filtered_ports(networks, network_bridges),
                        security_groups)))
            if floating_ips is not None:
                self._apply('floating IPs', errors, lambda: (
                    self.driver.apply_nat(floating_translations(
                        floating_ips, network_bridges))))
        if errors:
            raise exceptions.HostNetworkError(reason='; '.join(errors))

    def _apply(self, what, errors, step):
        try:
            step()
        except (exceptions.HostNetworkError, KeyError, ValueError,
                TypeError) as exc:
            LOG.error('%s: %s', what, exc)
            errors.append('%s: %s' % (what, exc))

    def _sync_network(self, network, bridge):
        """Set up one network; whether its DHCP server should run.
        (Flat: the operator's bridge only gets the floating addresses.)"""
        self.ensure_bridge(network)
        if network.get('external'):
            self.driver.set_gateway(bridge, None,
                                    list(network.get('extra_addresses')
                                         or ()))
        return False

    def _serve_dhcp(self, network, bridge):
        """Gateway address on the bridge and, if wanted, dnsmasq."""
        subnet = dhcp_subnet(network) if self.dhcp else None
        if not network.get('admin_state_up', True):
            subnet = None
        gateway = gateway_subnet(network)
        address = None
        if subnet is not None:
            address = server_address(network, subnet)
        elif gateway is not None:
            address = server_address(network, gateway)
        extras = list(network.get('extra_addresses') or ())
        if address is not None or network.get('external'):
            self.driver.set_gateway(bridge, address, extras)
        if subnet is None:
            return False
        dns = subnet.get('dns_nameservers') or CONF.network.dns_servers
        self.driver.update_dhcp(
            network['id'], bridge, subnet['cidr'],
            dhcp_hosts(network, subnet),
            dhcp_options(subnet, dns))
        return True

    def _isolate(self, networks):
        """Hook for managers that keep groups of networks apart."""

    def _remove_stale(self, served, bridges):
        for network_id in self.driver.dhcp_networks() - served:
            LOG.info('Stopping DHCP of network %s (not wanted here)',
                     network_id)
            self.driver.stop_dhcp(network_id)
        if self.makes_bridges:
            for bridge in self.driver.managed_bridges() - bridges:
                LOG.info('Removing bridge %s (no network uses it)', bridge)
                self.driver.remove_bridge(bridge)
