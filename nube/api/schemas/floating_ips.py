"""Request bodies of os-floating-ips and the addFloatingIp and
removeFloatingIp server actions (Nova's schemas, with bounds)."""

from nube.api.schemas import parameter_types

# Nova: the body may be absent or null; a missing pool is the first one.
# Other keys are ignored, as Nova's proxy ignores them.
create = {
    'type': ['object', 'null'],
    'properties': {
        'pool': {'type': ['string', 'null'], 'maxLength': 255},
    },
}

add_floating_ip = {
    'type': 'object',
    'properties': {
        'addFloatingIp': {
            'type': 'object',
            'properties': {
                'address': parameter_types.ip_address,
                'fixed_address': parameter_types.ip_address,
            },
            'required': ['address'],
            'additionalProperties': False,
        },
    },
    'required': ['addFloatingIp'],
    'additionalProperties': False,
}

remove_floating_ip = {
    'type': 'object',
    'properties': {
        'removeFloatingIp': {
            'type': 'object',
            'properties': {'address': parameter_types.ip_address},
            'required': ['address'],
            'additionalProperties': False,
        },
    },
    'required': ['removeFloatingIp'],
    'additionalProperties': False,
}
