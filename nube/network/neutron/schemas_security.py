"""What a security group or security group rule body may hold, checked
before the network API sees it (the steps are ``schemas``').

The schema bounds every value; the checks here convert what Neutron
converts (``protocol`` names and numbers, ``ethertype``'s case, port
numbers given as strings, ``remote_ip_prefix`` written with its prefix
length) and refuse what nube cannot do (IPv6, address groups, stateless
groups). Whether a rule makes sense (port ranges against its protocol)
is the network API's to say.
"""

import ipaddress
import re

from nube.network import exceptions
from nube.network.neutron import schemas

MAX_DESCRIPTION = 255
# Neutron's protocol names (neutron_lib.constants.IP_PROTOCOL_MAP) and
# 'any'; the network API maps names other than tcp/udp/icmp to numbers.
PROTOCOL_NAMES = (
    'any', 'ah', 'dccp', 'egp', 'esp', 'gre', 'hopopt', 'icmp', 'igmp',
    'ip', 'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6',
    'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp',
    'tcp', 'udp', 'udplite', 'vrrp')
# Protocols only IPv6 rules may name (Neutron's IPv6 ICMP names).
IPV6_ONLY_PROTOCOLS = ('ipv6-icmp', 'icmpv6', '58')
_NUMBER = re.compile('-?[0-9]{1,6}')

_NAME = {'type': 'string', 'maxLength': schemas.MAX_NAME}
_DESCRIPTION = {'type': 'string', 'maxLength': MAX_DESCRIPTION}
_NULLABLE_UUID = dict(schemas._UUID, type=['string', 'null'])
# Numbers may come as JSON numbers or as strings of digits (Neutron
# converts both); the checks below read the strings. The bounds are wide:
# the network API says which port or ICMP value is wrong, as Neutron
# does ("Invalid value for port -16"), and stores only 0-65535.
_PORT = {'type': ['integer', 'string', 'null'], 'minimum': -999999,
         'maximum': 999999, 'maxLength': 7}
# Neutron looks a remote group up whatever it is: not a UUID is 404.
_REMOTE_GROUP = {'type': ['string', 'null'], 'maxLength': 64}

SECURITY_GROUP_CREATE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'description': _DESCRIPTION,
        # nube's groups are all stateful: true is the only value.
        'stateful': {'type': 'boolean'},
        'tenant_id': schemas._PROJECT,
        'project_id': schemas._PROJECT,
    },
}

SECURITY_GROUP_UPDATE = {
    'type': 'object',
    'properties': {key: SECURITY_GROUP_CREATE['properties'][key]
                   for key in ('name', 'description', 'stateful')},
}

SECURITY_GROUP_RULE_CREATE = {
    'type': 'object',
    'properties': {
        'security_group_id': schemas._UUID,
        'direction': {'type': 'string', 'enum': ['ingress', 'egress']},
        'ethertype': {'type': 'string', 'maxLength': 4},
        'protocol': {'type': ['integer', 'string', 'null'], 'minimum': 0,
                     'maximum': 255, 'maxLength': 16},
        'port_range_min': _PORT,
        'port_range_max': _PORT,
        'remote_ip_prefix': {'type': ['string', 'null'], 'maxLength': 64},
        'remote_group_id': _REMOTE_GROUP,
        'remote_address_group_id': _NULLABLE_UUID,
        'description': _DESCRIPTION,
        'tenant_id': schemas._PROJECT,
        'project_id': schemas._PROJECT,
    },
    'required': ['security_group_id', 'direction'],
}

SECURITY_GROUP_FIELDS = (
    'id', 'name', 'description', 'tenant_id', 'project_id',
    'security_group_rules', 'stateful', 'shared', 'tags', 'created_at',
    'updated_at', 'revision_number')
SECURITY_GROUP_RULE_FIELDS = (
    'id', 'security_group_id', 'direction', 'ethertype', 'protocol',
    'port_range_min', 'port_range_max', 'remote_ip_prefix',
    'remote_group_id', 'remote_address_group_id', 'normalized_cidr',
    'description', 'tenant_id', 'project_id', 'belongs_to_default_sg',
    'created_at', 'updated_at', 'revision_number')


