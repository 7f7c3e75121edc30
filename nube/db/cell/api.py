"""Cell database API: every query on a cell DB goes through here.

Callers get plain dicts back. The scheduler (claims), the conductor (for its
computes) and the compute API (listing, deletes) each hold a CellDatabase.
Instances live here; compute nodes and services in hosts.py, fixed IPs in
fixed_ips.py (mixins of CellDatabase).
"""

import datetime
import uuid as uuidlib

import sqlalchemy as sa

from nube import exception
from nube import utils
from nube.compute import regex_filter
from nube.compute import states
from nube.db import base
from nube.db.cell import floating
from nube.db.cell import hosts
from nube.db.cell import networks
from nube.db.cell import ports
from nube.db.cell import security
from nube.db.cell import models
from nube.db.cell import statements as st

_UNSET = st.UNSET

_JSON_FIELDS = ('flavor', 'system_metadata')

# Columns a list may sort by (Nova's names where they differ are mapped by
# the API layer); uuid is always appended as the tie-breaker.
SORT_COLUMNS = {
    'access_ip_v4', 'access_ip_v6', 'availability_zone', 'config_drive',
    'created_at', 'display_description', 'display_name', 'host', 'hostname',
    'image_ref', 'kernel_id', 'key_name', 'launch_index', 'launched_at',
    'locked_by', 'node', 'power_state', 'progress', 'project_id',
    'ramdisk_id', 'root_device_name', 'task_state', 'terminated_at',
    'updated_at', 'user_id', 'uuid', 'vm_state', 'id',
}


_INSTANCE_COLUMNS = frozenset(c.key for c in models.Instance.__table__.columns)


def instance_to_dict(row):
    values = base.row_to_dict(row, _JSON_FIELDS)
    values.pop('task_deadline', None)
    return values


def _row_instance(row):
    """instance_to_dict of a Core row."""
    values = base.mapping_to_dict(row._mapping, _JSON_FIELDS)
    values.pop('task_deadline', None)
    return values


def _instance_row(conn, uuid, read_deleted='no'):
    """The instance's Core row (or None) in ``read_deleted`` mode."""
    if read_deleted == 'no':
        return conn.execute(st.LIVE_INSTANCE, {'b_uuid': uuid}).first()
    query = sa.select(st.INSTANCES).where(st.IC.uuid == uuid)
    if read_deleted == 'only':
        query = query.where(st.IC.deleted != 0)
    return conn.execute(query).first()


def _now():
    return utils.utcnow()


