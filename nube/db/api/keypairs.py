"""Key pairs in the API database (per user, unique by name).

Functions on an ApiDatabase, kept out of nube/db/api/api.py (flavors,
mappings and the build hot paths). Dicts carry Nova's keypair fields;
timestamps are naive UTC datetimes, formatted by the API view.
"""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nube import exception
from nube import utils
from nube.db.api import models

_KEYPAIRS = models.KeyPair.__table__
_K = _KEYPAIRS.c


def _to_dict(row):
    values = dict(row._mapping)
    values['deleted'] = False
    values['deleted_at'] = None
    return values


def _row(conn, user_id, name):
    return conn.execute(sa.select(_KEYPAIRS).where(
        _K.user_id == user_id, _K.name == name)).first()


def _count(conn, user_id):
    return conn.execute(sa.select(sa.func.count()).where(
        _K.user_id == user_id)).scalar()


def key_pair_count(db, user_id):
    with db.transaction() as conn:
        return _count(conn, user_id)


def key_pair_create(db, values, limit=None):
    """Insert a key pair; KeyPairExists on a name clash, and
    KeypairLimitExceeded when the user already has ``limit`` of them."""
    values = dict(values)
    values.setdefault('created_at', utils.utcnow().replace(microsecond=0))
    try:
        with db.transaction() as conn:
            if limit is not None:
                if _count(conn, values['user_id']) + 1 > limit:
                    raise exception.KeypairLimitExceeded()
            if _row(conn, values['user_id'], values['name']) is not None:
                raise exception.KeyPairExists(key_name=values['name'])
            conn.execute(_KEYPAIRS.insert(), values)
            return _to_dict(_row(conn, values['user_id'], values['name']))
    except (db_exc.DBDuplicateEntry, sa.exc.IntegrityError):
        raise exception.KeyPairExists(key_name=values['name'])


def key_pair_get(db, user_id, name):
    with db.transaction() as conn:
        row = _row(conn, user_id, name)
    if row is None:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
    return _to_dict(row)


def key_pair_get_all_by_user(db, user_id, limit=None, marker=None):
    """The user's key pairs by name; ``marker`` is the last name seen."""
    with db.transaction() as conn:
        query = sa.select(_KEYPAIRS).where(_K.user_id == user_id)
        if marker is not None:
            if _row(conn, user_id, marker) is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(_K.name > marker)
        query = query.order_by(_K.name.asc(), _K.id.asc())
        if limit is not None:
            query = query.limit(limit)
        return [_to_dict(row) for row in conn.execute(query)]


def key_pair_destroy(db, user_id, name):
    with db.transaction() as conn:
        count = conn.execute(sa.delete(_KEYPAIRS).where(
            _K.user_id == user_id, _K.name == name)).rowcount
    if not count:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
