"""Server groups and their members in the API database.

A group row carries its one policy and its rules (JSON). A member row
names a server and, once scheduled, the host it landed on: the scheduler
reads ``member_hosts`` under the group's row lock (``lock_group``) before
it claims a host for another member, so two schedulers never place two
anti-affinity members on one host.

Functions take an ApiDatabase (``db``) or, where they run inside a
caller's transaction (server creates, the scheduler's late check), a Core
connection (``conn``).
"""

import uuid as uuidlib

import sqlalchemy as sa

from nube import exception
from nube import utils
from nube.db.api import models

_GROUPS = models.ServerGroup.__table__
_G = _GROUPS.c
_MEMBERS = models.ServerGroupMember.__table__
_M = _MEMBERS.c
_MAPPINGS = models.InstanceMapping.__table__


class ServerGroupNotFound(exception.NotFound):
    msg_fmt = 'Instance group %(group_uuid)s could not be found.'


def _to_dict(row):
    values = dict(row._mapping)
    values['rules'] = utils.loads(values.get('rules'), default={})
    return values


def _group_id(group):
    return group['id'] if isinstance(group, dict) else group


def create(db, values):
    """Insert a group: name, project_id, user_id, policy, rules (dict)."""
    values = dict(values)
    values.setdefault('uuid', str(uuidlib.uuid4()))
    values['rules'] = utils.dumps(values.get('rules') or {})
    values.setdefault('created_at', utils.utcnow().replace(microsecond=0))
    with db.transaction() as conn:
        conn.execute(_GROUPS.insert(), values)
        return _to_dict(conn.execute(sa.select(_GROUPS).where(
            _G.uuid == values['uuid'])).one())


def get(db, uuid):
    with db.transaction() as conn:
        row = conn.execute(sa.select(_GROUPS).where(
            _G.uuid == uuid)).first()
    if row is None:
        raise ServerGroupNotFound(group_uuid=uuid)
    return _to_dict(row)


def get_all(db, project_id=None, limit=None, offset=None):
    """Groups of a project (every project's with None), oldest first."""
    query = sa.select(_GROUPS)
    if project_id is not None:
        query = query.where(_G.project_id == project_id)
    query = query.order_by(_G.id.asc())
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with db.transaction() as conn:
        return [_to_dict(row) for row in conn.execute(query)]


def delete(db, uuid):
    """Delete a group; its member rows go with it."""
    with db.transaction() as conn:
        row = conn.execute(sa.select(_G.id).where(_G.uuid == uuid)).first()
        if row is None:
            raise ServerGroupNotFound(group_uuid=uuid)
        # Not left to ON DELETE CASCADE: SQLite enforces it only with
        # foreign keys on, and this keeps the statement order explicit.
        conn.execute(sa.delete(_MEMBERS).where(_M.group_id == row.id))
        conn.execute(sa.delete(_GROUPS).where(_G.id == row.id))


# Members shown are servers that still have an instance mapping (as Nova
# shows them): a server whose build was deleted is not listed even if its
# member row outlived it.
_SHOWN_MEMBERS = sa.select(_M.group_id, _M.instance_uuid).select_from(
    _MEMBERS.join(_MAPPINGS, _MAPPINGS.c.instance_uuid == _M.instance_uuid))


def members(db, group):
    """Instance UUIDs of a group's members, in the order they joined."""
    return members_of(db, [_group_id(group)])[_group_id(group)]


def members_of(db, group_ids):
    """{group id: [instance uuids]} for a listing, in one query."""
    result = {gid: [] for gid in group_ids}
    if not group_ids:
        return result
    with db.transaction() as conn:
        for gid, uuid in conn.execute(_SHOWN_MEMBERS.where(
                _M.group_id.in_(list(group_ids))).order_by(_M.id)):
            result[gid].append(uuid)
    return result


def count_members(conn, group_id):
    return int(conn.execute(sa.select(sa.func.count()).where(
        _M.group_id == group_id)).scalar())


def add_members(conn, group_id, instance_uuids):
    """Make servers members (no host yet); an existing member is an
    error (a server is in one group at most)."""
    if not instance_uuids:
        return
    now = utils.utcnow()
    conn.execute(_MEMBERS.insert(), [
        {'group_id': group_id, 'instance_uuid': uuid, 'host': None,
         'created_at': now} for uuid in instance_uuids])


def remove_member(db, instance_uuid):
    """Drop a server from its group (a no-op for servers in none)."""
    with db.transaction() as conn:
        return bool(conn.execute(sa.delete(_MEMBERS).where(
            _M.instance_uuid == instance_uuid)).rowcount)


def member_hosts(conn, group_id):
    """{host: members on it} of a group's placed members."""
    rows = conn.execute(sa.select(_M.host, sa.func.count()).where(
        _M.group_id == group_id, _M.host.is_not(None)).group_by(_M.host))
    return {host: int(count) for host, count in rows}


def set_member_host(conn, instance_uuid, host):
    conn.execute(sa.update(_MEMBERS).where(
        _M.instance_uuid == instance_uuid).values(
            host=host, updated_at=utils.utcnow()))


def lock_group(conn, group_id):
    """Lock the group's row until the transaction ends; False when the
    group is gone. (SQLite serialises whole transactions instead.)"""
    query = sa.select(_G.id).where(_G.id == group_id)
    if conn.dialect.name != 'sqlite':
        query = query.with_for_update()
    return conn.execute(query).first() is not None


def group_of_member(db, instance_uuid):
    """The group a server is a member of, or None."""
    with db.transaction() as conn:
        row = conn.execute(sa.select(_GROUPS).select_from(
            _GROUPS.join(_MEMBERS, _M.group_id == _G.id)).where(
                _M.instance_uuid == instance_uuid)).first()
    return None if row is None else _to_dict(row)


def count_groups(db, project_id, user_id=None):
    query = sa.select(sa.func.count()).where(_G.project_id == project_id)
    if user_id is not None:
        query = query.where(_G.user_id == user_id)
    with db.transaction() as conn:
        return int(conn.execute(query).scalar())
