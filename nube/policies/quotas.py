"""Quotas: a project's readers see its limits, admins change them.

The defaults (``os-quota-sets/{id}/defaults``) are for everyone, as in
Nova; quota classes are an administrator's.
"""

from oslo_policy import policy

from nube.policies import base

QUOTA_SETS = 'os_compute_api:os-quota-sets:%s'
QUOTA_CLASS_SETS = 'os_compute_api:os-quota-class-sets:%s'

_SET_PATH = '/os-quota-sets/{tenant_id}'
_CLASS_PATH = '/os-quota-class-sets/{id}'


def _rule(name, check_str, description, operations):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': method, 'path': path}
                    for method, path in operations],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule(QUOTA_SETS % 'show', base.PROJECT_READER_OR_ADMIN,
          'Show the limits of a project (or of a user in it)',
          [('GET', _SET_PATH)]),
    _rule(QUOTA_SETS % 'detail', base.PROJECT_READER_OR_ADMIN,
          'Show the limits of a project with their usage',
          [('GET', _SET_PATH + '/detail')]),
    _rule(QUOTA_SETS % 'defaults', base.ANY,
          'Show the default limits of every project',
          [('GET', _SET_PATH + '/defaults')]),
    _rule(QUOTA_SETS % 'update', base.ADMIN,
          'Change the limits of a project (or of a user in it)',
          [('PUT', _SET_PATH)]),
    _rule(QUOTA_SETS % 'delete', base.ADMIN,
          'Drop the limits set for a project (or a user in it): the '
          'defaults apply again',
          [('DELETE', _SET_PATH)]),
    _rule(QUOTA_CLASS_SETS % 'show', base.ADMIN,
          'Show the limits of a quota class', [('GET', _CLASS_PATH)]),
    _rule(QUOTA_CLASS_SETS % 'update', base.ADMIN,
          'Change the limits of a quota class (the default class\'s are '
          'every project\'s defaults)', [('PUT', _CLASS_PATH)]),
]


def list_rules():
    return rules
