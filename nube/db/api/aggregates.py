"""Host aggregates in the API database: hosts, metadata, zones.

An aggregate is a named set of hosts with key/value metadata; its
``availability_zone`` key makes it a zone. A host may be in many
aggregates but in one zone only, so every write that can change a host's
zone (adding a host, setting a zone) checks the other aggregates of the
hosts involved inside its transaction, holding row locks on the
aggregate and then on the hosts' mappings (in that order, hosts sorted),
so two such writes touching one host run one after the other and the
second sees what the first wrote.

Functions take an ApiDatabase (``db``). Aggregate dicts carry Nova's
fields: id, uuid, name, availability_zone, hosts, metadata, created_at,
updated_at (naive UTC datetimes), deleted, deleted_at.
"""

import uuid as uuidlib

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nube.db import base
from nube.db.api import models
from nube import exception
from nube import utils

ZONE_KEY = 'availability_zone'

_AGGS = models.Aggregate.__table__
_A = _AGGS.c
_HOSTS = models.AggregateHost.__table__
_H = _HOSTS.c
_META = models.AggregateMetadata.__table__
_MD = _META.c
_MAPPINGS = models.HostMapping.__table__


class AggregateNotFound(exception.NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s could not be found.'


class AggregateNameExists(exception.Conflict):
    msg_fmt = 'Aggregate %(aggregate_name)s already exists.'


class AggregateHostExists(exception.Conflict):
    msg_fmt = 'Aggregate %(aggregate_id)s already has host %(host)s.'


class AggregateHostNotFound(exception.NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s has no host %(host)s.'


class InvalidAggregateAction(exception.Invalid):
    msg_fmt = 'Unacceptable parameters.'


class InvalidAggregateActionAdd(InvalidAggregateAction):
    msg_fmt = ('Cannot add host to aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidAggregateActionDelete(InvalidAggregateAction):
    msg_fmt = ('Cannot remove host from aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidAggregateActionUpdate(InvalidAggregateAction):
    msg_fmt = ('Cannot update aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidAggregateActionUpdateMeta(InvalidAggregateAction):
    msg_fmt = ('Cannot update metadata of aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


def _now():
    return utils.utcnow().replace(microsecond=0)


def _lock_aggregate(conn, aggregate_id):
    row = conn.execute(sa.select(_AGGS).where(
        _A.id == aggregate_id).with_for_update()).first()
    if row is None:
        raise AggregateNotFound(aggregate_id=aggregate_id)
    return row


def _lock_hosts(conn, hosts):
    """Lock the mappings of ``hosts`` (a host's zone is guarded by its
    mapping row; hosts not mapped yet have none to lock)."""
    hosts = sorted(set(hosts))
    if hosts:
        conn.execute(sa.select(_MAPPINGS.c.id).where(
            _MAPPINGS.c.host.in_(hosts)).order_by(
            _MAPPINGS.c.host).with_for_update()).all()


def _hosts_of(conn, aggregate_ids):
    result = {agg_id: [] for agg_id in aggregate_ids}
    if aggregate_ids:
        for agg_id, host in conn.execute(sa.select(
                _H.aggregate_id, _H.host).where(
                _H.aggregate_id.in_(list(aggregate_ids))).order_by(_H.id)):
            result[agg_id].append(host)
    return result


def _metadata_of(conn, aggregate_ids):
    result = {agg_id: {} for agg_id in aggregate_ids}
    if aggregate_ids:
        for agg_id, key, value in conn.execute(sa.select(
                _MD.aggregate_id, _MD.key, _MD.value).where(
                _MD.aggregate_id.in_(list(aggregate_ids)))):
            result[agg_id][key] = value
    return result


def _to_dicts(conn, rows):
    ids = [row.id for row in rows]
    hosts = _hosts_of(conn, ids)
    metadata = _metadata_of(conn, ids)
    result = []
    for row in rows:
        meta = metadata[row.id]
        result.append({
            'id': row.id, 'uuid': row.uuid, 'name': row.name,
            'created_at': row.created_at, 'updated_at': row.updated_at,
            'deleted': False, 'deleted_at': None,
            'hosts': hosts[row.id], 'metadata': meta,
            'availability_zone': meta.get(ZONE_KEY)})
    return result


def _get(conn, aggregate_id):
    row = conn.execute(sa.select(_AGGS).where(
        _A.id == aggregate_id)).first()
    if row is None:
        raise AggregateNotFound(aggregate_id=aggregate_id)
    return _to_dicts(conn, [row])[0]


def _other_zones(conn, hosts, aggregate_id):
    """Zones ``hosts`` are in through aggregates other than this one."""
    if not hosts:
        return set()
    query = sa.select(_MD.value).select_from(_META.join(
        _HOSTS, _H.aggregate_id == _MD.aggregate_id)).where(
        _MD.key == ZONE_KEY, _H.host.in_(sorted(set(hosts))),
        _H.aggregate_id != aggregate_id).distinct()
    return {value for (value,) in conn.execute(query)}


def _check_zone(conn, aggregate, hosts, zone, error):
    """Raise ``error`` when ``zone`` is empty or ``hosts`` are already in
    another zone (Nova's is_safe_to_update_az)."""
    if not zone:
        raise error(aggregate_id=aggregate.id,
                    reason='Aggregate %s does not support empty named '
                           'availability zone' % aggregate.name)
    conflicting = sorted(z for z in _other_zones(conn, hosts, aggregate.id)
                         if z != zone)
    if conflicting:
        raise error(aggregate_id=aggregate.id,
                    reason='One or more hosts already in availability '
                           'zone(s) %s' % conflicting)


def _write_metadata(conn, aggregate_id, metadata):
    """Set keys (a None value deletes the key), as one statement each."""
    deletes = [k for k, v in metadata.items() if v is None]
    if deletes:
        conn.execute(sa.delete(_META).where(
            _MD.aggregate_id == aggregate_id, _MD.key.in_(deletes)))
    now = _now()
    for key, value in metadata.items():
        if value is None:
            continue
        if not conn.execute(sa.update(_META).where(
                _MD.aggregate_id == aggregate_id, _MD.key == key).values(
                value=value, updated_at=now)).rowcount:
            conn.execute(_META.insert(), {
                'aggregate_id': aggregate_id, 'key': key, 'value': value,
                'created_at': now})


def create(db, name, availability_zone=None, hosts=(), metadata=None,
           uuid=None):
    meta = dict(metadata or {})
    if availability_zone:
        meta[ZONE_KEY] = availability_zone
    try:
        with db.transaction() as conn:
            if conn.execute(sa.select(_A.id).where(
                    _A.name == name)).first() is not None:
                raise AggregateNameExists(aggregate_name=name)
            now = _now()
            agg_id = conn.execute(_AGGS.insert(), {
                'uuid': uuid or str(uuidlib.uuid4()), 'name': name,
                'created_at': now}).inserted_primary_key[0]
            _write_metadata(conn, agg_id, meta)
            for host in hosts:
                conn.execute(_HOSTS.insert(), {
                    'aggregate_id': agg_id, 'host': host,
                    'created_at': now})
            return _get(conn, agg_id)
    except (db_exc.DBDuplicateEntry, sa.exc.IntegrityError):
        raise AggregateNameExists(aggregate_name=name)


def get(db, aggregate_id):
    with db.transaction() as conn:
        return _get(conn, aggregate_id)


def get_all(db):
    with db.transaction() as conn:
        return _to_dicts(conn, conn.execute(
            sa.select(_AGGS).order_by(_A.id)).all())


def get_by_host(db, host):
    with db.transaction() as conn:
        return _to_dicts(conn, conn.execute(sa.select(_AGGS).where(
            _A.id.in_(sa.select(_H.aggregate_id).where(_H.host == host)))
            .order_by(_A.id)).all())


@base.retry_on_deadlock
def update(db, aggregate_id, name=None, availability_zone=None,
           set_zone=False):
    """Rename and/or (``set_zone``) move the aggregate to a zone."""
    try:
        with db.transaction() as conn:
            row = _lock_aggregate(conn, aggregate_id)
            values = {'updated_at': _now()}
            if name is not None and name != row.name:
                if conn.execute(sa.select(_A.id).where(
                        _A.name == name, _A.id != row.id)).first():
                    raise AggregateNameExists(aggregate_name=name)
                values['name'] = name
            if set_zone:
                hosts = _hosts_of(conn, [row.id])[row.id]
                _lock_hosts(conn, hosts)
                _check_zone(conn, row, hosts, availability_zone,
                            InvalidAggregateActionUpdate)
                _write_metadata(conn, row.id, {ZONE_KEY: availability_zone})
            conn.execute(sa.update(_AGGS).where(_A.id == row.id).values(
                **values))
            return _get(conn, row.id)
    except (db_exc.DBDuplicateEntry, sa.exc.IntegrityError):
        raise AggregateNameExists(aggregate_name=name)


@base.retry_on_deadlock
def set_metadata(db, aggregate_id, metadata):
    """Merge ``metadata`` into the aggregate's (None deletes a key)."""
    with db.transaction() as conn:
        row = _lock_aggregate(conn, aggregate_id)
        if ZONE_KEY in metadata:
            hosts = _hosts_of(conn, [row.id])[row.id]
            _lock_hosts(conn, hosts)
            _check_zone(conn, row, hosts, metadata[ZONE_KEY],
                        InvalidAggregateActionUpdateMeta)
        _write_metadata(conn, row.id, metadata)
        conn.execute(sa.update(_AGGS).where(_A.id == row.id).values(
            updated_at=_now()))
        return _get(conn, row.id)


@base.retry_on_deadlock
def delete(db, aggregate_id):
    """Delete an aggregate that has no hosts left."""
    with db.transaction() as conn:
        row = _lock_aggregate(conn, aggregate_id)
        if _hosts_of(conn, [row.id])[row.id]:
            raise InvalidAggregateActionDelete(
                aggregate_id=aggregate_id,
                reason='Host aggregate is not empty')
        conn.execute(sa.delete(_META).where(_MD.aggregate_id == row.id))
        conn.execute(sa.delete(_AGGS).where(_A.id == row.id))


@base.retry_on_deadlock
def add_host(db, aggregate_id, host):
    """Add ``host``; refused when that would put it in two zones."""
    try:
        with db.transaction() as conn:
            row = _lock_aggregate(conn, aggregate_id)
            _lock_hosts(conn, [host])
            if conn.execute(sa.select(_H.id).where(
                    _H.aggregate_id == row.id, _H.host == host)).first():
                raise AggregateHostExists(aggregate_id=aggregate_id,
                                          host=host)
            zone = _metadata_of(conn, [row.id])[row.id].get(ZONE_KEY)
            if zone is not None:
                _check_zone(conn, row, [host], zone,
                            InvalidAggregateActionAdd)
            conn.execute(_HOSTS.insert(), {
                'aggregate_id': row.id, 'host': host, 'created_at': _now()})
            return _get(conn, row.id)
    except (db_exc.DBDuplicateEntry, sa.exc.IntegrityError):
        raise AggregateHostExists(aggregate_id=aggregate_id, host=host)


@base.retry_on_deadlock
def remove_host(db, aggregate_id, host):
    with db.transaction() as conn:
        row = _lock_aggregate(conn, aggregate_id)
        if not conn.execute(sa.delete(_HOSTS).where(
                _H.aggregate_id == row.id, _H.host == host)).rowcount:
            raise AggregateHostNotFound(aggregate_id=aggregate_id,
                                        host=host)
        return _get(conn, row.id)


def host_cell_id(db, host):
    """The id of the cell ``host`` is mapped to, or None."""
    with db.transaction() as conn:
        return conn.execute(sa.select(_MAPPINGS.c.cell_id).where(
            _MAPPINGS.c.host == host)).scalar()


def host_zones(db, hosts=None):
    """{host: set of zones} from aggregate metadata (hosts in none are
    left out)."""
    query = sa.select(_H.host, _MD.value).select_from(_META.join(
        _HOSTS, _H.aggregate_id == _MD.aggregate_id)).where(
        _MD.key == ZONE_KEY)
    if hosts is not None:
        query = query.where(_H.host.in_(sorted(set(hosts))))
    result = {}
    with db.transaction() as conn:
        for host, zone in conn.execute(query):
            result.setdefault(host, set()).add(zone)
    return result


def host_metadata(db):
    """{host: [metadata dict of each aggregate it is in]}, aggregates in
    id order; one dict object per aggregate, shared by its hosts."""
    with db.transaction() as conn:
        meta = {}
        for agg_id, key, value in conn.execute(sa.select(
                _MD.aggregate_id, _MD.key, _MD.value)):
            meta.setdefault(agg_id, {})[key] = value
        result = {}
        for host, agg_id in conn.execute(sa.select(
                _H.host, _H.aggregate_id).order_by(_H.aggregate_id, _H.id)):
            result.setdefault(host, []).append(meta.setdefault(agg_id, {}))
        return result
