"""Request body of POST /servers/{id}/os-interface (Nova's schema)."""

from nube.api.schemas import parameter_types

create = {
    'type': 'object',
    'properties': {
        'interfaceAttachment': {
            'type': 'object',
            'properties': {
                'net_id': {'type': 'string', 'format': 'uuid',
                           'maxLength': 36},
                'port_id': {'type': 'string', 'format': 'uuid',
                            'maxLength': 36},
                'fixed_ips': {
                    'type': 'array', 'minItems': 1, 'maxItems': 1,
                    'items': {
                        'type': 'object',
                        'properties': {
                            'ip_address': parameter_types.ip_address},
                        'required': ['ip_address'],
                        'additionalProperties': False}},
            },
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}