class CellDatabase(hosts.HostsMixin, networks.NetworksMixin,
                   ports.PortsMixin, security.SecurityGroupsMixin,
                   floating.FloatingIpsMixin, base.Database):
    """Queries on one cell database."""

    # -- instances -------------------------------------------------------

    def instance_create(self, values, session=None):
        """Insert an instance (+ metadata); used for cell0 and by claims."""
        if session is None:
            with self.transaction() as conn:
                return self.instance_create(values, conn)
        metadata = values.get('metadata') or {}
        tags = values.get('tags') or []
        values = {k: v for k, v in values.items() if k in _INSTANCE_COLUMNS}
        values.pop('id', None)
        _encode_json(values)
        for key in ('created_at', 'updated_at', 'launched_at'):
            if isinstance(values.get(key), str):
                values[key] = utils.parse_isotime(values[key])
        # Whole seconds: list markers compare created_at exactly, and
        # MariaDB DATETIME keeps no fractions either.
        values['created_at'] = (values.get('created_at') or _now()).replace(
            microsecond=0)
        # Core inserts (``session`` may be a Session or a Connection).
        row = base.insert_row(session, st.INSTANCES, values)
        if metadata:
            session.execute(models.InstanceMetadata.__table__.insert(), [
                {'instance_uuid': row['uuid'], 'key': key, 'value': value,
                 'created_at': row['created_at']}
                for key, value in metadata.items()])
        if tags:
            session.execute(models.InstanceTag.__table__.insert(), [
                {'instance_uuid': row['uuid'], 'tag': tag} for tag in tags])
        result = base.mapping_to_dict(row, _JSON_FIELDS)
        result.pop('task_deadline', None)
        result['metadata'] = dict(metadata)
        result['tags'] = list(tags)
        return result

    def instance_get(self, uuid, read_deleted='no', joins=True):
        with self.transaction() as conn:
            row = _instance_row(conn, uuid, read_deleted)
            if row is None:
                raise exception.InstanceNotFound(instance_id=uuid)
            result = _row_instance(row)
            if joins:
                self._add_joins(conn, [result])
            return result

    def _add_joins(self, session, instances):
        """Attach metadata, tags, latest fault and fixed IPs in bulk."""
        if not instances:
            return
        uuids = [inst['uuid'] for inst in instances]
        by_uuid = {inst['uuid']: inst for inst in instances}
        for inst in instances:
            inst['metadata'] = {}
            inst['tags'] = []
            inst['fault'] = None
            inst['fixed_ips'] = []
            inst['floating_ips'] = []
        if len(instances) == 1:
            self._add_joins_one(session, instances[0])
            return
        for chunk in _chunks(uuids, 500):
            for meta in session.execute(sa.select(
                    models.InstanceMetadata.instance_uuid,
                    models.InstanceMetadata.key,
                    models.InstanceMetadata.value).where(
                    models.InstanceMetadata.instance_uuid.in_(chunk))):
                by_uuid[meta[0]]['metadata'][meta[1]] = meta[2]
            for tag in session.execute(sa.select(
                    models.InstanceTag.instance_uuid,
                    models.InstanceTag.tag).where(
                    models.InstanceTag.instance_uuid.in_(chunk))):
                by_uuid[tag[0]]['tags'].append(tag[1])
            for ip in session.execute(st.IPS_WITH_NETWORK.where(
                    st.IPS.c.instance_uuid.in_(chunk))):
                by_uuid[ip[0]]['fixed_ips'].append(
                    {'address': ip[1], 'mac': ip[2], 'network': ip[3],
                     'bridge': ip[4]})
            for uuid, fips in self.floating_ips_of_instances(
                    session, chunk).items():
                by_uuid[uuid]['floating_ips'] = fips
        faulted = [inst['uuid'] for inst in instances
                   if inst['vm_state'] in (states.ERROR, states.DELETED)]
        faults = models.InstanceFault.__table__
        for chunk in _chunks(faulted, 500):
            rows = session.execute(sa.select(faults).where(
                faults.c.instance_uuid.in_(chunk)).order_by(
                faults.c.id.desc()))
            for fault in rows:
                inst = by_uuid[fault.instance_uuid]
                if inst['fault'] is None:
                    inst['fault'] = base.mapping_to_dict(fault._mapping)

    def _add_joins_one(self, conn, inst):
        """_add_joins of one instance with the cached statements."""
        key = {'b_uuid': inst['uuid']}
        inst['metadata'] = dict(conn.execute(st.METADATA_OF, key).all())
        inst['tags'] = [tag for tag, in conn.execute(st.TAGS_OF, key)]
        inst['fixed_ips'] = [
            {'address': address, 'mac': mac, 'network': network,
             'bridge': bridge}
            for _uuid, address, mac, network, bridge in conn.execute(
                st.IPS_OF, key)]
        inst['floating_ips'] = self.floating_ips_of_instances(
            conn, [inst['uuid']]).get(inst['uuid'], [])
        if inst['vm_state'] in (states.ERROR, states.DELETED):
            fault = conn.execute(st.FAULT_OF, key).first()
            if fault is not None:
                inst['fault'] = base.mapping_to_dict(fault._mapping)

    def instance_get_all(self, filters=None, sort_keys=None, sort_dirs=None,
                         limit=None, marker_values=None, joins=True):
        """Instances matching ``filters``, sorted, after ``marker_values``.

        ``marker_values`` holds the marker instance's values for every sort
        key (and uuid), so a marker found in one cell pages every cell.
        """
        filters = dict(filters or {})
        sort_keys, sort_dirs = normalize_sort(sort_keys, sort_dirs)
        with self.session() as session:
            # Core rows, not ORM objects: listings return thousands.
            query = sa.select(models.Instance.__table__)
            query = _apply_filters(query, filters)
            columns = [_sort_expr(key) for key in sort_keys]
            if marker_values is not None:
                query = query.where(_after_marker(
                    columns, sort_dirs,
                    [_sort_value(key, marker_values.get(key))
                     for key in sort_keys]))
            query = query.order_by(*[
                col.desc() if direction == 'desc' else col.asc()
                for col, direction in zip(columns, sort_dirs)])
            if limit is not None:
                query = query.limit(limit)
            # SQLite runs REGEXP while rows are fetched, MariaDB at once.
            with regex_filter.database_errors(filters):
                result = base.rows_to_dicts(session.execute(query),
                                            json_fields=_JSON_FIELDS)
            for row in result:
                row.pop('task_deadline', None)
            if joins:
                self._add_joins(session, result)
            return result

    def instance_get_all_by_host(self, host, node=None):
        with self.session() as session:
            query = sa.select(models.Instance).where(
                models.Instance.host == host, models.Instance.deleted == 0)
            if node is not None:
                query = query.where(models.Instance.node == node)
            rows = session.execute(query).scalars().all()
            result = [instance_to_dict(row) for row in rows]
            self._add_joins(session, result)
            return result

    def instance_uuids_by_host(self, hosts=None):
        """{host: set(uuid)} of live instances, for affinity filters."""
        with self.session() as session:
            inst = models.Instance
            query = sa.select(inst.host, inst.uuid).where(
                models.Instance.deleted == 0,
                models.Instance.host.is_not(None))
            if hosts is not None:
                query = query.where(models.Instance.host.in_(list(hosts)))
            result = {}
            for host, uuid in session.execute(query):
                result.setdefault(host, set()).add(uuid)
            return result

    @base.retry_on_deadlock
    def instance_update(self, uuid, updates, expected_task_state=_UNSET,
                        expected_vm_state=_UNSET, deadline=_UNSET,
                        joins=True, returning=True):
        """Update an instance, compare-and-swap on task/vm state.

        ``expected_task_state`` is a value or a list of values the row must
        hold; otherwise UnexpectedTaskState (409) and nothing changes.
        ``deadline`` (seconds or None) sets when the reaper may give up.
        ``returning=False`` answers None and skips reading the row back
        when the update took (a compute recording the end of a task needs
        nothing more); a refusal still reads it to say why.
        """
        values = dict(updates)
        metadata = values.pop('metadata', None)
        _encode_json(values)
        for key in ('launched_at', 'terminated_at'):
            if isinstance(values.get(key), str):
                values[key] = utils.parse_isotime(values[key])
        now = _now()
        values['updated_at'] = now
        if deadline is not _UNSET:
            values['task_deadline'] = (
                None if deadline is None else
                now + _seconds(deadline))
        elif 'task_state' in values and values['task_state'] is None:
            values['task_deadline'] = None
        unknown = set(values) - _INSTANCE_COLUMNS
        if unknown:
            raise sa.exc.CompileError('Unconsumed column names: %s' %
                                      ', '.join(sorted(unknown)))
        stmt, params = st.instance_update_statement(
            expected_task_state, expected_vm_state)
        params.update(values, b_uuid=uuid)
        with self.transaction() as session:
            count = session.execute(stmt, params).rowcount
            if count and not returning and metadata is None:
                return None
            row = _instance_row(session, uuid)
            if row is None:
                raise exception.InstanceNotFound(instance_id=uuid)
            if not count:
                if (expected_vm_state is not _UNSET and not _matches(
                        row.vm_state, expected_vm_state)):
                    raise exception.InstanceInvalidState(
                        action='update', instance_uuid=uuid,
                        attr='vm_state', state=row.vm_state)
                raise exception.UnexpectedTaskState(
                    instance_uuid=uuid, expected=expected_task_state,
                    actual=row.task_state)
            if metadata is not None:
                meta = models.InstanceMetadata.__table__
                session.execute(sa.delete(meta).where(
                    meta.c.instance_uuid == uuid))
                if metadata:
                    session.execute(meta.insert(), [
                        {'instance_uuid': uuid, 'key': key, 'value': value,
                         'created_at': now}
                        for key, value in metadata.items()])
            result = _row_instance(row)
            if joins:
                self._add_joins(session, [result])
            return result

    @base.retry_on_deadlock
    def instance_destroy(self, uuid, expected_task_state=_UNSET):
        """Soft-delete an instance, release its claim and its addresses.

        All in one transaction, and only if the row was still live, so a
        claim is released exactly once. The compute node row is locked
        before the instance row, the order claims and usage recounts use,
        so concurrent deletes and reports do not deadlock.
        """
        now = _now()
        with self.transaction() as session:
            row = _instance_row(session, uuid)
            if row is None:
                raise exception.InstanceNotFound(instance_id=uuid)
            if row.host is not None and row.node is not None:
                release_usage(session, row.host, row.node, row.vcpus,
                              row.memory_mb, _disk_gb(row))
            # uuid is unique in the table: this is the row read above.
            stmt, params = st.instance_update_statement(expected_task_state,
                                                      _UNSET)
            params.update(
                b_uuid=uuid, deleted=row.id, deleted_at=now, updated_at=now,
                terminated_at=now, vm_state=states.DELETED, task_state=None,
                task_deadline=None, power_state=states.NOSTATE)
            count = session.execute(stmt, params).rowcount
            if not count:
                # Raising rolls back the usage released above.
                raise exception.UnexpectedTaskState(
                    instance_uuid=uuid, expected=expected_task_state,
                    actual=row.task_state)
            released = ports.release_device_ports(session, uuid)
            result = _row_instance(session.execute(
                st.INSTANCE_BY_ID, {'b_id': row.id}).one())
            # Networks whose DHCP hosts lost the server's ports.
            result['released_networks'] = sorted(released)
            return result

    def instance_get_overdue(self, now=None, limit=100):
        """Live instances whose task_state outlived its deadline."""
        now = now or _now()
        with self.session() as session:
            rows = session.execute(sa.select(models.Instance).where(
                models.Instance.deleted == 0,
                models.Instance.task_state.is_not(None),
                models.Instance.task_deadline.is_not(None),
                models.Instance.task_deadline < now).limit(limit)).scalars()
            return [instance_to_dict(row) for row in rows]

    def instance_get_building_on_hosts(self, hosts):
        """Live instances with a task in progress on any of ``hosts``."""
        if not hosts:
            return []
        with self.session() as session:
            rows = session.execute(sa.select(models.Instance).where(
                models.Instance.deleted == 0,
                models.Instance.task_state.is_not(None),
                models.Instance.host.in_(list(hosts)))).scalars()
            return [instance_to_dict(row) for row in rows]

    # -- faults and actions ----------------------------------------------

    @base.retry_on_deadlock
    def instance_fault_create(self, uuid, code, message, details=None,
                              host=None):
        with self.session() as session:
            row = models.InstanceFault(
                instance_uuid=uuid, code=int(code),
                message=str(message)[:255], details=details, host=host,
                created_at=_now())
            session.add(row)
            session.flush()
            return base.row_to_dict(row)

    @base.retry_on_deadlock
    def set_error(self, uuid, message, code=500, details=None, host=None,
                  expected_task_state=_UNSET):
        """Move an instance to ERROR with a fault, in one transaction."""
        now = _now()
        with self.session() as session:
            stmt = sa.update(models.Instance).where(
                models.Instance.uuid == uuid, models.Instance.deleted == 0)
            if expected_task_state is not _UNSET:
                stmt = stmt.where(_state_in(models.Instance.task_state,
                                            expected_task_state))
            count = session.execute(stmt.values(
                vm_state=states.ERROR, task_state=None, task_deadline=None,
                updated_at=now)).rowcount
            if count:
                session.add(models.InstanceFault(
                    instance_uuid=uuid, code=int(code),
                    message=str(message)[:255], details=details, host=host,
                    created_at=now))
            return bool(count)

    @base.retry_on_deadlock
    def instance_action_start(self, uuid, action, context):
        with self.session() as session:
            now = _now()
            session.add(models.InstanceAction(
                action=action, instance_uuid=uuid,
                request_id=context.request_id, user_id=context.user_id,
                project_id=context.project_id, start_time=now,
                created_at=now))

    def instance_actions_get(self, uuid):
        with self.session() as session:
            rows = session.execute(sa.select(models.InstanceAction).where(
                models.InstanceAction.instance_uuid == uuid).order_by(
                models.InstanceAction.id.desc())).scalars()
            return [base.row_to_dict(row) for row in rows]

