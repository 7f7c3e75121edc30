"""A driver that changes nothing and records nothing: nube-all and unit
tests run the network managers on hosts they must not touch."""

from nube.network.drivers import base


class NoopDriver(base.NetworkDriver):
    """Every operation succeeds at once; the operator's flat bridge is
    taken to exist so FlatManager works too."""

    def bridge_exists(self, name):
        return True

    def ensure_bridge(self, name, interface=None, mtu=None):
        pass

    def remove_bridge(self, name):
        pass

    def managed_bridges(self):
        return set()

    def set_gateway(self, bridge, cidr, extra_addresses=()):
        pass

    def ensure_vlan(self, vlan_id, interface, mtu=None):
        return 'vlan%d' % vlan_id

    def update_dhcp(self, network_id, bridge, subnet, hosts, options):
        pass

    def stop_dhcp(self, network_id):
        pass

    def dhcp_networks(self):
        return set()

    def apply_isolation(self, bridges_by_group):
        pass

    def apply_filters(self, ports, groups):
        pass

    def apply_nat(self, floating):
        pass

    def cleanup_all(self):
        pass
