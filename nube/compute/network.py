"""Networking as a compute sees it: the server's ports, through the
conductor (which calls the cell's network API), as ``network_info`` (one
dict per interface: address, mac, network_label, bridge, ...).
"""

import nube.conf

CONF = nube.conf.CONF

NONE = 'none'


def requested(instance, spec):
    """'auto', 'none' or [{uuid|port|fixed_ip}] as the API took it."""
    value = (spec or {}).get('requested_networks')
    if value is None:
        sysmeta = instance.get('system_metadata') or {}
        value = sysmeta.get('requested_networks', 'auto')
    return value


def wants_network(instance, spec):
    """False when the request said ``networks: none``."""
    return requested(instance, spec) != NONE


def allocate(conductor_api, ctxt, instance, spec, host):
    """The server's network_info (its ports are made or bound now;
    idempotent)."""
    return on_this_host(conductor_api.allocate_for_instance(
        ctxt, instance['uuid'], requested(instance, spec), host))


def on_this_host(network_info):
    """With [network] network_driver = noop nothing makes bridges here:
    guests get their NIC without one (libvirt user networking), with the
    port's MAC."""
    if CONF.network.network_driver != 'noop':
        return network_info
    return [dict(vif, bridge=None) for vif in network_info]


def from_instance(instance):
    """network_info of an instance dict whose fixed IPs are already known
    (enough to unplug, power and rebuild a guest)."""
    return on_this_host([
        {'address': ip['address'], 'mac': ip['mac'],
         'network_label': ip.get('network') or CONF.network.label,
         'bridge': ip.get('bridge')}
        for ip in instance.get('fixed_ips') or []])


_plugin = []


def plug(network_info):
    """Make sure each interface's bridge exists on this host before the
    guest is plugged into it (nube-network may not have synced yet)."""
    if not network_info:
        return
    if not _plugin:
        from nube.network import managers
        _plugin.append(managers.load())
    for vif in network_info:
        if vif.get('bridge'):
            _plugin[0].plug({
                'id': vif.get('network_id'), 'bridge': vif['bridge'],
                'bridge_interface': vif.get('bridge_interface'),
                'network_type': vif.get('network_type') or 'flat',
                'segmentation_id': vif.get('vlan'),
                'mtu': vif.get('mtu') or 1500})
