"""GET /limits: the project's absolute limits and what it uses of them.

The limits are the project's effective quotas (nube.quota: its own, else
the ``default`` class, else ``[quota]``), the usage what nube.quota
counts for the project. Nova's names; at 2.36 the network proxies' keys
go, at 2.39 ``maxImageMeta``.
"""

from nube.api import common
from nube.policies import limits as policies
from nube import quota

# Nova's absolute limit names per quota resource.
_LIMIT_NAMES = (
    ('maxServerMeta', 'metadata_items'),
    ('maxImageMeta', 'metadata_items'),
    ('maxPersonality', 'injected_files'),
    ('maxPersonalitySize', 'injected_file_content_bytes'),
    ('maxTotalKeypairs', 'key_pairs'),
    ('maxServerGroups', 'server_groups'),
    ('maxServerGroupMembers', 'server_group_members'),
    ('maxTotalInstances', 'instances'),
    ('maxTotalCores', 'cores'),
    ('maxTotalRAMSize', 'ram'),
    ('maxSecurityGroups', 'security_groups'),
    ('maxSecurityGroupRules', 'security_group_rules'),
    ('maxTotalFloatingIps', 'floating_ips'),
)
_USED_NAMES = (
    ('totalInstancesUsed', 'instances'),
    ('totalCoresUsed', 'cores'),
    ('totalRAMUsed', 'ram'),
    ('totalServerGroupsUsed', 'server_groups'),
    ('totalFloatingIpsUsed', 'floating_ips'),
    ('totalSecurityGroupsUsed', 'security_groups'),
)

# Dropped from the body at 2.36 (network proxies) and 2.39 (image meta).
_NETWORK_KEYS = ('maxSecurityGroups', 'maxSecurityGroupRules',
                 'maxTotalFloatingIps', 'totalFloatingIpsUsed',
                 'totalSecurityGroupsUsed')


def _project(req):
    """The caller's project, or (admins) the one named by tenant_id."""
    project_id = req.context.project_id
    if 'tenant_id' in req.GET:
        project_id = req.GET.get('tenant_id')
        common.authorize(req, policies.OTHER_PROJECT,
                         {'project_id': project_id})
    return project_id


def index(req):
    common.authorize(req, policies.LIMITS)
    project_id = _project(req)
    wanted = [name for _key, name in _USED_NAMES]
    if req.at_least(36):
        wanted = [name for key, name in _USED_NAMES
                  if key not in _NETWORK_KEYS]
    limits = quota.get_project(req.db, project_id)
    used = quota.get_usage(req.db, project_id, resources=wanted)
    absolute = {key: limits[name] for key, name in _LIMIT_NAMES}
    absolute.update({key: used.get(name, 0) for key, name in _USED_NAMES})
    if req.at_least(36):
        for key in _NETWORK_KEYS:
            absolute.pop(key)
    if req.at_least(39):
        absolute.pop('maxImageMeta')
    return common.json_response({'limits': {'rate': [],
                                            'absolute': absolute}})