def release_usage(session, host, node, vcpus, memory_mb, disk_gb):
    """Give back what a claim took, never going below zero."""
    session.execute(st.RELEASE, {
        'b_host': host, 'b_node': node, 'b_vcpus': vcpus or 0,
        'b_memory_mb': memory_mb or 0, 'b_disk_gb': disk_gb or 0,
        'b_one': 1})


def _disk_gb(row):
    return (row.root_gb or 0) + (row.ephemeral_gb or 0)


def _uuid():
    return str(uuidlib.uuid4())


def _seconds(value):
    return datetime.timedelta(seconds=value)


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _state_in(column, expected):
    if isinstance(expected, (list, tuple, set)):
        expected = list(expected)
        clauses = []
        if None in expected:
            clauses.append(column.is_(None))
        values = [v for v in expected if v is not None]
        if values:
            clauses.append(column.in_(values))
        return sa.or_(*clauses) if clauses else sa.false()
    if expected is None:
        return column.is_(None)
    return column == expected


def _matches(value, expected):
    if isinstance(expected, (list, tuple, set)):
        return value in expected
    return value == expected


# -- listing helpers ------------------------------------------------------

_NULL_DEFAULTS = {sa.String: '', sa.Text: '', sa.Integer: -1,
                  sa.Boolean: False}
