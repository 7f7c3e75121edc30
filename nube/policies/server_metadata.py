"""Server metadata: readers read it, members change it (Nova's defaults)."""

from oslo_policy import policy

from nube.policies import base

METADATA = 'os_compute_api:server-metadata:%s'

_ALL = '/servers/{server_id}/metadata'
_ONE = _ALL + '/{key}'


def _rule(name, check, description, method, path):
    return policy.DocumentedRuleDefault(
        name=METADATA % name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule('index', base.PROJECT_READER_OR_ADMIN,
          "List a server's metadata", 'GET', _ALL),
    _rule('show', base.PROJECT_READER_OR_ADMIN,
          'Show one metadata item of a server', 'GET', _ONE),
    _rule('create', base.PROJECT_MEMBER_OR_ADMIN,
          'Create or update metadata items of a server', 'POST', _ALL),
    _rule('update_all', base.PROJECT_MEMBER_OR_ADMIN,
          "Replace all of a server's metadata", 'PUT', _ALL),
    _rule('update', base.PROJECT_MEMBER_OR_ADMIN,
          'Create or update one metadata item of a server', 'PUT', _ONE),
    _rule('delete', base.PROJECT_MEMBER_OR_ADMIN,
          'Delete one metadata item of a server', 'DELETE', _ONE),
]


def list_rules():
    return rules
