"""GET /limits: the project's absolute limits and what it uses of them.

nube has no per-project quotas yet, so the maxima of counted resources
(servers, cores, RAM) are -1 (Nova's "unlimited"); the fixed limits are
Nova's defaults, the enforced ones (server metadata items, key pairs per
user) read from where they are enforced.
"""

from nube.api import common
from nube.compute import instance_ops
from nube.compute import keypairs
from nube.policies import limits as policies

UNLIMITED = -1
MAX_SERVER_META = instance_ops.METADATA_ITEMS
MAX_IMAGE_META = 128
MAX_PERSONALITY = 5
MAX_PERSONALITY_SIZE = 10240
MAX_KEYPAIRS = keypairs.KEYPAIRS_PER_USER
MAX_SERVER_GROUPS = 10
MAX_SERVER_GROUP_MEMBERS = 10
MAX_SECURITY_GROUPS = 10
MAX_SECURITY_GROUP_RULES = 20
MAX_FLOATING_IPS = 10

# Dropped from the body at 2.36 (network proxies) and 2.39 (image meta).
_NETWORK_KEYS = ('maxSecurityGroups', 'maxSecurityGroupRules',
                 'maxTotalFloatingIps', 'totalFloatingIpsUsed',
                 'totalSecurityGroupsUsed')


def _usage(req, project_id):
    context = req.context
    filters = {'project_id': project_id, 'deleted': False}
    if project_id != context.project_id:
        filters['all_tenants'] = True
    instances = req.compute_api.get_all(context, filters)
    cores = sum(i.get('vcpus') or 0 for i in instances)
    ram = sum(i.get('memory_mb') or 0 for i in instances)
    return len(instances), cores, ram


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
    count, cores, ram = _usage(req, _project(req))
    absolute = {
        'maxServerMeta': MAX_SERVER_META,
        'maxImageMeta': MAX_IMAGE_META,
        'maxPersonality': MAX_PERSONALITY,
        'maxPersonalitySize': MAX_PERSONALITY_SIZE,
        'maxTotalKeypairs': MAX_KEYPAIRS,
        'maxServerGroups': MAX_SERVER_GROUPS,
        'maxServerGroupMembers': MAX_SERVER_GROUP_MEMBERS,
        'maxTotalInstances': UNLIMITED,
        'maxTotalCores': UNLIMITED,
        'maxTotalRAMSize': UNLIMITED,
        'maxSecurityGroups': MAX_SECURITY_GROUPS,
        'maxSecurityGroupRules': MAX_SECURITY_GROUP_RULES,
        'maxTotalFloatingIps': MAX_FLOATING_IPS,
        'totalInstancesUsed': count,
        'totalCoresUsed': cores,
        'totalRAMUsed': ram,
        'totalServerGroupsUsed': 0,
        'totalFloatingIpsUsed': 0,
        'totalSecurityGroupsUsed': 0,
    }
    if req.at_least(36):
        for key in _NETWORK_KEYS:
            absolute.pop(key)
    if req.at_least(39):
        absolute.pop('maxImageMeta')
    return common.json_response({'limits': {'rate': [],
                                            'absolute': absolute}})
