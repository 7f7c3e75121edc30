"""/v2.0/security-groups and /v2.0/security-group-rules.

Groups: list, show, create (one or bulk), update (name, description),
delete. Rules: list, show, create (one or bulk), delete; a rule is never
changed (PUT is 405, as in Neutron). The network API makes a project's
``default`` group the first time the project lists its groups, refuses
to delete it, and says whether a rule makes sense.

A rule's rules see its group's owner (``security_group:tenant_id``):
only the group's project (or an admin) adds or removes rules, as in
Neutron.
"""

from nube.network import exceptions
from nube.network import neutron
from nube.network.neutron import schemas_security
from nube import policy as nube_policy


class SecurityGroupController(neutron.Controller):
    resource = 'security_group'
    collection = 'security_groups'
    not_found = exceptions.SecurityGroupNotFound
    id_key = 'id'
    fields = schemas_security.SECURITY_GROUP_FIELDS
    create_schema = schemas_security.SECURITY_GROUP_CREATE
    update_schema = schemas_security.SECURITY_GROUP_UPDATE
    sort_keys = ('id', 'name', 'tenant_id', 'project_id', 'description',
                 'stateful', 'shared', 'created_at', 'updated_at',
                 'revision_number')
    filter_fields = sort_keys
    bool_fields = ('stateful', 'shared')

    def check(self, values):
        return schemas_security.check_security_group(values)


def group_target(deps, ctxt, group_id, required):
    """What a rule's rules know of its group: its owner. ``required``: a
    group the caller cannot see is its 404 (creates); else the owner is
    left out (the rules naming it then refuse)."""
    try:
        group = deps.api.get_security_group(ctxt, group_id)
    except exceptions.NotFound:
        if required:
            raise
        return {}
    owner = group.get('project_id') or group.get('tenant_id')
    return {'security_group:tenant_id': owner}


class SecurityGroupRuleController(neutron.Controller):
    resource = 'security_group_rule'
    collection = 'security_group_rules'
    not_found = exceptions.SecurityGroupRuleNotFound
    id_key = 'id'
    fields = schemas_security.SECURITY_GROUP_RULE_FIELDS
    create_schema = schemas_security.SECURITY_GROUP_RULE_CREATE
    sort_keys = ('id', 'security_group_id', 'direction', 'ethertype',
                 'protocol', 'port_range_min', 'port_range_max',
                 'remote_ip_prefix', 'remote_group_id', 'normalized_cidr',
                 'description', 'tenant_id', 'project_id', 'created_at',
                 'updated_at', 'revision_number')
    filter_fields = sort_keys + ('remote_address_group_id',
                                 'belongs_to_default_sg')
    bool_fields = ('belongs_to_default_sg',)

    def check(self, values):
        return schemas_security.check_security_group_rule(values)

    def _call(self, deps, verb, *args):
        if verb == 'list':
            ctxt, filters = args
            args = (ctxt, schemas_security.rule_filters(filters))
        return super()._call(deps, verb, *args)

    def target(self, deps, ctxt, resource, values, create=False):
        target = super().target(deps, ctxt, resource, values, create)
        target.update(group_target(deps, ctxt, resource['security_group_id'],
                                   required=create))
        return target

    def may_read(self, ctxt):
        # Reads are checked once, on the caller's own project and groups.
        target = nube_policy.default_target(ctxt)
        target['security_group:tenant_id'] = ctxt.project_id
        return neutron.allowed(ctxt, 'get_security_group_rule', target)


GROUPS = SecurityGroupController()
index = GROUPS.index
show = GROUPS.show
create = GROUPS.create
update = GROUPS.update
delete = GROUPS.delete

RULES = SecurityGroupRuleController()
index_rules = RULES.index
show_rule = RULES.show
create_rule = RULES.create
delete_rule = RULES.delete