_EPOCH = datetime.datetime(1970, 1, 1)


def normalize_sort(sort_keys, sort_dirs):
    keys = list(sort_keys or ['created_at'])
    dirs = list(sort_dirs or [])
    default_dir = dirs[0] if dirs else 'desc'
    while len(dirs) < len(keys):
        dirs.append(default_dir)
    if 'uuid' not in keys:
        keys.append('uuid')
        dirs.append(dirs[0] if dirs else 'desc')
    for key in keys:
        if key not in SORT_COLUMNS:
            raise exception.Invalid(reason='invalid sort key %s' % key)
    return keys, dirs


def _encode_json(values):
    for key in _JSON_FIELDS:
        if key in values and not isinstance(values[key], (str, type(None))):
            values[key] = utils.dumps(values[key])


def _null_default(column):
    if isinstance(column.type, sa.DateTime):
        return _EPOCH
    return next((v for t, v in _NULL_DEFAULTS.items()
                 if isinstance(column.type, t)), '')


def _sort_expr(key):
    attr = getattr(models.Instance, key)
    column = attr.property.columns[0]
    if not column.nullable:
        return attr
    return sa.func.coalesce(attr, _null_default(column))


def _sort_value(key, value):
    column = getattr(models.Instance, key).property.columns[0]
    if value is None:
        return _null_default(column)
    if isinstance(column.type, sa.DateTime) and isinstance(value, str):
        return utils.parse_isotime(value)
    return value


