"""Flavors: everyone reads them; only admins create, delete, set specs."""

from oslo_policy import policy

from nube.policies import base

MANAGE = 'os_compute_api:os-flavor-manage:%s'
EXTRA_SPECS = 'os_compute_api:os-flavor-extra-specs:%s'
ACCESS = 'os_compute_api:os-flavor-access'

_SPECS = '/flavors/{flavor_id}/os-extra_specs'


def _rule(name, check, description, operations):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule(MANAGE % 'create', base.ADMIN, 'Create a flavor',
          [('POST', '/flavors')]),
    _rule(MANAGE % 'delete', base.ADMIN, 'Delete a flavor',
          [('DELETE', '/flavors/{flavor_id}')]),
    _rule(ACCESS, base.ADMIN,
          'List private flavors too (is_public=false or None)',
          [('GET', '/flavors'), ('GET', '/flavors/detail')]),
    _rule(EXTRA_SPECS % 'index', base.PROJECT_READER_OR_ADMIN,
          'List a flavor\'s extra specs', [('GET', _SPECS)]),
    _rule(EXTRA_SPECS % 'show', base.PROJECT_READER_OR_ADMIN,
          'Show one extra spec of a flavor', [('GET', _SPECS + '/{key}')]),
    _rule(EXTRA_SPECS % 'create', base.ADMIN,
          'Create extra specs of a flavor', [('POST', _SPECS)]),
    _rule(EXTRA_SPECS % 'update', base.ADMIN,
          'Update an extra spec of a flavor', [('PUT', _SPECS + '/{key}')]),
    _rule(EXTRA_SPECS % 'delete', base.ADMIN,
          'Delete an extra spec of a flavor',
          [('DELETE', _SPECS + '/{key}')]),
]


def list_rules():
    return rules