def check_security_group(values, create=True):
    """No new group is called 'default' (Neutron makes that one itself:
    409 SecurityGroupDefaultAlreadyExists, renames included); stateful
    may only be true, and says nothing more."""
    name = values.get('name')
    if name is not None and name.lower() == 'default':
        raise exceptions.SecurityGroupDefaultAlreadyExists()
    if values.pop('stateful', True) is not True:
        raise exceptions.InvalidInput(
            error_message='Stateless security groups are not supported by '
                          'nube')
    return values


def _protocol(value):
    """None (any), a lower-case name or a decimal string 0-255."""
    if value is None:
        return None
    if isinstance(value, int):
        return str(value)
    text = value.lower()
    if _NUMBER.fullmatch(text) and int(text) <= 255:
        return str(int(text))
    if text in PROTOCOL_NAMES:
        return None if text == 'any' else text
    raise exceptions.InvalidInput(message=(
        'Security group rule protocol %s not supported. Only protocol '
        'values %s and integer representations [0 to 255] are supported.'
        % (schemas._shown(value), [None] + list(PROTOCOL_NAMES))))


def _port(field, value):
    if value is None or isinstance(value, int):
        return value
    if _NUMBER.fullmatch(value):
        return int(value)
    raise exceptions.InvalidInput(
        message='Invalid value for port %s' % schemas._shown(value))


def _ethertype(value, refuse_ipv6=True):
    lowered = value.lower()
    if lowered == 'ipv4':
        return 'IPv4'
    if lowered == 'ipv6':
        if not refuse_ipv6:
            return 'IPv6'
        raise exceptions.InvalidInput(error_message=schemas.IPV6_UNSUPPORTED)
    raise exceptions.InvalidInput(message=(
        "Security group rule for ethertype '%s' not supported. Allowed "
        "values are ['IPv4', 'IPv6']." % schemas._shown(value)))


def _remote_ip_prefix(value):
    """``A.B.C.D/N`` as given (host bits may be set, as Neutron keeps
    them: normalized_cidr shows the network); no length is /32."""
    if not value:
        return None
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        raise exceptions.BadRequest(
            message='Invalid CIDR %s given as IP prefix.'
            % schemas._shown(value))
    if interface.version != 4:
        raise exceptions.InvalidInput(error_message=schemas.IPV6_UNSUPPORTED)
    return str(interface)


def check_security_group_rule(values):
    """Neutron's conversions, IPv4 only, one kind of remote at most."""
    values['security_group_id'] = values['security_group_id'].lower()
    values['ethertype'] = _ethertype(values.get('ethertype', 'IPv4'))
    values['protocol'] = _protocol(values.get('protocol'))
    if values['protocol'] in IPV6_ONLY_PROTOCOLS:
        raise exceptions.InvalidInput(message=(
            'Invalid ethertype IPv4 for protocol %s.' % values['protocol']))
    for key in ('port_range_min', 'port_range_max'):
        values[key] = _port(key, values.get(key))
    values['remote_ip_prefix'] = _remote_ip_prefix(
        values.get('remote_ip_prefix'))
    if values.get('remote_group_id') is not None:
        values['remote_group_id'] = values['remote_group_id'].lower()
    else:
        values['remote_group_id'] = None
    if values.pop('remote_address_group_id', None) is not None:
        raise exceptions.InvalidInput(
            error_message='Address groups are not supported by nube')
    if values['remote_group_id'] and values['remote_ip_prefix']:
        raise exceptions.InvalidInput(message=(
            'Only one of remote_ip_prefix or remote_group_id or '
            'remote_address_group_id may be provided.'))
    return values


def rule_filters(filters):
    """A rule list's filters converted as the rules' values are (Neutron
    converts filters too): ports are numbers, protocols are what is
    stored (``any`` is None), ethertypes as Neutron spells them."""
    if not filters:
        return filters
    converted = dict(filters)
    for key in ('port_range_min', 'port_range_max'):
        if key in converted:
            converted[key] = [_port(key, value) for value in converted[key]]
    if 'protocol' in converted:
        converted['protocol'] = list(dict.fromkeys(
            _protocol(value) for value in converted['protocol']))
    if 'ethertype' in converted:
        converted['ethertype'] = [_ethertype(value, refuse_ipv6=False)
                                  for value in converted['ethertype']]
    return converted
