"""Request schemas for /os-aggregates (Nova's, 2.1 and the legacy v2)."""

import copy

from nube.api.schemas import parameter_types as types

# Printable, no ':' (Nova's zone names), no whitespace at either end.
az_name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
           'pattern': r'^(?!\s)[^:\x00-\x1f\x7f]+(?<!\s)$'}
# The legacy v2 endpoint: spaces allowed around, at least one non-space.
az_name_with_leading_trailing_spaces = {
    'type': 'string', 'minLength': 1, 'maxLength': 255,
    'pattern': r'^[^:\x00-\x1f\x7f]*[^:\s\x00-\x1f\x7f][^:\x00-\x1f\x7f]*$'}

_availability_zone = {'oneOf': [az_name, {'type': 'null'}]}
_availability_zone_v20 = {
    'oneOf': [az_name_with_leading_trailing_spaces, {'type': 'null'}]}

# Nova's fqdn: what a compute service's host name may be.
host = {'type': 'string', 'pattern': '^[a-zA-Z0-9-._]*$',
        'minLength': 1, 'maxLength': 255}

# Keys per set_metadata request; Nova has no limit, nube bounds the work
# one request may ask for.
MAX_METADATA_ITEMS = 256

create = {
    'type': 'object',
    'properties': {
        'aggregate': {
            'type': 'object',
            'properties': {
                'name': types.name,
                'availability_zone': _availability_zone,
            },
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['aggregate'],
    'additionalProperties': False,
}

create_v20 = copy.deepcopy(create)
create_v20['properties']['aggregate']['properties'].update(
    name=types.name_with_leading_trailing_spaces,
    availability_zone=_availability_zone_v20)

update = {
    'type': 'object',
    'properties': {
        'aggregate': {
            'type': 'object',
            'properties': {
                'name': types.name_with_leading_trailing_spaces,
                'availability_zone': _availability_zone,
            },
            'additionalProperties': False,
            'anyOf': [{'required': ['name']},
                      {'required': ['availability_zone']}],
        },
    },
    'required': ['aggregate'],
    'additionalProperties': False,
}

update_v20 = copy.deepcopy(update)
update_v20['properties']['aggregate']['properties'][
    'availability_zone'] = _availability_zone_v20


def _host_action(name):
    return {
        'type': 'object',
        'properties': {
            name: {
                'type': 'object',
                'properties': {'host': host},
                'required': ['host'],
                'additionalProperties': False,
            },
        },
        'required': [name],
        'additionalProperties': False,
    }


add_host = _host_action('add_host')
remove_host = _host_action('remove_host')

set_metadata = {
    'type': 'object',
    'properties': {
        'set_metadata': {
            'type': 'object',
            'properties': {
                'metadata': {
                    'type': 'object',
                    'patternProperties': {
                        '^[a-zA-Z0-9-_:. ]{1,255}$': {
                            'type': ['string', 'null'], 'maxLength': 255},
                    },
                    'additionalProperties': False,
                    'maxProperties': MAX_METADATA_ITEMS,
                },
            },
            'required': ['metadata'],
            'additionalProperties': False,
        },
    },
    'required': ['set_metadata'],
    'additionalProperties': False,
}
