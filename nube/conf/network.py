from oslo_config import cfg

group = cfg.OptGroup('network', title='Network service options')

opts = [
    cfg.StrOpt('fixed_range', default='10.0.0.0/16',
               help='IPv4 CIDR of the network made on the first boot that '
                    'asks for "auto" when a cell has no network yet (its '
                    'name is [network] label).'),
    cfg.StrOpt('label', default='private',
               help='Name of that default network (the key of "addresses").'),
    cfg.StrOpt('mac_prefix', default='fa:16:3e',
               help='First three octets of generated MAC addresses.'),
    cfg.StrOpt('network_manager', default='flat',
               choices=['flat', 'flat_dhcp', 'vlan'],
               help='Data plane (nube.network.managers entry point). flat: '
                    'guests on an operator-made bridge, addresses without '
                    'DHCP. flat_dhcp: nube makes the bridge and serves DHCP '
                    'with one dnsmasq per network. vlan: a network (VLAN, '
                    'bridge, CIDR) per project, one dnsmasq each, projects '
                    'isolated from each other.'),
    cfg.StrOpt('network_driver', default='linux_net',
               choices=['linux_net', 'noop'],
               help='Host driver (nube.network.drivers entry point). noop '
                    'changes nothing on the host (development, nube-all).'),
    cfg.BoolOpt('multi_host', default=False,
                help='Run nube-network on every compute host (each serves '
                     'the networks of its own guests) instead of one per '
                     'cell.'),
    cfg.StrOpt('flat_network_bridge', default='br100',
               help='Bridge of flat networks.'),
    cfg.StrOpt('flat_interface',
               help='Host interface FlatDHCP adds to its bridge (none: a '
                    'bridge of guests only).'),
    cfg.StrOpt('vlan_interface',
               help='Host interface VLAN devices are made on (VlanManager).'),
    cfg.IntOpt('vlan_start', default=100, min=1, max=4094,
               help='First VLAN id VlanManager gives a project network.'),
    cfg.StrOpt('vlan_bridge_prefix', default='brv',
               help='VlanManager names a project bridge PREFIX + VLAN id.'),
    cfg.StrOpt('vlan_fixed_range', default='10.100.0.0/16',
               help='VlanManager carves project networks out of this.'),
    cfg.IntOpt('vlan_network_size', default=256, min=8, max=65536,
               help='Addresses in each VlanManager project network.'),
    cfg.IntOpt('dhcp_lease_time', default=86400, min=120,
               help='Seconds of a DHCP lease.'),
    cfg.ListOpt('dns_servers', default=[],
                help='DNS servers offered by DHCP when a subnet names none.'),
    cfg.StrOpt('networks_path', default='$state_path/networks',
               help='Where dnsmasq hosts, options, lease and pid files '
                    'live (one directory per network).'),
    cfg.StrOpt('host_namespace',
               help='Network namespace nube-network makes its bridges, '
                    'dnsmasq and rules in (default: the host\'s own). Tests '
                    'use one of their own so the host is never touched.'),
    cfg.IntOpt('sync_interval', default=10, min=1,
               help='Seconds between two rebuilds of bridges and dnsmasq '
                    'state from the database (a missed update is applied '
                    'by the next one).'),
    cfg.FloatOpt('sync_batch_delay', default=0.1, min=0, max=5,
                 help='Seconds nube-network waits after a change is cast '
                      'before it syncs, so that a burst of port changes '
                      '(a boot storm) costs one sync, not one each.'),
    cfg.IntOpt('max_ports_per_network', default=65536, min=1,
               help='Most ports one network may hold.'),
    cfg.StrOpt('public_bridge', default='br-ex',
               help='Bridge of the external network `nube-manage floating '
                    'create` makes (the host holds the gateway and the '
                    'floating addresses on it).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'network': opts}
