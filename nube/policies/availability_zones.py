"""os-availability-zone: names for anyone, hosts and services for admins."""

from oslo_policy import policy

from nube.policies import base

AZ = 'os_compute_api:os-availability-zone:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=AZ % 'list', check_str=base.ANY,
        description='List availability zones',
        operations=[{'method': 'GET', 'path': '/os-availability-zone'}],
        scope_types=base.PROJECT_SCOPE),
    policy.DocumentedRuleDefault(
        name=AZ % 'detail', check_str=base.ADMIN,
        description='List availability zones with their hosts and services',
        operations=[{'method': 'GET',
                     'path': '/os-availability-zone/detail'}],
        scope_types=base.PROJECT_SCOPE),
]


def list_rules():
    return rules
