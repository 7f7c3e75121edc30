"""Request bodies of POST /os-keypairs per microversion (Nova's).

Names are also checked for Nova's safe characters by the keypair API.
"""

import copy

from nube.api.schemas import parameter_types

create = {
    'type': 'object',
    'properties': {
        'keypair': {
            'type': 'object',
            'properties': {
                'name': parameter_types.name,
                # The column is a TEXT; real keys and certificates are
                # a few KiB.
                'public_key': {'type': 'string', 'maxLength': 65535},
            },
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['keypair'],
    'additionalProperties': False,
}

create_v22 = copy.deepcopy(create)
create_v22['properties']['keypair']['properties']['type'] = {
    'type': 'string', 'enum': ['ssh', 'x509']}

create_v210 = copy.deepcopy(create_v22)
create_v210['properties']['keypair']['properties']['user_id'] = {
    'type': 'string', 'minLength': 1, 'maxLength': 255}


def create_for(req):
    if req.at_least(10):
        return create_v210
    if req.at_least(2):
        return create_v22
    return create