def _after_marker(columns, dirs, values):
    """Keyset condition: rows strictly after the marker in sort order."""
    clauses = []
    for i, (column, direction) in enumerate(zip(columns, dirs)):
        equal = [columns[j] == values[j] for j in range(i)]
        beyond = (column < values[i] if direction == 'desc'
                  else column > values[i])
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)


def _apply_filters(query, filters):
    inst = models.Instance
    read_deleted = filters.pop('read_deleted', 'no')
    if read_deleted == 'no':
        query = query.where(inst.deleted == 0)
    elif read_deleted == 'only':
        query = query.where(inst.deleted != 0)
    exact = {'project_id': inst.project_id, 'user_id': inst.user_id,
             'host': inst.host, 'node': inst.node,
             'image': inst.image_ref, 'image_ref': inst.image_ref,
             'reservation_id': inst.reservation_id,
             'availability_zone': inst.availability_zone,
             'uuid': inst.uuid, 'vm_state': inst.vm_state,
             'locked': inst.locked}
    for key, column in exact.items():
        if filters.get(key) is not None:
            value = filters[key]
            if isinstance(value, (list, tuple, set)):
                query = query.where(column.in_(list(value)))
            else:
                query = query.where(column == value)
    if filters.get('name'):
        query = query.where(inst.display_name.regexp_match(
            regex_filter.check('name', filters['name'])))
    if filters.get('flavor'):
        query = query.where(inst.flavorid == str(filters['flavor']))
    if filters.get('changes-since') is not None:
        query = query.where(inst.updated_at >= filters['changes-since'])
    if filters.get('changes-before') is not None:
        query = query.where(inst.updated_at <= filters['changes-before'])
    if filters.get('status'):
        pairs = []
        for status in filters['status']:
            pairs.extend(states.vm_states_for_status(status))
        clauses = []
        for vm_state, task_state in pairs:
            if task_state is None:
                clauses.append(inst.vm_state == vm_state)
            else:
                clauses.append(sa.and_(inst.vm_state == vm_state,
                                       inst.task_state == task_state))
        query = query.where(sa.or_(*clauses) if clauses else sa.false())
    if filters.get('ip'):
        query = query.where(inst.uuid.in_(sa.select(
            models.FixedIp.instance_uuid).where(
            models.FixedIp.address.regexp_match(
                regex_filter.check('ip', filters['ip'])))))
    for tag in filters.get('tags') or []:
        query = query.where(inst.uuid.in_(sa.select(
            models.InstanceTag.instance_uuid).where(
            models.InstanceTag.tag == tag)))
    if filters.get('tags-any'):
        query = query.where(inst.uuid.in_(sa.select(
            models.InstanceTag.instance_uuid).where(
            models.InstanceTag.tag.in_(list(filters['tags-any'])))))
    return query



def get_cell_database(connection, **engine_opts):
    return CellDatabase(connection, **engine_opts)
