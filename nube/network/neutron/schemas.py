"""What a network, subnet, port or floating IP body may hold, checked
before the network API sees it (security groups and their rules:
``schemas_security``).

Each body goes through three steps: its keys (an attribute nube does
not know is "Unrecognized attribute(s)", a known one the request may
not set is "not allowed in POST" / "Cannot update read-only attribute",
as Neutron says), a JSON schema with bounds on every value, and the
checks a schema cannot express (addresses and CIDRs parsed with
``ipaddress``; nube is IPv4 only). Every failure is a 400 whose message
names the attribute.
"""

import ipaddress
import re

import jsonschema

from nube.network import exceptions

UUID_PATTERN = ('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                '[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
UUID_RE = re.compile(UUID_PATTERN)
MAC_PATTERN = '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$'

MAX_NAME = 255
MAX_BULK = 100
# Security groups one port may be in (Neutron sets no bound; nube does).
MAX_PORT_SECURITY_GROUPS = 32
IPV6_UNSUPPORTED = 'IPv6 is not supported by nube'

_NAME = {'type': 'string', 'maxLength': MAX_NAME}
_PROJECT = {'type': 'string', 'minLength': 1, 'maxLength': MAX_NAME}
_BOOL = {'type': 'boolean'}
# Python's '$' also matches before a final newline: the lengths keep
# 'UUID\n' out.
_UUID = {'type': 'string', 'pattern': UUID_PATTERN, 'maxLength': 36,
         'description': 'UUID'}
# Addresses are parsed after the schema, which only bounds them.
_ADDRESS = {'type': 'string', 'maxLength': 64}
_NULLABLE_ADDRESS = {'type': ['string', 'null'], 'maxLength': 64}

NETWORK_CREATE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'description': _NAME,
        'admin_state_up': _BOOL,
        'shared': _BOOL,
        'router:external': _BOOL,
        'mtu': {'type': 'integer', 'minimum': 68, 'maximum': 9000},
        'tenant_id': _PROJECT,
        'project_id': _PROJECT,
        'provider:network_type': {'type': 'string',
                                  'enum': ['flat', 'vlan']},
        'provider:physical_network': {'type': 'string', 'minLength': 1,
                                      'maxLength': 64},
        'provider:segmentation_id': {'type': 'integer', 'minimum': 1,
                                     'maximum': 4094},
    },
}

NETWORK_UPDATE = {
    'type': 'object',
    'properties': {key: NETWORK_CREATE['properties'][key] for key in (
        'name', 'description', 'admin_state_up', 'shared',
        'router:external', 'mtu')},
}

_POOL = {
    'type': 'object',
    'properties': {'start': _ADDRESS, 'end': _ADDRESS},
    'required': ['start', 'end'],
    'additionalProperties': False,
}

_HOST_ROUTE = {
    'type': 'object',
    'properties': {'destination': _ADDRESS, 'nexthop': _ADDRESS},
    'required': ['destination', 'nexthop'],
    'additionalProperties': False,
}

SUBNET_CREATE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'description': _NAME,
        'network_id': _UUID,
        'ip_version': {'type': 'integer', 'enum': [4, 6]},
        'cidr': _ADDRESS,
        'gateway_ip': _NULLABLE_ADDRESS,
        'allocation_pools': {'type': 'array', 'maxItems': 16,
                             'items': _POOL},
        'dns_nameservers': {'type': 'array', 'maxItems': 5,
                            'uniqueItems': True, 'items': _ADDRESS},
        # Neutron's max_subnet_host_routes.
        'host_routes': {'type': 'array', 'maxItems': 20,
                        'items': _HOST_ROUTE},
        'enable_dhcp': _BOOL,
        'tenant_id': _PROJECT,
        'project_id': _PROJECT,
    },
    'required': ['network_id', 'ip_version', 'cidr'],
}

SUBNET_UPDATE = {
    'type': 'object',
    'properties': {key: SUBNET_CREATE['properties'][key] for key in (
        'name', 'description', 'gateway_ip', 'allocation_pools',
        'dns_nameservers', 'enable_dhcp', 'host_routes')},
}

_FIXED_IP = {
    'type': 'object',
    'properties': {'subnet_id': _UUID, 'ip_address': _ADDRESS},
    'minProperties': 1,
    'additionalProperties': False,
}

