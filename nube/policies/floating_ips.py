"""os-floating-ip-pools and os-floating-ips: Nova's deprecated proxies of
the network service's floating IPs (below microversion 2.36; the server
actions addFloatingIp and removeFloatingIp below 2.44).

Nova's names and defaults: anyone may list the pools; readers of their
project list and show its floating IPs, members allocate, release,
associate and disassociate them (admins too). Which floating IPs a
caller then sees is the network API's rule (its project's; admins all).
"""

from oslo_policy import policy

from nube.policies import base

POOLS = 'os_compute_api:os-floating-ip-pools'
FLOATING_IPS = 'os_compute_api:os-floating-ips:%s'


def _rule(name, check, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule(POOLS, base.ANY, 'List floating IP pools (deprecated proxy)',
          'GET', '/os-floating-ip-pools'),
    _rule(FLOATING_IPS % 'list', base.PROJECT_READER_OR_ADMIN,
          "List the project's floating IPs (deprecated proxy)",
          'GET', '/os-floating-ips'),
    _rule(FLOATING_IPS % 'show', base.PROJECT_READER_OR_ADMIN,
          'Show a floating IP (deprecated proxy)',
          'GET', '/os-floating-ips/{floating_ip_id}'),
    _rule(FLOATING_IPS % 'create', base.PROJECT_MEMBER_OR_ADMIN,
          'Allocate a floating IP from a pool (deprecated proxy)',
          'POST', '/os-floating-ips'),
    _rule(FLOATING_IPS % 'delete', base.PROJECT_MEMBER_OR_ADMIN,
          'Release a floating IP (deprecated proxy)',
          'DELETE', '/os-floating-ips/{floating_ip_id}'),
    _rule(FLOATING_IPS % 'add', base.PROJECT_MEMBER_OR_ADMIN,
          "Associate a floating IP with a server's fixed address",
          'POST', '/servers/{server_id}/action (addFloatingIp)'),
    _rule(FLOATING_IPS % 'remove', base.PROJECT_MEMBER_OR_ADMIN,
          'Disassociate a floating IP from a server',
          'POST', '/servers/{server_id}/action (removeFloatingIp)'),
]


def list_rules():
    return rules
