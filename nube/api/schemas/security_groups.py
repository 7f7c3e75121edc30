"""Request bodies of os-security-groups, os-security-group-rules and the
addSecurityGroup and removeSecurityGroup server actions.

Nova checks these in code (its messages are kept by the handlers); the
schemas bound types and lengths so nothing unbounded reaches the network
API. Ports are integers or their decimal strings, as Nova takes them.
"""

_TEXT = {'type': 'string', 'maxLength': 255}

# Nova: name and description are both needed, each at most 255 long.
_group = {
    'type': 'object',
    'properties': {
        'security_group': {
            'type': 'object',
            'properties': {'name': _TEXT, 'description': _TEXT},
            'required': ['name', 'description'],
        },
    },
    'required': ['security_group'],
}

create = _group
update = _group

_ID = {'type': ['string', 'null'], 'maxLength': 255}
_PORT = {'type': ['integer', 'string', 'null'], 'pattern': '^-?[0-9]+$',
         'maxLength': 6, 'minimum': -1, 'maximum': 65535}

create_rule = {
    'type': 'object',
    'properties': {
        'security_group_rule': {
            'type': 'object',
            'properties': {
                'parent_group_id': _ID,
                'group_id': _ID,
                'ip_protocol': {'type': ['string', 'null'],
                                'maxLength': 32},
                'from_port': _PORT,
                'to_port': _PORT,
                'cidr': {'type': ['string', 'null'], 'maxLength': 64},
            },
        },
    },
    'required': ['security_group_rule'],
}


def server_action(name):
    """addSecurityGroup / removeSecurityGroup: {name: {'name': ...}}."""
    return {
        'type': 'object',
        'properties': {
            name: {
                'type': 'object',
                'properties': {'name': _TEXT},
            },
        },
        'required': [name],
        'additionalProperties': False,
    }
