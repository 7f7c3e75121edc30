"""Nova's server rules: owners (members) change, readers read, admins all."""

from oslo_policy import policy

from nube.policies import base

SERVERS = 'os_compute_api:servers:%s'
CONSOLE_OUTPUT = 'os_compute_api:os-console-output'


def _rule(name, check, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule(SERVERS % 'index', base.PROJECT_READER_OR_ADMIN,
          'List servers', 'GET', '/servers'),
    _rule(SERVERS % 'detail', base.PROJECT_READER_OR_ADMIN,
          'List servers with details', 'GET', '/servers/detail'),
    _rule(SERVERS % 'index:get_all_tenants', base.ADMIN,
          'List servers of all projects (all_tenants)', 'GET', '/servers'),
    _rule(SERVERS % 'detail:get_all_tenants', base.ADMIN,
          'List servers of all projects with details (all_tenants)', 'GET',
          '/servers/detail'),
    _rule(SERVERS % 'allow_all_filters', base.ADMIN,
          'Use the admin-only list filters (host, node, project_id, '
          'user_id, ...) and sort keys', 'GET', '/servers'),
    _rule(SERVERS % 'show', base.PROJECT_READER_OR_ADMIN,
          'Show a server', 'GET', '/servers/{server_id}'),
    _rule(SERVERS % 'create', base.PROJECT_MEMBER_OR_ADMIN,
          'Create servers', 'POST', '/servers'),
    _rule(SERVERS % 'create:forced_host', base.ADMIN,
          'Pick the host of a new server (availability_zone zone:host)',
          'POST', '/servers'),
    _rule(SERVERS % 'update', base.PROJECT_MEMBER_OR_ADMIN,
          'Update a server', 'PUT', '/servers/{server_id}'),
    _rule(SERVERS % 'delete', base.PROJECT_MEMBER_OR_ADMIN,
          'Delete a server', 'DELETE', '/servers/{server_id}'),
    _rule(SERVERS % 'start', base.PROJECT_MEMBER_OR_ADMIN,
          'Start a server (os-start)', 'POST',
          '/servers/{server_id}/action (os-start)'),
    _rule(SERVERS % 'stop', base.PROJECT_MEMBER_OR_ADMIN,
          'Stop a server (os-stop)', 'POST',
          '/servers/{server_id}/action (os-stop)'),
    _rule(SERVERS % 'reboot', base.PROJECT_MEMBER_OR_ADMIN,
          'Reboot a server', 'POST', '/servers/{server_id}/action (reboot)'),
    _rule(SERVERS % 'rebuild', base.PROJECT_MEMBER_OR_ADMIN,
          'Rebuild a server', 'POST', '/servers/{server_id}/action (rebuild)'),
    _rule(CONSOLE_OUTPUT, base.PROJECT_MEMBER_OR_ADMIN,
          'Read a server\'s console output', 'POST',
          '/servers/{server_id}/action (os-getConsoleOutput)'),
]


def list_rules():
    return rules
