"""Flat networking as a compute sees it: one fixed IP from the conductor.

The conductor owns the cell's address pool; a compute asks it for an
address and turns the answer into the ``network_info`` list virt drivers
take (one dict per interface: address, mac, network_label).
"""

import nube.conf

CONF = nube.conf.CONF

NONE = 'none'


def wants_network(instance, spec):
    """False when the request said ``networks: none``."""
    requested = (spec or {}).get('requested_networks')
    if requested is None:
        sysmeta = instance.get('system_metadata') or {}
        requested = sysmeta.get('requested_networks')
    return requested != NONE


def vif(allocation):
    """One network_info entry from an allocate_fixed_ip result."""
    return {'address': allocation['address'], 'mac': allocation['mac'],
            'network_label': allocation.get('network_label') or
            CONF.network.label}


def allocate(conductor_api, ctxt, instance_uuid):
    """Allocate (idempotently) and return the instance's network_info."""
    return [vif(conductor_api.allocate_fixed_ip(ctxt, instance_uuid))]


def from_instance(instance):
    """network_info of an instance dict whose fixed IPs are already known."""
    label = instance.get('network_label') or CONF.network.label
    return [vif(dict(ip, network_label=label))
            for ip in instance.get('fixed_ips') or []]
