"""Quota rows and usage counts in the API database.

Limits live in three tables: ``quota_classes`` (the ``default`` class
overrides the configured defaults), ``quotas`` (a project's own) and
``project_user_quotas`` (a user's within a project). Usage of servers is
counted from ``instance_mappings``, which carry each server's vCPUs and
RAM, so one indexed aggregate answers it without asking any cell.

``lock_project`` serialises the creates of one project: the first
statement of their transaction takes the row lock of the project's
``project_quota_locks`` row, so the count that follows sees every create
committed before it and none can commit between the count and the write.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import sqlite

from nube import utils
from nube.db.api import models

_CLASSES = models.QuotaClass.__table__
_PROJECT = models.Quota.__table__
_USER = models.ProjectUserQuota.__table__
_LOCKS = models.ProjectQuotaLock.__table__
_MAPPINGS = models.InstanceMapping.__table__
_M = _MAPPINGS.c

_SERVER_USAGE = sa.select(
    sa.func.count(), sa.func.coalesce(sa.func.sum(_M.vcpus), 0),
    sa.func.coalesce(sa.func.sum(_M.memory_mb), 0),
).where(_M.project_id == sa.bindparam('b_project'),
        _M.queued_for_delete.is_(False))
_USER_SERVER_USAGE = _SERVER_USAGE.where(_M.user_id == sa.bindparam('b_user'))


def _limits(conn, table, *where):
    rows = conn.execute(sa.select(table.c.resource, table.c.hard_limit)
                        .where(*where))
    return {resource: limit for resource, limit in rows
            if limit is not None}


def class_limits(conn, class_name):
    return _limits(conn, _CLASSES, _CLASSES.c.class_name == class_name)


def project_limits(conn, project_id):
    return _limits(conn, _PROJECT, _PROJECT.c.project_id == project_id)


def user_limits(conn, project_id, user_id):
    return _limits(conn, _USER, _USER.c.project_id == project_id,
                   _USER.c.user_id == user_id)


def _upsert(conn, table, keys, values):
    """Set ``{resource: limit}`` rows under ``keys`` (a column dict)."""
    now = utils.utcnow()
    where = [table.c[k] == v for k, v in keys.items()]
    for resource, limit in values.items():
        count = conn.execute(sa.update(table).where(
            *where, table.c.resource == resource).values(
                hard_limit=limit, updated_at=now)).rowcount
        if not count:
            conn.execute(table.insert().values(
                resource=resource, hard_limit=limit, created_at=now, **keys))


def set_class_limits(conn, class_name, values):
    _upsert(conn, _CLASSES, {'class_name': class_name}, values)


def set_project_limits(conn, project_id, values):
    _upsert(conn, _PROJECT, {'project_id': project_id}, values)


def set_user_limits(conn, project_id, user_id, values):
    _upsert(conn, _USER, {'project_id': project_id, 'user_id': user_id},
            values)


def delete_project_limits(conn, project_id):
    """A project's own limits and its users' go: defaults apply again."""
    conn.execute(sa.delete(_USER).where(_USER.c.project_id == project_id))
    conn.execute(sa.delete(_PROJECT).where(_PROJECT.c.project_id ==
                                           project_id))


def delete_user_limits(conn, project_id, user_id):
    conn.execute(sa.delete(_USER).where(_USER.c.project_id == project_id,
                                        _USER.c.user_id == user_id))


def server_usage(conn, project_id, user_id=None):
    """(servers, vCPUs, MB of RAM) the project (or its user) holds."""
    if user_id is None:
        row = conn.execute(_SERVER_USAGE, {'b_project': project_id}).one()
    else:
        row = conn.execute(_USER_SERVER_USAGE, {
            'b_project': project_id, 'b_user': user_id}).one()
    return int(row[0]), int(row[1]), int(row[2])


def lock_project(conn, project_id):
    """Take the project's quota lock (held until the transaction ends)."""
    now = utils.utcnow()
    name = conn.dialect.name
    if name == 'mysql':
        statement = mysql.insert(_LOCKS).values(
            project_id=project_id, created_at=now)
        statement = statement.on_duplicate_key_update(updated_at=now)
    elif name == 'sqlite':
        statement = sqlite.insert(_LOCKS).values(
            project_id=project_id, created_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=['project_id'], set_={'updated_at': now})
    else:
        statement = None
    if statement is not None:
        conn.execute(statement)
        return
    # Other databases: insert once, then lock the row.
    if conn.execute(sa.update(_LOCKS).where(
            _LOCKS.c.project_id == project_id).values(
                updated_at=now)).rowcount == 0:
        conn.execute(_LOCKS.insert().values(project_id=project_id,
                                            created_at=now))