PORT_CREATE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'description': _NAME,
        'network_id': _UUID,
        'admin_state_up': _BOOL,
        'mac_address': {'type': 'string', 'pattern': MAC_PATTERN,
                        'maxLength': 17, 'description': 'MAC address'},
        'fixed_ips': {'type': 'array', 'maxItems': 8, 'items': _FIXED_IP},
        'device_id': {'type': 'string', 'maxLength': MAX_NAME},
        'device_owner': {'type': 'string', 'maxLength': MAX_NAME},
        'tenant_id': _PROJECT,
        'project_id': _PROJECT,
        'binding:vnic_type': {'type': 'string', 'enum': ['normal']},
        'binding:host_id': {'type': 'string', 'maxLength': MAX_NAME},
        # null is Neutron's empty list.
        'security_groups': {'type': ['array', 'null'],
                            'maxItems': MAX_PORT_SECURITY_GROUPS,
                            'uniqueItems': True, 'items': _UUID},
    },
    'required': ['network_id'],
}

PORT_UPDATE = {
    'type': 'object',
    'properties': {key: PORT_CREATE['properties'][key] for key in (
        'name', 'description', 'admin_state_up', 'device_id',
        'device_owner', 'fixed_ips', 'binding:host_id', 'mac_address',
        'security_groups')},
}

_NULLABLE_UUID = dict(_UUID, type=['string', 'null'])

FLOATINGIP_CREATE = {
    'type': 'object',
    'properties': {
        'floating_network_id': _UUID,
        'floating_ip_address': _NULLABLE_ADDRESS,
        # Input only: the external subnet to take the address from.
        'subnet_id': _NULLABLE_UUID,
        'port_id': _NULLABLE_UUID,
        'fixed_ip_address': _NULLABLE_ADDRESS,
        'description': _NAME,
        'tenant_id': _PROJECT,
        'project_id': _PROJECT,
    },
    'required': ['floating_network_id'],
}

FLOATINGIP_UPDATE = {
    'type': 'object',
    'properties': {key: FLOATINGIP_CREATE['properties'][key] for key in (
        'port_id', 'fixed_ip_address', 'description')},
}

# Every attribute of each resource (what a list or show returns); a
# body naming one its request may not set is told so.
NETWORK_FIELDS = (
    'id', 'name', 'tenant_id', 'project_id', 'admin_state_up', 'status',
    'subnets', 'shared', 'router:external', 'mtu', 'description',
    'availability_zones', 'availability_zone_hints', 'created_at',
    'updated_at', 'revision_number', 'tags', 'port_security_enabled',
    'ipv4_address_scope', 'ipv6_address_scope', 'is_default',
    'l2_adjacency', 'provider:network_type', 'provider:physical_network',
    'provider:segmentation_id')
SUBNET_FIELDS = (
    'id', 'name', 'tenant_id', 'project_id', 'network_id', 'ip_version',
    'cidr', 'gateway_ip', 'allocation_pools', 'dns_nameservers',
    'host_routes', 'enable_dhcp', 'ipv6_ra_mode', 'ipv6_address_mode',
    'subnetpool_id', 'description', 'service_types', 'created_at',
    'updated_at', 'revision_number', 'tags')
PORT_FIELDS = (
    'id', 'name', 'tenant_id', 'project_id', 'network_id',
    'admin_state_up', 'mac_address', 'fixed_ips', 'device_id',
    'device_owner', 'status', 'security_groups', 'allowed_address_pairs',
    'extra_dhcp_opts', 'description', 'binding:vnic_type',
    'binding:host_id', 'binding:vif_type', 'binding:vif_details',
    'binding:profile', 'port_security_enabled', 'created_at', 'updated_at',
    'revision_number', 'tags')
FLOATINGIP_FIELDS = (
    'id', 'tenant_id', 'project_id', 'floating_ip_address',
    'floating_network_id', 'router_id', 'port_id', 'fixed_ip_address',
    'status', 'description', 'tags', 'created_at', 'updated_at',
    'revision_number')

# JSON Schema counts 4.0 as an integer; Neutron's integers are integers.
_VALIDATOR = jsonschema.validators.extend(
    jsonschema.Draft7Validator,
    type_checker=jsonschema.Draft7Validator.TYPE_CHECKER.redefine(
        'integer', lambda checker, value: isinstance(value, int) and
        not isinstance(value, bool)))


