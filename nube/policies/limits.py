"""GET /limits: one's own project for anyone, another project for admins."""

from oslo_policy import policy

from nube.policies import base

LIMITS = 'os_compute_api:limits'
OTHER_PROJECT = 'os_compute_api:limits:other_project'

rules = [
    policy.DocumentedRuleDefault(
        name=LIMITS, check_str=base.ANY,
        description='Show the limits and usage of the caller\'s project',
        operations=[{'method': 'GET', 'path': '/limits'}],
        scope_types=base.PROJECT_SCOPE),
    policy.DocumentedRuleDefault(
        name=OTHER_PROJECT, check_str=base.ADMIN,
        description='Show the limits and usage of another project '
                    '(tenant_id query parameter)',
        operations=[{'method': 'GET', 'path': '/limits'}],
        scope_types=base.PROJECT_SCOPE),
]


def list_rules():
    return rules
