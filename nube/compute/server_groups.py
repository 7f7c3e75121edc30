"""Server groups below HTTP: create, read, delete, and use at boot.

A group has one policy (``affinity``, ``anti-affinity``, and from 2.15
``soft-affinity``, ``soft-anti-affinity``). Servers join a group at
create time (the ``group`` scheduler hint, inside the transaction that
writes their build requests, within ``server_group_members``); the
scheduler places them by the policy and records each member's host.
Groups themselves count against the project's ``server_groups`` quota.
"""

from nube import exception
from nube import quota
from nube.db.api import server_groups as groups_db

AFFINITY = 'affinity'
ANTI_AFFINITY = 'anti-affinity'
SOFT_AFFINITY = 'soft-affinity'
SOFT_ANTI_AFFINITY = 'soft-anti-affinity'
POLICIES = (AFFINITY, ANTI_AFFINITY, SOFT_AFFINITY, SOFT_ANTI_AFFINITY)
# The scheduler must never break these; the soft ones only weigh hosts.
HARD_POLICIES = (AFFINITY, ANTI_AFFINITY)

ServerGroupNotFound = groups_db.ServerGroupNotFound


class GroupQuotaExceeded(exception.OverQuota):
    msg_fmt = 'Quota exceeded, too many server groups.'


class ServerGroupHintNotFound(exception.Invalid):
    """A boot naming a group that does not exist (Nova's 400)."""
    msg_fmt = 'Instance group %(group_uuid)s could not be found.'


def spec_view(group):
    """What a request spec carries of a group, for the scheduler."""
    return {'uuid': group['uuid'], 'id': group['id'],
            'policy': group['policy'], 'rules': group.get('rules') or {}}


class ServerGroupAPI:

    def __init__(self, db):
        self.db = db

    def create(self, ctxt, name, policy, rules=None):
        """A new group of the caller's project; 403 over quota.

        The count is checked before the insert and again after it (as
        Nova's recheck does): of two creates racing for the last slot one
        is undone, so the limit holds without a lock.
        """
        project_id, user_id = ctxt.project_id, ctxt.user_id
        self._check_quota(project_id, user_id, 1)
        group = groups_db.create(self.db, {
            'name': name, 'policy': policy, 'rules': rules or {},
            'project_id': project_id, 'user_id': user_id})
        try:
            self._check_quota(project_id, user_id, 0)
        except GroupQuotaExceeded:
            groups_db.delete(self.db, group['uuid'])
            raise
        group['members'] = []
        return group

    def _check_quota(self, project_id, user_id, delta):
        """The project's count against its limit, and the user's against
        the user's own limit when one is set."""
        scopes = [None]
        if user_id and 'server_groups' in quota.get_project_overrides(
                self.db, project_id, user_id):
            scopes.append(user_id)
        try:
            for scope in scopes:
                quota.check(self.db, project_id, scope, server_groups=delta)
        except exception.OverQuota:
            raise GroupQuotaExceeded()

    def _visible(self, ctxt, uuid):
        group = groups_db.get(self.db, uuid)
        if not ctxt.is_admin and group['project_id'] != ctxt.project_id:
            raise ServerGroupNotFound(group_uuid=uuid)
        return group

    def get(self, ctxt, uuid):
        """A group with its members (the caller's policy check decides
        who may see it)."""
        group = groups_db.get(self.db, uuid)
        group['members'] = groups_db.members(self.db, group)
        return group

    def list(self, ctxt, all_projects=False, limit=None, offset=None):
        project_id = None if (all_projects and ctxt.is_admin) \
            else ctxt.project_id
        groups = groups_db.get_all(self.db, project_id=project_id,
                                   limit=limit, offset=offset)
        members = groups_db.members_of(self.db, [g['id'] for g in groups])
        for group in groups:
            group['members'] = members[group['id']]
        return groups

    def delete(self, ctxt, uuid):
        groups_db.delete(self.db, uuid)

    def get_for_build(self, ctxt, uuid):
        """The group a boot's ``group`` hint names; 400 when there is none
        the caller may use."""
        try:
            return self._visible(ctxt, uuid)
        except ServerGroupNotFound:
            raise ServerGroupHintNotFound(group_uuid=uuid)

    def remove_member(self, instance_uuid):
        """A deleted server leaves its group (no-op outside any)."""
        return groups_db.remove_member(self.db, instance_uuid)