def _shown(value, limit=40):
    """A value as an error message quotes it: short, whatever it is."""
    if isinstance(value, bool):
        return 'True' if value else 'False'
    if isinstance(value, (dict, list)):
        return '<%s>' % ('object' if isinstance(value, dict) else 'array')
    text = str(value)
    return text if len(text) <= limit else text[:limit] + '...'


def _names(keys, limit=10):
    shown = [_shown(key, 64) for key in sorted(keys)[:limit]]
    if len(keys) > limit:
        shown.append('...')
    return ', '.join(shown)


def bad_attribute(field, reason):
    """400 ``Invalid input for FIELD. Reason: REASON.`` (Neutron's)."""
    return exceptions.BadRequest(
        message='Invalid input for %s. Reason: %s.' % (_shown(field, 64),
                                                       reason))


def _reason(error):
    """Neutron-like wording for one jsonschema error."""
    value = error.instance
    validator = error.validator
    if validator == 'maxLength':
        return "'%s' exceeds maximum length of %d" % (_shown(value),
                                                      error.validator_value)
    if validator == 'minLength':
        return "'%s' is too short" % _shown(value)
    if validator == 'type':
        kinds = error.validator_value
        kinds = kinds if isinstance(kinds, list) else [kinds]
        return "'%s' is not of type %s" % (_shown(value),
                                           ' or '.join(kinds))
    if validator == 'enum':
        return "'%s' is not in %s" % (_shown(value),
                                      list(error.validator_value))
    if validator == 'minimum':
        return "'%s' is too small - must be at least '%s'" % (
            _shown(value), error.validator_value)
    if validator == 'maximum':
        return "'%s' is too large - must be no larger than '%s'" % (
            _shown(value), error.validator_value)
    if validator == 'maxItems':
        return 'too many items, at most %d allowed' % error.validator_value
    if validator == 'maxProperties':
        return 'too many keys, at most %d allowed' % error.validator_value
    if validator == 'minProperties':
        return 'an empty object is not allowed'
    if validator == 'uniqueItems':
        return 'duplicate items in the list'
    if validator == 'pattern':
        what = error.schema.get('description', 'value')
        return "'%s' is not a valid %s" % (_shown(value), what)
    if validator == 'required':
        return 'a required key is missing'
    if validator == 'additionalProperties':
        extra = [key for key in value if key not in error.schema.get(
            'properties', {})] if isinstance(value, dict) else []
        return "unrecognized key(s) '%s'" % _names(extra)
    return 'invalid value'


def _check_keys(resource, schema, fields, action):
    """Unknown attributes, then attributes this request may not set."""
    accepted = schema['properties']
    unknown = [key for key in resource if key not in accepted and
               key not in fields]
    if unknown:
        raise exceptions.BadRequest(
            message="Unrecognized attribute(s) '%s'" % _names(unknown))
    fixed = sorted(key for key in resource if key not in accepted)
    if fixed:
        if action == 'POST':
            message = "Attribute '%s' not allowed in POST" % fixed[0]
        else:
            message = 'Cannot update read-only attribute %s' % fixed[0]
        raise exceptions.BadRequest(message=message)
    for key in schema.get('required', ()):
        if key not in resource:
            raise exceptions.BadRequest(
                message="Failed to parse request. Required attribute '%s' "
                        "not specified" % key)


def validate(resource, schema, fields, action, name):
    """``resource`` (one body's object) against ``schema``; 400 else."""
    if not isinstance(resource, dict):
        raise bad_attribute(name, 'the %s must be a JSON object' % name)
    _check_keys(resource, schema, fields, action)
    error = next(iter(_VALIDATOR(schema).iter_errors(resource)), None)
    if error is not None:
        field = error.absolute_path[0] if error.absolute_path else name
        raise bad_attribute(field, _reason(error))


def ipv4_address(field, value):
    """An IPv4 address (``ipaddress``'s strict dotted quad)."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise bad_attribute(field, "'%s' is not a valid IP address"
                            % _shown(value))
    if address.version != 4:
        raise exceptions.InvalidInput(error_message=IPV6_UNSUPPORTED)
    return str(address)


def ipv4_cidr(field, value):
    """An IPv4 network written as Neutron wants it: ``A.B.C.D/N`` with
    no host bits set."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise bad_attribute(field, "'%s' is not a valid IP subnet"
                            % _shown(value))
    if network.version != 4:
        raise exceptions.InvalidInput(error_message=IPV6_UNSUPPORTED)
    if '/' not in value or str(network) != value:
        raise bad_attribute(field, "'%s' isn't a recognized IP subnet "
                                   "cidr, '%s' is recommended"
                            % (_shown(value), network))
    return value


