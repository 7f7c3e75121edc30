"""Request schemas for /servers, per microversion (Nova's rules up to 2.47).
"""

import copy

from nube.api.schemas import parameter_types as types

_bdm_v1 = {
    'type': 'object',
    'properties': {
        'virtual_name': {'type': 'string', 'maxLength': 255},
        'volume_id': types.uuid,
        'snapshot_id': types.image_id,
        'volume_size': types.volume_size,
        'device_name': {'type': 'string', 'minLength': 1,
                        'maxLength': 255, 'pattern': '^[a-zA-Z0-9._-r/]*$'},
        'delete_on_termination': types.boolean,
        'no_device': {},
        'connection_info': {'type': 'string', 'maxLength': 16777215},
    },
    'additionalProperties': False,
}

_bdm_v2 = copy.deepcopy(_bdm_v1)
_bdm_v2['properties'].update({
    'source_type': {'type': 'string',
                    'enum': ['volume', 'image', 'snapshot', 'blank']},
    'uuid': {'type': 'string', 'minLength': 1, 'maxLength': 255,
             'pattern': '^[a-zA-Z0-9._-]*$'},
    'image_id': types.image_id,
    'destination_type': {'type': 'string', 'enum': ['local', 'volume']},
    'guest_format': {'type': 'string', 'maxLength': 255},
    'device_type': {'type': 'string', 'maxLength': 255},
    'disk_bus': {'type': 'string', 'maxLength': 255},
    'boot_index': {'type': ['integer', 'string', 'null'],
                   'pattern': '^-?[0-9]+$',
                   'minimum': -types.MAX_INT - 1, 'maximum': types.MAX_INT},
})

# Hints are copied into every server's request spec: bounded in number
# and size (other keys are kept as Nova keeps them, up to the same size).
_hint_value = {'type': ['string', 'array', 'object', 'number', 'boolean',
                        'null'],
               'maxLength': 255, 'maxItems': types.MAX_HINT_ITEMS,
               'maxProperties': types.MAX_HINT_ITEMS}

_hints = {
    'type': 'object',
    'maxProperties': types.MAX_HINT_ITEMS,
    'properties': {
        'group': types.uuid,
        'different_host': {'oneOf': [types.uuid,
                                     {'type': 'array',
                                      'maxItems': types.MAX_HINT_ITEMS,
                                      'items': types.server_id}]},
        'same_host': {'type': ['string', 'array'],
                      'maxItems': types.MAX_HINT_ITEMS,
                      'items': types.server_id},
        'query': {'type': ['string', 'object'], 'maxLength': 4096,
                  'maxProperties': types.MAX_HINT_ITEMS},
        'target_cell': types.name,
        'different_cell': {'type': ['string', 'array'], 'maxLength': 255,
                           'maxItems': types.MAX_HINT_ITEMS,
                           'items': {'type': 'string', 'maxLength': 255}},
        'build_near_host_ip': types.ip_address,
        'cidr': {'type': 'string', 'maxLength': 64,
                 'pattern': '^/[0-9a-f.:]+$'},
    },
    'additionalProperties': _hint_value,
}

_network_item = {
    'type': 'object',
    'properties': {
        'fixed_ip': types.ip_address,
        'port': {'oneOf': [types.uuid, {'type': 'null'}]},
        'uuid': {'type': 'string', 'maxLength': 255},
    },
    'additionalProperties': False,
}

