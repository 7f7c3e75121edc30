"""The late check of hard server group policies, around a host claim.

Two schedulers may pick hosts for members of one anti-affinity group at
the same time, each from the member hosts it read before selecting. So
the claim of a group member runs inside an API DB transaction that first
locks the group's row: under the lock the members' hosts are read again,
the chosen host is refused if it now breaks the policy (the scheduler
then selects again, knowing those hosts), else the member's host is
recorded and the host claimed in the cell DB, then the lock released.
Members of one group are so placed one at a time; other groups and
servers in no group are not held up.
"""

from nube import exception
from nube.db.api import server_groups as groups_db
from nube.scheduler import claims
from nube.scheduler.filters import server_group_filter

HARD_POLICIES = (server_group_filter.AFFINITY,
                 server_group_filter.ANTI_AFFINITY)


class GroupPolicyViolated(exception.NubeException):
    msg_fmt = ('Host %(host)s would break the %(policy)s policy of server '
               'group %(group)s')

    def __init__(self, hosts=None, **kwargs):
        super().__init__(**kwargs)
        self.hosts = hosts or {}


def is_hard(group):
    return bool(group) and group.get('policy') in HARD_POLICIES


def member_hosts(api_db, group):
    """{host: members} of a group as committed now."""
    with api_db.transaction() as conn:
        return groups_db.member_hosts(conn, group['id'])


def claim_member(api_db, cell_db, node, instance_values, group):
    """Claim ``node`` for a member of ``group`` (a spec's group dict).

    Raises GroupPolicyViolated (carrying the hosts read under the lock)
    when the host breaks a hard policy now, ClaimFailed when the node is
    full; nothing is written then. A group deleted meanwhile no longer
    binds its members: the claim goes ahead.
    """
    uuid = instance_values['uuid']
    with api_db.transaction() as conn:
        if groups_db.lock_group(conn, group['id']):
            hosts = groups_db.member_hosts(conn, group['id'])
            policy = group.get('policy')
            if not server_group_filter.host_allowed(policy, group, hosts,
                                                    node['host']):
                raise GroupPolicyViolated(
                    hosts=hosts, host=node['host'], policy=policy,
                    group=group.get('uuid'))
            groups_db.set_member_host(conn, uuid, node['host'])
        # The API transaction commits after the cell's: a failed claim
        # rolls the member's host back with it.
        return claims.claim_and_create(cell_db, node, instance_values)


def record_member_host(api_db, instance_uuid, host):
    """Where a soft-policy member went (the weighers read it later)."""
    with api_db.transaction() as conn:
        groups_db.set_member_host(conn, instance_uuid, host)
