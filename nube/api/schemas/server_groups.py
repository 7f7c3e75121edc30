"""Request bodies of POST /os-server-groups (Nova's, up to 2.63).

``policies`` is a list of exactly one policy; the soft ones exist from
2.15. A second policy (or an unknown one) is a 400.
"""

import copy

from nube.api.schemas import parameter_types

create = {
    'type': 'object',
    'properties': {
        'server_group': {
            'type': 'object',
            'properties': {
                'name': parameter_types.name,
                'policies': {
                    'type': 'array',
                    'items': [{'type': 'string',
                               'enum': ['anti-affinity', 'affinity']}],
                    'uniqueItems': True,
                    'minItems': 1,
                    'additionalItems': False,
                },
            },
            'required': ['name', 'policies'],
            'additionalProperties': False,
        },
    },
    'required': ['server_group'],
    'additionalProperties': False,
}

create_v215 = copy.deepcopy(create)
create_v215['properties']['server_group']['properties']['policies'][
    'items'][0]['enum'].extend(['soft-anti-affinity', 'soft-affinity'])


def create_for(req):
    return create_v215 if req.at_least(15) else create
