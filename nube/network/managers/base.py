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

    def sync(self, networks):
        """Make the host match ``networks`` (every network of this host,
        from the database): their bridges exist, each DHCP network has
        one dnsmasq leasing exactly its admin-up ports' addresses, and
        what this manager set up for networks no longer listed is gone
        (dnsmasq stopped; the bridge removed if nube made it). A network
        that fails does not stop the others; the errors are raised
        together at the end."""
        errors, bridges, served, owners = [], set(), set(), {}
        with self._lock:
            for network in networks:
                try:
                    bridge = self.bridge_name(network)
                    bridges.add(bridge)
                    owner = owners.setdefault(bridge, network['id'])
                    if self.dhcp and owner != network['id']:
                        # One gateway and one dnsmasq per bridge.
                        raise exceptions.HostNetworkError(
                            reason='bridge %s already carries network %s'
                                   % (bridge, owner))
                    if self._sync_network(network, bridge):
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
        if errors:
            raise exceptions.HostNetworkError(reason='; '.join(errors))

    def _sync_network(self, network, bridge):
        """Set up one network; whether its DHCP server should run."""
        self.ensure_bridge(network)
        return False

    def _serve_dhcp(self, network, bridge):
        """Gateway address on the bridge and, if wanted, dnsmasq."""
        subnet = dhcp_subnet(network) if self.dhcp else None
        if not network.get('admin_state_up', True):
            subnet = None
        gateway = gateway_subnet(network)
        if subnet is not None:
            self.driver.set_gateway(bridge, server_address(network, subnet))
        elif gateway is not None:
            self.driver.set_gateway(bridge, server_address(network, gateway))
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
