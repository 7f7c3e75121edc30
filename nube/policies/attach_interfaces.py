"""os-interface: a server's ports; owners (or admins) attach and detach,
readers list."""

from oslo_policy import policy

from nube.policies import base

INTERFACES = 'os_compute_api:os-attach-interfaces:%s'


def _rule(name, check, description, method, path):
    return policy.DocumentedRuleDefault(
        name=INTERFACES % name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule('list', base.PROJECT_READER_OR_ADMIN, "List a server's interfaces",
          'GET', '/servers/{server_id}/os-interface'),
    _rule('show', base.PROJECT_READER_OR_ADMIN, 'Show one interface',
          'GET', '/servers/{server_id}/os-interface/{port_id}'),
    _rule('create', base.PROJECT_MEMBER_OR_ADMIN, 'Attach an interface',
          'POST', '/servers/{server_id}/os-interface'),
    _rule('delete', base.PROJECT_MEMBER_OR_ADMIN, 'Detach an interface',
          'DELETE', '/servers/{server_id}/os-interface/{port_id}'),
]


def list_rules():
    return rules
