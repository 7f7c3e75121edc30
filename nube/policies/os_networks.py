"""os-networks: the compute API's read-only view of networks (Nova's
proxy to the network service, below microversion 2.36).

Nova's names and defaults: readers of their own project, or admins. The
rule only decides whether the caller may ask; which networks it is then
shown is the network API's visibility (nube/network/api.py). Nova's
older single rule, ``os_compute_api:os-networks:view``, was split into
these two in its 22.0.0 release.
"""

from oslo_policy import policy

from nube.policies import base

NETWORKS = 'os_compute_api:os-networks:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=NETWORKS % name, check_str=base.PROJECT_READER_OR_ADMIN,
        description=description, scope_types=base.PROJECT_SCOPE,
        operations=[{'method': 'GET', 'path': path}])
    for name, description, path in (
        ('list', 'List networks (deprecated nova-network proxy)',
         '/os-networks'),
        ('show', 'Show a network (deprecated nova-network proxy)',
         '/os-networks/{network_id}'))
]


def list_rules():
    return rules
