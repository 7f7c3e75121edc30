"""FlatDHCPManager: nube makes the network's bridge (with
[network] flat_interface in it when set), puts the gateway on it and
runs one dnsmasq per network that leases each port its fixed address."""

import nube.conf
from nube.network.managers import base

CONF = nube.conf.CONF


class FlatDHCPManager(base.NetworkManager):

    name = 'flat_dhcp'
    network_type = 'flat'
    dhcp = True
    makes_bridges = True

    def bridge_interface(self, network):
        """The host interface to put in the bridge, or None."""
        return network.get('bridge_interface') or CONF.network.flat_interface

    def ensure_bridge(self, network):
        bridge = self.bridge_name(network)
        self.driver.ensure_bridge(bridge, self.bridge_interface(network),
                                  network.get('mtu'))
        return bridge

    def _sync_network(self, network, bridge):
        self.ensure_bridge(network)
        return self._serve_dhcp(network, bridge)
