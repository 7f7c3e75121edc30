"""os-services: every nube service and whether it is up, admins only."""

from oslo_policy import policy

from nube.policies import base

SERVICES = 'os_compute_api:os-services:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=SERVICES % 'list', check_str=base.ADMIN,
        description='List compute services',
        operations=[{'method': 'GET', 'path': '/os-services'}],
        scope_types=base.PROJECT_SCOPE),
]


def list_rules():
    return rules
