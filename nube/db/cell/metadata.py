"""Server metadata changes on a cell DB, each in one transaction.

Kept apart from nube/db/cell/api.py (the instance hot paths): these are
the metadata API's merge, replace and single-key delete, where the limit
on the number of items is checked on the merged result before commit.
"""

import sqlalchemy as sa

from nube import exception
from nube import utils
from nube.db.cell import models

_META = models.InstanceMetadata.__table__
_INSTANCES = models.Instance.__table__


def _current(conn, uuid):
    live = conn.execute(sa.select(_INSTANCES.c.id).where(
        _INSTANCES.c.uuid == uuid, _INSTANCES.c.deleted == 0)).first()
    if live is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return dict(conn.execute(sa.select(_META.c.key, _META.c.value).where(
        _META.c.instance_uuid == uuid)).all())


def metadata_get(cell_db, uuid):
    with cell_db.transaction() as conn:
        return _current(conn, uuid)


def metadata_update(cell_db, uuid, metadata, delete=False, limit=None):
    """Merge ``metadata`` into the server's (``delete``: replace it).

    Returns the whole metadata afterwards. More than ``limit`` items in
    the result raise MetadataLimitExceeded and change nothing.
    """
    now = utils.utcnow()
    with cell_db.transaction() as conn:
        current = _current(conn, uuid)
        result = dict(metadata) if delete else dict(current, **metadata)
        if limit is not None and len(result) > limit:
            raise exception.MetadataLimitExceeded(allowed=limit)
        gone = [key for key in current if key not in result]
        changed = [key for key, value in result.items()
                   if current.get(key, _MISSING) != value]
        stale = gone + [key for key in changed if key in current]
        if stale:
            conn.execute(sa.delete(_META).where(
                _META.c.instance_uuid == uuid, _META.c.key.in_(stale)))
        if changed:
            conn.execute(_META.insert(), [
                {'instance_uuid': uuid, 'key': key, 'value': result[key],
                 'created_at': now} for key in changed])
        return result


def metadata_delete(cell_db, uuid, key):
    """Delete one item; NotFound when the server does not have it."""
    with cell_db.transaction() as conn:
        current = _current(conn, uuid)
        if key not in current:
            raise exception.NotFound('Metadata item was not found')
        conn.execute(sa.delete(_META).where(
            _META.c.instance_uuid == uuid, _META.c.key == key))


_MISSING = object()
