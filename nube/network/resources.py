"""Neutron's resource shapes from nube's rows, and the subnet arithmetic
(gateways, pools) Neutron does on create.

Rows come from nube/db/cell/networks.py and ports.py; what these return is
what the network API answers (nube/network/neutron/views.py drops the
admin-only attributes).
"""

import ipaddress

from oslo_utils import uuidutils

from nube.network import exceptions as net_exc


def _time(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def standard(row):
    """Neutron's standard attributes (timestamps, revision, tags,
    description) of a row."""
    return {'created_at': _time(row.get('created_at')),
            'updated_at': _time(row.get('updated_at') or
                                row.get('created_at')),
            'revision_number': row.get('revision_number') or 0,
            'tags': [], 'description': row.get('description') or ''}


def column_filters(filters, mapping):
    """Neutron filter names to column filters ({column: [values]})."""
    result = {}
    for name, values in (filters or {}).items():
        column = mapping.get(name)
        if column is not None and isinstance(values, (list, tuple)):
            result[column] = list(values)
    return result


def network(row, subnet_ids=()):
    result = {
        'id': row['uuid'], 'name': row['name'],
        'tenant_id': row['project_id'], 'project_id': row['project_id'],
        'admin_state_up': bool(row['admin_state_up']), 'status': 'ACTIVE',
        'subnets': list(subnet_ids), 'shared': bool(row['shared']),
        'router:external': bool(row['external']), 'mtu': row['mtu'],
        'availability_zones': [], 'availability_zone_hints': [],
        'port_security_enabled': True, 'ipv4_address_scope': None,
        'ipv6_address_scope': None, 'is_default': False,
        'l2_adjacency': True,
        'provider:network_type': row['network_type'],
        'provider:physical_network': row.get('physical_network'),
        'provider:segmentation_id': row.get('vlan'),
    }
    result.update(standard(row))
    return result


def subnet(row):
    result = {
        'id': row['uuid'], 'name': row['name'],
        'tenant_id': row['project_id'], 'project_id': row['project_id'],
        'network_id': row['network_uuid'], 'ip_version': 4,
        'cidr': row['cidr'], 'gateway_ip': row.get('gateway_ip'),
        'allocation_pools': list(row.get('allocation_pools') or []),
        'dns_nameservers': list(row.get('dns_nameservers') or []),
        'host_routes': list(row.get('host_routes') or []),
        'enable_dhcp': bool(row['enable_dhcp']),
        'ipv6_ra_mode': None, 'ipv6_address_mode': None,
        'subnetpool_id': None, 'service_types': [],
    }
    result.update(standard(row))
    return result


def port(row, vif_type='bridge'):
    host = row.get('host') or ''
    result = {
        'id': row['uuid'], 'name': row['name'],
        'tenant_id': row['project_id'], 'project_id': row['project_id'],
        'network_id': row['network_uuid'],
        'admin_state_up': bool(row['admin_state_up']),
        'mac_address': row['mac_address'],
        'fixed_ips': [dict(ip) for ip in row.get('fixed_ips') or []],
        'device_id': row.get('device_id') or '',
        'device_owner': row.get('device_owner') or '',
        'status': 'ACTIVE' if host and row['admin_state_up'] else 'DOWN',
        'security_groups': list(row.get('security_groups') or []),
        'allowed_address_pairs': [],
        'extra_dhcp_opts': [], 'port_security_enabled': True,
        'binding:vnic_type': 'normal', 'binding:host_id': host,
        'binding:vif_type': vif_type if host else 'unbound',
        'binding:vif_details': {}, 'binding:profile': {},
    }
    result.update(standard(row))
    return result


def owner(ctxt, values):
    """The project a new resource belongs to: the one named, else the
    caller's ('' for a caller without one: nube-manage's networks)."""
    project = values.get('project_id') or values.get('tenant_id')
    return project or ctxt.project_id or ''


def port_values(ctxt, values, net_row, auto_delete):
    return {
        'uuid': uuidutils.generate_uuid(),
        'network_uuid': net_row['uuid'],
        'project_id': owner(ctxt, values),
        'name': values.get('name') or '',
        'description': values.get('description') or '',
        'mac_address': values.get('mac_address'),
        'device_id': values.get('device_id') or '',
        'device_owner': values.get('device_owner') or '',
        'host': values.get('binding:host_id') or None,
        'admin_state_up': bool(values.get('admin_state_up', True)),
        'auto_delete': auto_delete,
    }


# -- subnet arithmetic -----------------------------------------------------

def parse_cidr(cidr):
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise net_exc.InvalidInput(error_message="'%s' is not a valid IP "
                                                 "subnet" % cidr)
    if net.version != 4:
        raise net_exc.InvalidInput(error_message='IPv6 is not supported by '
                                                 'nube')
    if net.prefixlen > 30:
        raise net_exc.InvalidInput(
            error_message='Subnet %s is too small: nube needs at least a '
                          '/30 (a gateway and one address)' % cidr)
    if str(net) != cidr:
        # Neutron keeps the network address, not what was typed.
        cidr = str(net)
    return net, cidr


def _address(value, field):
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        raise net_exc.InvalidInput(
            error_message="'%s' is not a valid IP address (%s)"
                          % (value, field))
    if ip.version != 4:
        raise net_exc.InvalidInput(error_message='IPv6 is not supported by '
                                                 'nube')
    return ip


def gateway(net, requested, given):
    """The gateway: the first host unless given (None: no gateway). As
    Neutron, it may lie outside the subnet, but not be its network or
    broadcast address."""
    if not given:
        return str(net.network_address + 1)
    if requested is None:
        return None
    ip = _address(requested, 'gateway_ip')
    if ip in (net.network_address, net.broadcast_address):
        raise net_exc.InvalidInput(
            error_message='Gateway is not valid on subnet')
    return str(ip)


def pools(net, gateway_ip, requested=None):
    """Allocation pools: validated ones, or every host but the gateway."""
    hosts_low = int(net.network_address) + 1
    hosts_high = int(net.broadcast_address) - 1
    if not requested:
        gw = int(ipaddress.ip_address(gateway_ip)) if gateway_ip else None
        ranges, start = [], hosts_low
        for cut in sorted({gw} - {None} if gw is not None and
                          hosts_low <= gw <= hosts_high else ()):
            if start <= cut - 1:
                ranges.append((start, cut - 1))
            start = cut + 1
        if start <= hosts_high:
            ranges.append((start, hosts_high))
        return [{'start': str(ipaddress.ip_address(low)),
                 'end': str(ipaddress.ip_address(high))}
                for low, high in ranges]
    result, seen = [], []
    for pool in requested:
        low = int(_address(pool['start'], 'allocation_pools'))
        high = int(_address(pool['end'], 'allocation_pools'))
        if not hosts_low <= low <= high <= hosts_high:
            raise net_exc.InvalidInput(
                error_message='The allocation pool %s-%s spans beyond the '
                              'subnet cidr %s' % (pool['start'], pool['end'],
                                                  net))
        if any(low <= other_high and other_low <= high
               for other_low, other_high in seen):
            raise net_exc.InvalidInput(
                error_message='Found overlapping allocation pools')
        if gateway_ip and low <= int(ipaddress.ip_address(gateway_ip)) \
                <= high:
            raise net_exc.InvalidInput(
                error_message='Gateway ip %s conflicts with allocation pool '
                              '%s-%s' % (gateway_ip, pool['start'],
                                         pool['end']))
        seen.append((low, high))
        result.append({'start': str(ipaddress.ip_address(low)),
                       'end': str(ipaddress.ip_address(high))})
    return result


def host_routes(values):
    """Routes as stored (parsed and checked by the API schema)."""
    return [{'destination': route['destination'],
             'nexthop': route['nexthop']} for route in values or []]


def nameservers(values):
    result = []
    for value in values or []:
        text = str(_address(value, 'dns_nameservers'))
        if text in result:
            raise net_exc.InvalidInput(
                error_message='Duplicate nameserver %s' % value)
        result.append(text)
    return result
