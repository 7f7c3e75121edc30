"""os-hypervisors: compute nodes and what runs on them, admins only."""

from oslo_policy import policy

from nube.policies import base

HYPERVISORS = 'os_compute_api:os-hypervisors:%s'

_OPERATIONS = (
    ('list', 'List hypervisors', '/os-hypervisors'),
    ('list-detail', 'List hypervisors with details',
     '/os-hypervisors/detail'),
    ('statistics', 'Show summed hypervisor statistics',
     '/os-hypervisors/statistics'),
    ('show', 'Show a hypervisor', '/os-hypervisors/{hypervisor_id}'),
    ('search', 'Search hypervisors by name',
     '/os-hypervisors/{hypervisor_hostname_pattern}/search'),
    ('servers', 'List the servers of matching hypervisors',
     '/os-hypervisors/{hypervisor_hostname_pattern}/servers'),
)

rules = [
    policy.DocumentedRuleDefault(
        name=HYPERVISORS % name, check_str=base.ADMIN,
        description=description,
        operations=[{'method': 'GET', 'path': path}],
        scope_types=base.PROJECT_SCOPE)
    for name, description, path in _OPERATIONS
]


def list_rules():
    return rules
