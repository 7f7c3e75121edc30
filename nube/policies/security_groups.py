"""os-security-groups, os-security-group-rules and a server's security
groups: Nova's proxies of the network service's security groups (the
group and rule routes are deprecated at microversion 2.36).

Nova's names and defaults: readers of their project list and show, and
list a server's groups; members create, update and delete groups and
rules, and add groups to or remove them from servers (admins too).
"""

from oslo_policy import policy

from nube.policies import base

SECURITY_GROUPS = 'os_compute_api:os-security-groups:%s'


def _rule(name, check, description, method, path):
    return policy.DocumentedRuleDefault(
        name=SECURITY_GROUPS % name, check_str=check,
        description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule('get', base.PROJECT_READER_OR_ADMIN,
          'List security groups (deprecated proxy)',
          'GET', '/os-security-groups'),
    _rule('show', base.PROJECT_READER_OR_ADMIN,
          'Show a security group (deprecated proxy)',
          'GET', '/os-security-groups/{security_group_id}'),
    _rule('create', base.PROJECT_MEMBER_OR_ADMIN,
          'Create a security group (deprecated proxy)',
          'POST', '/os-security-groups'),
    _rule('update', base.PROJECT_MEMBER_OR_ADMIN,
          'Update a security group (deprecated proxy)',
          'PUT', '/os-security-groups/{security_group_id}'),
    _rule('delete', base.PROJECT_MEMBER_OR_ADMIN,
          'Delete a security group (deprecated proxy)',
          'DELETE', '/os-security-groups/{security_group_id}'),
    _rule('rule:create', base.PROJECT_MEMBER_OR_ADMIN,
          'Create a security group rule (deprecated proxy)',
          'POST', '/os-security-group-rules'),
    _rule('rule:delete', base.PROJECT_MEMBER_OR_ADMIN,
          'Delete a security group rule (deprecated proxy)',
          'DELETE', '/os-security-group-rules/{security_group_rule_id}'),
    _rule('list', base.PROJECT_READER_OR_ADMIN,
          "List a server's security groups",
          'GET', '/servers/{server_id}/os-security-groups'),
    _rule('add', base.PROJECT_MEMBER_OR_ADMIN,
          'Add a security group to a server',
          'POST', '/servers/{server_id}/action (addSecurityGroup)'),
    _rule('remove', base.PROJECT_MEMBER_OR_ADMIN,
          'Remove a security group from a server',
          'POST', '/servers/{server_id}/action (removeSecurityGroup)'),
]


def list_rules():
    return rules
