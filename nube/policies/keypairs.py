"""Key pairs belong to a user: the user or an admin (who may name another
user with ``user_id`` from 2.10) manages them."""

from oslo_policy import policy

from nube.policies import base

KEYPAIRS = 'os_compute_api:os-keypairs:%s'

ADMIN_OR_OWNER = '(' + base.ADMIN + ') or user_id:%(user_id)s'


def _rule(name, description, method, path):
    return policy.DocumentedRuleDefault(
        name=KEYPAIRS % name, check_str=ADMIN_OR_OWNER,
        description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule('index', 'List key pairs', 'GET', '/os-keypairs'),
    _rule('create', 'Create or import a key pair', 'POST', '/os-keypairs'),
    _rule('delete', 'Delete a key pair', 'DELETE',
          '/os-keypairs/{keypair_name}'),
    _rule('show', 'Show a key pair', 'GET', '/os-keypairs/{keypair_name}'),
]


def list_rules():
    return rules