def mac_address(field, value):
    """A unicast MAC other than all zeroes (Neutron refuses those)."""
    first = int(value[:2], 16)
    if first & 1 or value.replace(':', '') == '000000000000':
        raise bad_attribute(field, "'%s' is not a valid MAC address"
                            % value)
    return value.lower()


def check_network(values):
    """Checks a network body needs beyond its schema."""
    if values.get('provider:network_type') == 'flat' and \
            values.get('provider:segmentation_id') is not None:
        raise exceptions.InvalidInput(
            error_message='segmentation_id specified for flat network')
    return values


def check_subnet(values):
    """Addresses and CIDR parsed: IPv4 only, pools in order."""
    if values.get('ip_version') == 6:
        raise exceptions.InvalidInput(error_message=IPV6_UNSUPPORTED)
    if 'cidr' in values:
        ipv4_cidr('cidr', values['cidr'])
    if values.get('gateway_ip') is not None:
        values['gateway_ip'] = ipv4_address('gateway_ip',
                                            values['gateway_ip'])
    if 'allocation_pools' in values:
        pools = []
        for pool in values['allocation_pools']:
            start = ipv4_address('allocation_pools', pool['start'])
            end = ipv4_address('allocation_pools', pool['end'])
            if ipaddress.ip_address(start) > ipaddress.ip_address(end):
                raise bad_attribute(
                    'allocation_pools', 'the pool %s-%s starts after it '
                    'ends' % (start, end))
            pools.append({'start': start, 'end': end})
        values['allocation_pools'] = pools
    if 'dns_nameservers' in values:
        values['dns_nameservers'] = [
            ipv4_address('dns_nameservers', server)
            for server in values['dns_nameservers']]
    if 'host_routes' in values:
        routes = [
            {'destination': ipv4_cidr('host_routes', route['destination']),
             'nexthop': ipv4_address('host_routes', route['nexthop'])}
            for route in values['host_routes']]
        destinations = [route['destination'] for route in routes]
        for destination in destinations:
            if destinations.count(destination) > 1:
                raise exceptions.InvalidInput(
                    error_message='Duplicate hostroute %s' % destination)
        values['host_routes'] = routes
    return values


def check_port(values):
    """MAC and fixed IPs parsed."""
    if 'mac_address' in values:
        values['mac_address'] = mac_address('mac_address',
                                            values['mac_address'])
    if 'fixed_ips' in values:
        fixed_ips = []
        for fixed_ip in values['fixed_ips']:
            entry = {}
            if 'subnet_id' in fixed_ip:
                entry['subnet_id'] = fixed_ip['subnet_id'].lower()
            if 'ip_address' in fixed_ip:
                entry['ip_address'] = ipv4_address('fixed_ips',
                                                   fixed_ip['ip_address'])
            fixed_ips.append(entry)
        values['fixed_ips'] = fixed_ips
    if 'network_id' in values:
        values['network_id'] = values['network_id'].lower()
    if 'security_groups' in values:
        groups = [sg_id.lower() for sg_id in values['security_groups'] or ()]
        if len(set(groups)) != len(groups):
            raise bad_attribute('security_groups',
                                'duplicate items in the list')
        values['security_groups'] = groups
    return values


def check_floatingip(values):
    """Addresses parsed, ids lowercased; a null subnet_id is no choice."""
    for key in ('floating_ip_address', 'fixed_ip_address'):
        if values.get(key) is not None:
            values[key] = ipv4_address(key, values[key])
    for key in ('floating_network_id', 'port_id', 'subnet_id'):
        if values.get(key) is not None:
            values[key] = values[key].lower()
    if 'subnet_id' in values and values['subnet_id'] is None:
        del values['subnet_id']
    return values


def check_project(values, name):
    """tenant_id and project_id, if both given, name the same project."""
    tenant = values.get('tenant_id')
    project = values.get('project_id')
    if tenant is not None and project is not None and tenant != project:
        raise exceptions.InvalidInput(
            error_message="'project_id' and 'tenant_id' do not match")
    return project if project is not None else tenant
