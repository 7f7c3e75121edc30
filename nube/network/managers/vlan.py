"""VlanManager: a network per project, each on its own VLAN device
(``vlan<ID>`` on [network] vlan_interface) and bridge (prefix + VLAN id
unless the network names one), with its own dnsmasq; forwarding between
networks of different projects is dropped on this host."""

import nube.conf
from nube.network import exceptions
from nube.network.managers import flat_dhcp

CONF = nube.conf.CONF


class VlanManager(flat_dhcp.FlatDHCPManager):

    name = 'vlan'
    network_type = 'vlan'

    def bridge_name(self, network):
        if network.get('bridge'):
            return network['bridge']
        if network.get('segmentation_id') is None:
            raise exceptions.HostNetworkError(
                reason='network %s has neither a bridge nor a VLAN id' %
                       network.get('id'))
        return '%s%d' % (CONF.network.vlan_bridge_prefix,
                         network['segmentation_id'])

    def bridge_interface(self, network):
        """The VLAN device when [network] vlan_interface is set (made
        here), else the network's own bridge_interface if any."""
        vlan_id = network.get('segmentation_id')
        if CONF.network.vlan_interface and vlan_id is not None:
            return self.driver.ensure_vlan(vlan_id,
                                           CONF.network.vlan_interface,
                                           network.get('mtu'))
        return network.get('bridge_interface')

    def _isolate(self, networks):
        """Bridges grouped by project; a network without a project is a
        group of its own. Failed networks count too: their rules cost
        nothing and must not lapse."""
        groups = {}
        for network in networks:
            try:
                bridge = self.bridge_name(network)
            except exceptions.HostNetworkError:
                continue
            group = network.get('project_id') or 'network:%s' % network.get(
                'id')
            groups.setdefault(group, []).append(bridge)
        self.driver.apply_isolation(groups)
