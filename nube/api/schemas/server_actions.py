"""Request schemas for POST /servers/{id}/action (Nova's, at 2.1)."""

import copy

from nube.api.schemas import parameter_types

def no_argument(action):
    """os-stop, os-start, forceDelete, restore, lock, unlock: clients
    send null or an object, whose content nube (like Nova below 2.73)
    does not use."""
    return {
        'type': 'object',
        'properties': {action: {'type': ['null', 'object']}},
        'required': [action],
        'additionalProperties': False,
    }


get_console_output = {
    'type': 'object',
    'properties': {
        'os-getConsoleOutput': {
            'type': 'object',
            'properties': {
                'length': {
                    'type': ['integer', 'string', 'null'],
                    'pattern': '^-?[0-9]+$',
                    # -1 (like null or no length) asks for all of it.
                    'minimum': -1, 'maximum': parameter_types.MAX_INT,
                },
            },
            'additionalProperties': False,
        },
    },
    'required': ['os-getConsoleOutput'],
    'additionalProperties': False,
}

reboot = {
    'type': 'object',
    'properties': {
        'reboot': {
            'type': 'object',
            'properties': {
                'type': {
                    'type': 'string',
                    'enum': ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'],
                },
            },
            'required': ['type'],
            'additionalProperties': False,
        },
    },
    'required': ['reboot'],
    'additionalProperties': False,
}


_rebuild = {
    'type': 'object',
    'properties': {
        'rebuild': {
            'type': 'object',
            'properties': {
                'name': parameter_types.name,
                'imageRef': parameter_types.image_id,
                'adminPass': parameter_types.admin_password,
                'metadata': parameter_types.metadata,
                'preserve_ephemeral': parameter_types.boolean,
                'OS-DCF:diskConfig': parameter_types.disk_config,
                'accessIPv4': parameter_types.access_ipv4,
                'accessIPv6': parameter_types.access_ipv6,
                'personality': parameter_types.personality,
            },
            'required': ['imageRef'],
            'additionalProperties': False,
        },
    },
    'required': ['rebuild'],
    'additionalProperties': False,
}

_rebuild_v219 = copy.deepcopy(_rebuild)
_rebuild_v219['properties']['rebuild']['properties']['description'] = \
    parameter_types.description

# The legacy /v2 endpoint tolerates whitespace around the name.
_rebuild_v20 = copy.deepcopy(_rebuild)
_rebuild_v20['properties']['rebuild']['properties']['name'] = \
    parameter_types.name_with_leading_trailing_spaces


def rebuild(version, legacy_v2=False):
    """The rebuild action's schema at ``version`` (2.19: description)."""
    if legacy_v2:
        return _rebuild_v20
    if version >= (2, 19):
        return _rebuild_v219
    return _rebuild
