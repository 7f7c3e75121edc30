"""Server groups belong to a project: its members (and admins) manage
them; admins list every project's with ``all_projects``."""

from oslo_policy import policy

from nube.policies import base

SERVER_GROUPS = 'os_compute_api:os-server-groups:%s'


def _rule(name, check_str, description, method, path):
    return policy.DocumentedRuleDefault(
        name=SERVER_GROUPS % name, check_str=check_str,
        description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule('create', base.PROJECT_MEMBER_OR_ADMIN, 'Create a server group',
          'POST', '/os-server-groups'),
    _rule('delete', base.PROJECT_MEMBER_OR_ADMIN, 'Delete a server group',
          'DELETE', '/os-server-groups/{server_group_id}'),
    _rule('index', base.PROJECT_READER_OR_ADMIN, 'List server groups',
          'GET', '/os-server-groups'),
    _rule('show', base.PROJECT_READER_OR_ADMIN, 'Show a server group',
          'GET', '/os-server-groups/{server_group_id}'),
]


def list_rules():
    return rules
