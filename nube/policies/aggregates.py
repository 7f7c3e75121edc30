"""os-aggregates: host aggregates are for admins only."""

from oslo_policy import policy

from nube.policies import base

AGGREGATES = 'os_compute_api:os-aggregates:%s'

_ROOT = '/os-aggregates'
_ONE = _ROOT + '/{aggregate_id}'
_ACTION = _ONE + '/action (%s)'


def _rule(name, description, method, path):
    return policy.DocumentedRuleDefault(
        name=AGGREGATES % name, check_str=base.ADMIN,
        description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule('index', 'List aggregates', 'GET', _ROOT),
    _rule('create', 'Create an aggregate', 'POST', _ROOT),
    _rule('show', 'Show an aggregate', 'GET', _ONE),
    _rule('update', 'Rename an aggregate or change its availability zone',
          'PUT', _ONE),
    _rule('delete', 'Delete an aggregate', 'DELETE', _ONE),
    _rule('add_host', 'Add a host to an aggregate', 'POST',
          _ACTION % 'add_host'),
    _rule('remove_host', 'Remove a host from an aggregate', 'POST',
          _ACTION % 'remove_host'),
    _rule('set_metadata', 'Set or delete metadata of an aggregate', 'POST',
          _ACTION % 'set_metadata'),
]


def list_rules():
    return rules
