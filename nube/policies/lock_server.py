"""Lock and unlock: owners lock their servers; only admins break a lock
an admin set (Nova's unlock_override)."""

from oslo_policy import policy

from nube.policies import base

LOCK = 'os_compute_api:os-lock-server:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=LOCK % 'lock', check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description='Lock a server',
        operations=[{'method': 'POST',
                     'path': '/servers/{server_id}/action (lock)'}],
        scope_types=base.PROJECT_SCOPE),
    policy.DocumentedRuleDefault(
        name=LOCK % 'unlock', check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description='Unlock a server',
        operations=[{'method': 'POST',
                     'path': '/servers/{server_id}/action (unlock)'}],
        scope_types=base.PROJECT_SCOPE),
    policy.DocumentedRuleDefault(
        name=LOCK % 'unlock:unlock_override', check_str=base.ADMIN,
        description='Unlock a server that someone else (an admin, or the '
                    'owner when the caller is an admin) locked',
        operations=[{'method': 'POST',
                     'path': '/servers/{server_id}/action (unlock)'}],
        scope_types=base.PROJECT_SCOPE),
]


def list_rules():
    return rules
