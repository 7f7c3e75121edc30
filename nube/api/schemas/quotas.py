"""Bodies of PUT /os-quota-sets/{id} and PUT /os-quota-class-sets/{id}.

Nova's: each limit an integer (or a string of one) from -1 (no limit) to
the largest a DB column holds; ``force`` (quota sets only) skips the
check against what the project already uses. At 2.36 the network
proxies' limits leave the quota set body. ``networks`` is accepted below
2.36 only to be refused with Nova's words.
"""

import copy

from nube.api import common
from nube.api.schemas import parameter_types

limit = {
    'type': ['integer', 'string'],
    'pattern': '^-?[0-9]+$',
    'minimum': -1,
    'maximum': common.MAX_INT,
}

RESOURCES = ('instances', 'cores', 'ram', 'floating_ips', 'fixed_ips',
             'metadata_items', 'key_pairs', 'security_groups',
             'security_group_rules', 'injected_files',
             'injected_file_content_bytes', 'injected_file_path_bytes',
             'server_groups', 'server_group_members', 'networks')
# Gone from the bodies at 2.36 (Nova's network proxies).
NETWORK_RESOURCES = ('fixed_ips', 'floating_ips', 'security_groups',
                     'security_group_rules', 'networks')


def _body(key, properties):
    return {
        'type': 'object',
        'properties': {
            key: {
                'type': 'object',
                'properties': properties,
                'additionalProperties': False,
            },
        },
        'required': [key],
        'additionalProperties': False,
    }


_resources = {name: limit for name in RESOURCES}

update_set = _body('quota_set', dict(_resources,
                                     force=parameter_types.boolean))
update_set_v236 = copy.deepcopy(update_set)
for _name in NETWORK_RESOURCES:
    del update_set_v236['properties']['quota_set']['properties'][_name]

update_class = _body('quota_class_set', dict(_resources))


def update_set_for(req):
    return update_set_v236 if req.at_least(36) else update_set


def update_class_for(req):
    return update_class