_base_create = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': {
                'name': types.name,
                'imageRef': types.image_id_or_empty_string,
                'flavorRef': types.flavor_ref,
                'adminPass': types.admin_password,
                'metadata': types.metadata,
                'networks': {'type': 'array', 'items': _network_item,
                             'maxItems': types.MAX_NETWORKS},
                'OS-DCF:diskConfig': types.disk_config,
                'accessIPv4': types.access_ipv4,
                'accessIPv6': types.access_ipv6,
                'personality': types.personality,
                'availability_zone': types.name,
                'block_device_mapping': {
                    'type': 'array', 'items': _bdm_v1,
                    'maxItems': types.MAX_BLOCK_DEVICE_MAPPINGS},
                'block_device_mapping_v2': {
                    'type': 'array', 'items': _bdm_v2,
                    'maxItems': types.MAX_BLOCK_DEVICE_MAPPINGS},
                'config_drive': types.boolean,
                'key_name': types.name,
                'min_count': types.positive_integer,
                'max_count': types.positive_integer,
                'return_reservation_id': types.boolean,
                'security_groups': {
                    'type': 'array',
                    'maxItems': types.MAX_SECURITY_GROUPS,
                    'items': {
                        'type': 'object',
                        'properties': {'name': types.name},
                        'additionalProperties': False,
                    },
                },
                'user_data': {'type': 'string', 'format': 'base64',
                              'maxLength': 65535},
            },
            'required': ['name', 'flavorRef'],
            'additionalProperties': False,
        },
        'os:scheduler_hints': _hints,
        'OS-SCH-HNT:scheduler_hints': _hints,
    },
    'required': ['server'],
    'additionalProperties': False,
}


def _server_props(schema):
    return schema['properties']['server']['properties']


def _build_create_schemas():
    v20 = copy.deepcopy(_base_create)
    props = _server_props(v20)
    for key in ('name', 'availability_zone', 'key_name'):
        props[key] = types.name_with_leading_trailing_spaces
    props['security_groups']['items']['properties']['name'] = (
        types.name_with_leading_trailing_spaces)
    props['user_data'] = {'oneOf': [{'type': 'string', 'format': 'base64',
                                     'maxLength': 65535},
                                    {'type': 'null'}]}

    v219 = copy.deepcopy(_base_create)
    _server_props(v219)['description'] = types.description

    v232 = copy.deepcopy(v219)
    _server_props(v232)['networks']['items']['properties']['tag'] = types.tag
    _server_props(v232)['block_device_mapping_v2']['items'][
        'properties']['tag'] = types.tag

    # Nova meant "2.32 and later" but shipped "2.32 only"; 2.33-2.36 keep
    # only the network tag.
    v233 = copy.deepcopy(v219)
    _server_props(v233)['networks']['items']['properties']['tag'] = types.tag

    v237 = copy.deepcopy(v233)
    v237['properties']['server']['required'].append('networks')
    item = copy.deepcopy(_network_item)
    item['properties']['uuid'] = types.uuid
    _server_props(v237)['networks'] = {
        'oneOf': [{'type': 'array', 'items': item,
                   'maxItems': types.MAX_NETWORKS},
                  {'type': 'string', 'enum': ['none', 'auto']}]}

    v242 = copy.deepcopy(v237)
    item = copy.deepcopy(item)
    item['properties']['tag'] = types.tag
    _server_props(v242)['networks'] = {
        'oneOf': [{'type': 'array', 'items': item,
                   'maxItems': types.MAX_NETWORKS},
                  {'type': 'string', 'enum': ['none', 'auto']}]}
    _server_props(v242)['block_device_mapping_v2']['items'][
        'properties']['tag'] = types.tag
    # (minor version from which it applies, schema), newest first.
    return v20, [(42, v242), (37, v237), (33, v233), (32, v232),
                 (19, v219), (1, _base_create)]


_CREATE_V20, _CREATE_BY_VERSION = _build_create_schemas()


def create(version, legacy_v2=False):
    """The POST /servers schema for a request at ``version``."""
    if legacy_v2:
        return _CREATE_V20
    for minor, schema in _CREATE_BY_VERSION:
        if version >= (2, minor):
            return schema
    return _base_create


_base_update = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': {
                'name': types.name,
                'OS-DCF:diskConfig': types.disk_config,
                'accessIPv4': types.access_ipv4,
                'accessIPv6': types.access_ipv6,
            },
            'additionalProperties': False,
        },
    },
    'required': ['server'],
    'additionalProperties': False,
}

_update_v20 = copy.deepcopy(_base_update)
_update_v20['properties']['server']['properties']['name'] = (
    types.name_with_leading_trailing_spaces)

_update_v219 = copy.deepcopy(_base_update)
_update_v219['properties']['server']['properties']['description'] = (
    types.description)


def update(version, legacy_v2=False):
    """The PUT /servers/{id} schema for a request at ``version``."""
    if legacy_v2:
        return _update_v20
    if version >= (2, 19):
        return _update_v219
    return _base_update
