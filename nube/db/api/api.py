"""API database API: flavors, cell/host/instance mappings, build intent."""

import datetime
import uuid as uuidlib

import sqlalchemy as sa

from nube import exception
from nube import quota
from nube import utils
import nube.conf
from nube.db import base
from nube.db.api import aggregates as aggregates_db
from nube.db.api import models

CONF = nube.conf.CONF

CELL0_UUID = '00000000-0000-0000-0000-000000000000'

_FLAVOR_SORT_KEYS = {'created_at', 'description', 'disabled', 'ephemeral_gb',
                     'flavorid', 'id', 'is_public', 'memory_mb', 'name',
                     'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpus'}


def _now():
    return utils.utcnow()


def _flavor_sort_column(sort_key):
    """(ORDER BY expression, what NULL sorts as): a nullable column
    (description, updated_at) sorts as its default, so a marker whose
    value is NULL still compares."""
    attr = getattr(models.Flavor, sort_key)
    column = attr.property.columns[0]
    if not column.nullable:
        return attr, None
    null = datetime.datetime(1970, 1, 1) \
        if isinstance(column.type, sa.DateTime) else ''
    return sa.func.coalesce(attr, null), null


# Per-server hot paths (flavor lookup, build intent, hand-over, mapping
# lookups) run Core statements built once with bind parameters.
_FLAVORS = models.Flavor.__table__
_SPECS = models.FlavorExtraSpec.__table__
_BUILDS = models.BuildRequest.__table__
_SPECS_OF_REQUESTS = models.RequestSpec.__table__
_MAPPINGS = models.InstanceMapping.__table__
# A flavor and its extra specs in one statement: one row per spec (the
# flavor's columns repeated), or one row with NULL spec columns.
_FLAVOR_WITH_SPECS = sa.select(
    _FLAVORS, _SPECS.c.key.label('spec_key'),
    _SPECS.c.value.label('spec_value'),
).select_from(
    _FLAVORS.outerjoin(_SPECS, _SPECS.c.flavor_id == _FLAVORS.c.id)
).where(_FLAVORS.c.flavorid == sa.bindparam('b_flavorid'))
_DELETE_BUILD = sa.delete(_BUILDS).where(
    _BUILDS.c.instance_uuid == sa.bindparam('b_uuid'))
_MAPPING_OF = sa.select(_MAPPINGS).where(
    _MAPPINGS.c.instance_uuid == sa.bindparam('b_uuid'))
# SET columns come from the parameters.
_UPDATE_MAPPING = sa.update(_MAPPINGS).where(
    _MAPPINGS.c.instance_uuid == sa.bindparam('b_uuid'))


class ApiDatabase(base.Database):
    """Queries on the API database."""

    # -- flavors -----------------------------------------------------------

    def _flavor_dict(self, session, row):
        values = base.row_to_dict(row)
        values['extra_specs'] = {
            k: v for k, v in session.execute(sa.select(
                models.FlavorExtraSpec.key,
                models.FlavorExtraSpec.value).where(
                models.FlavorExtraSpec.flavor_id == row.id))}
        return values

    def flavor_create(self, values, projects=None):
        values = dict(values)
        extra_specs = values.pop('extra_specs', None) or {}
        if values.get('flavorid') in (None, ''):
            values['flavorid'] = str(uuidlib.uuid4())
        values['flavorid'] = str(values['flavorid'])
        values.setdefault('created_at', _now())
        with self.session() as session:
            for field in ('flavorid', 'name'):
                clash = session.execute(sa.select(models.Flavor.id).where(
                    getattr(models.Flavor, field) == values[field])).first()
                if clash:
                    raise exception.FlavorExists(field=(
                        'ID' if field == 'flavorid' else 'name'),
                        value=values[field])
            row = models.Flavor(**values)
            session.add(row)
            try:
                session.flush()
            except sa.exc.IntegrityError:
                raise exception.FlavorExists(field='name or ID',
                                             value=values['name'])
            for key, value in extra_specs.items():
                session.add(models.FlavorExtraSpec(
                    flavor_id=row.id, key=key, value=value,
                    created_at=row.created_at))
            for project_id in projects or []:
                session.add(models.FlavorProject(
                    flavor_id=row.id, project_id=project_id))
            session.flush()
            return self._flavor_dict(session, row)

    def _flavor_row(self, session, flavorid):
        """The flavor row for an admin change (visibility not checked)."""
        row = session.execute(sa.select(models.Flavor).where(
            models.Flavor.flavorid == str(flavorid))).scalar_one_or_none()
        if row is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        return row

    @staticmethod
    def _can_see(session, row, ctxt):
        if row.is_public or ctxt is None or ctxt.is_admin:
            return True
        return session.execute(sa.select(models.FlavorProject.id).where(
            models.FlavorProject.flavor_id == row.id,
            models.FlavorProject.project_id == ctxt.project_id)).first() \
            is not None

    def flavor_get_by_flavorid(self, flavorid, ctxt=None):
        # Every POST /servers asks: one cached Core statement.
        with self.transaction() as conn:
            rows = conn.execute(_FLAVOR_WITH_SPECS,
                                {'b_flavorid': str(flavorid)}).all()
            if not rows or not self._can_see(conn, rows[0], ctxt):
                raise exception.FlavorNotFound(flavor_id=flavorid)
            values = base.mapping_to_dict(rows[0]._mapping)
            del values['spec_key'], values['spec_value']
            values['extra_specs'] = {row.spec_key: row.spec_value
                                     for row in rows
                                     if row.spec_key is not None}
            return values

    def flavor_get_by_name(self, name):
        with self.session() as session:
            row = session.execute(sa.select(models.Flavor).where(
                models.Flavor.name == name)).scalar_one_or_none()
            if row is None:
                raise exception.FlavorNotFound(flavor_id=name)
            return self._flavor_dict(session, row)

    def flavor_get_all(self, ctxt=None, is_public=True, min_memory_mb=None,
                       min_root_gb=None, sort_key='flavorid', sort_dir='asc',
                       limit=None, marker=None):
        if sort_key not in _FLAVOR_SORT_KEYS:
            raise exception.Invalid(reason='invalid sort_key %s' % sort_key)
        if sort_dir not in ('asc', 'desc'):
            raise exception.Invalid(reason='invalid sort_dir %s' % sort_dir)
        flavor = models.Flavor
        with self.session() as session:
            query = sa.select(flavor).where(flavor.disabled.is_(False))
            if min_memory_mb is not None:
                query = query.where(flavor.memory_mb >= min_memory_mb)
            if min_root_gb is not None:
                query = query.where(flavor.root_gb >= min_root_gb)
            access = sa.select(models.FlavorProject.flavor_id)
            if ctxt is not None and not ctxt.is_admin:
                mine = flavor.id.in_(access.where(
                    models.FlavorProject.project_id == ctxt.project_id))
                if is_public is False:
                    query = query.where(flavor.is_public.is_(False), mine)
                else:
                    query = query.where(sa.or_(flavor.is_public.is_(True),
                                               mine))
            elif is_public is not None:
                query = query.where(flavor.is_public.is_(bool(is_public)))
            column, null = _flavor_sort_column(sort_key)
            order = [column.desc() if sort_dir == 'desc' else column.asc(),
                     flavor.id.desc() if sort_dir == 'desc'
                     else flavor.id.asc()]
            if marker is not None:
                mrow = session.execute(sa.select(flavor).where(
                    flavor.flavorid == str(marker))).scalar_one_or_none()
                if mrow is None:
                    raise exception.MarkerNotFound(marker=marker)
                mval = getattr(mrow, sort_key)
                if mval is None:
                    mval = null
                if sort_dir == 'desc':
                    query = query.where(sa.or_(column < mval, sa.and_(
                        column == mval, flavor.id < mrow.id)))
                else:
                    query = query.where(sa.or_(column > mval, sa.and_(
                        column == mval, flavor.id > mrow.id)))
            query = query.order_by(*order)
            if limit is not None:
                query = query.limit(limit)
            rows = session.execute(query).scalars().all()
            return [self._flavor_dict(session, row) for row in rows]

    @base.retry_on_deadlock
    def flavor_destroy(self, flavorid):
        with self.session() as session:
            row = self._flavor_row(session, flavorid)
            session.execute(sa.delete(models.FlavorExtraSpec).where(
                models.FlavorExtraSpec.flavor_id == row.id))
            session.execute(sa.delete(models.FlavorProject).where(
                models.FlavorProject.flavor_id == row.id))
            session.delete(row)

    def flavor_extra_specs_get(self, flavorid):
        return self.flavor_get_by_flavorid(flavorid)['extra_specs']

    @base.retry_on_deadlock
    def flavor_extra_specs_update_or_create(self, flavorid, specs):
        with self.session() as session:
            row = self._flavor_row(session, flavorid)
            spec = models.FlavorExtraSpec
            for key, value in specs.items():
                count = session.execute(sa.update(spec).where(
                    spec.flavor_id == row.id, spec.key == key).values(
                    value=value, updated_at=_now())).rowcount
                if not count:
                    session.add(spec(flavor_id=row.id, key=key, value=value,
                                     created_at=_now()))
            session.flush()
            return self._flavor_dict(session, row)['extra_specs']

    @base.retry_on_deadlock
    def flavor_extra_specs_delete(self, flavorid, key):
        with self.session() as session:
            row = self._flavor_row(session, flavorid)
            count = session.execute(sa.delete(models.FlavorExtraSpec).where(
                models.FlavorExtraSpec.flavor_id == row.id,
                models.FlavorExtraSpec.key == key)).rowcount
            if not count:
                raise exception.FlavorExtraSpecNotFound(flavor_id=flavorid,
                                                        key=key)

    # -- cells and hosts ---------------------------------------------------

    def cell_mapping_create(self, name, transport_url, database_connection,
                            uuid=None):
        with self.session() as session:
            row = models.CellMapping(
                uuid=uuid or str(uuidlib.uuid4()), name=name,
                transport_url=transport_url,
                database_connection=database_connection, created_at=_now())
            session.add(row)
            session.flush()
            return base.row_to_dict(row)

    def cell_mapping_update(self, uuid, values):
        with self.session() as session:
            count = session.execute(sa.update(models.CellMapping).where(
                models.CellMapping.uuid == uuid).values(
                updated_at=_now(), **values)).rowcount
            if not count:
                raise exception.CellMappingNotFound(uuid=uuid)

    def cell_mapping_get_all(self):
        with self.session() as session:
            rows = session.execute(sa.select(models.CellMapping).order_by(
                models.CellMapping.id)).scalars()
            return [base.row_to_dict(row) for row in rows]

    def cell_mapping_delete(self, uuid):
        with self.session() as session:
            count = session.execute(sa.delete(models.CellMapping).where(
                models.CellMapping.uuid == uuid)).rowcount
            if not count:
                raise exception.CellMappingNotFound(uuid=uuid)

    @base.retry_on_deadlock
    def host_mapping_create(self, host, cell_id):
        """Map a host to a cell; returns False when it was mapped already."""
        with self.session() as session:
            exists = session.execute(sa.select(models.HostMapping.id).where(
                models.HostMapping.host == host)).first()
            if exists:
                return False
            session.add(models.HostMapping(host=host, cell_id=cell_id,
                                           created_at=_now()))
            return True

    def host_mapping_get_all(self):
        with self.session() as session:
            rows = session.execute(sa.select(models.HostMapping).order_by(
                models.HostMapping.id)).scalars()
            return [base.row_to_dict(row) for row in rows]

    # -- build intent --------------------------------------------------------

    @base.retry_on_deadlock
    def build_create(self, builds, min_count=None, group=None):
        """Record servers the API accepted, all in one transaction.

        ``builds``: dicts with instance (the intended instance dict) and
        spec (the request spec), all of one project and flavor. Each gets
        a build request, a request spec and an instance mapping with no
        cell yet. With ``min_count`` the project's quota is checked in the
        same transaction, under its lock: as many builds as fit are kept
        (at least ``min_count``, else QuotaExceeded). ``group`` (a server
        group dict) gets the kept servers as members, within its quota.
        Returns the builds written.
        """
        if not builds:
            return []
        with self.transaction() as conn:
            if min_count is not None:
                builds = builds[:self._builds_that_fit(conn, builds,
                                                       min_count)]
            if group is not None:
                from nube.db.api import server_groups as groups_db

                uuids = [b['instance']['uuid'] for b in builds]
                quota.check_members(conn, group, len(uuids))
                groups_db.add_members(conn, group['id'], uuids)
            self._write_builds(conn, builds)
        return builds

    @staticmethod
    def _builds_that_fit(conn, builds, min_count):
        instance = builds[0]['instance']
        return quota.servers_that_fit(
            conn, instance['project_id'], instance.get('user_id'),
            instance['flavor'], min_count, len(builds))

    @staticmethod
    def _write_builds(conn, builds):
        now = _now()
        requests, specs, mappings = [], [], []
        for build in builds:
            instance = build['instance']
            requests.append({'instance_uuid': instance['uuid'],
                             'project_id': instance['project_id'],
                             'instance': utils.dumps(instance),
                             'created_at': now})
            specs.append({'instance_uuid': instance['uuid'],
                          'spec': utils.dumps(build['spec']),
                          'created_at': now})
            mappings.append({'instance_uuid': instance['uuid'],
                             'cell_id': None,
                             'project_id': instance['project_id'],
                             'user_id': instance.get('user_id'),
                             'vcpus': instance.get('vcpus') or 0,
                             'memory_mb': instance.get('memory_mb') or 0,
                             'created_at': now})
        conn.execute(_BUILDS.insert(), requests)
        conn.execute(_SPECS_OF_REQUESTS.insert(), specs)
        conn.execute(_MAPPINGS.insert(), mappings)

    def build_request_get(self, instance_uuid):
        with self.session() as session:
            row = session.execute(sa.select(models.BuildRequest).where(
                models.BuildRequest.instance_uuid == instance_uuid)
            ).scalar_one_or_none()
            if row is None:
                raise exception.InstanceNotFound(instance_id=instance_uuid)
            return utils.loads(row.instance)

    def build_request_get_all(self, project_id=None, older_than=None):
        with self.session() as session:
            query = sa.select(models.BuildRequest)
            if project_id is not None:
                query = query.where(
                    models.BuildRequest.project_id == project_id)
            if older_than is not None:
                query = query.where(
                    models.BuildRequest.created_at < older_than)
            rows = session.execute(query.order_by(
                models.BuildRequest.id)).scalars()
            return [utils.loads(row.instance) for row in rows]

    @base.retry_on_deadlock
    def build_request_delete(self, instance_uuid):
        """Delete the API's record of an unscheduled server.

        Returns False when there was none (already scheduled or deleted);
        the instance mapping and request spec go with it.
        """
        with self.session() as session:
            count = session.execute(sa.delete(models.BuildRequest).where(
                models.BuildRequest.instance_uuid == instance_uuid)).rowcount
            if count:
                session.execute(sa.delete(models.InstanceMapping).where(
                    models.InstanceMapping.instance_uuid == instance_uuid))
                session.execute(sa.delete(models.RequestSpec).where(
                    models.RequestSpec.instance_uuid == instance_uuid))
            return bool(count)

    @base.retry_on_deadlock
    def build_request_complete(self, instance_uuid, cell_id):
        """Hand a server from the API to a cell: map it, drop the request.

        Returns False when the build request was gone already (the user
        deleted the server meanwhile); the caller then undoes its claim.
        """
        with self.transaction() as conn:
            count = conn.execute(_DELETE_BUILD,
                                 {'b_uuid': instance_uuid}).rowcount
            if not count:
                return False
            conn.execute(_UPDATE_MAPPING, {
                'b_uuid': instance_uuid, 'cell_id': cell_id,
                'updated_at': _now()})
            return True

    def request_spec_get(self, instance_uuid):
        with self.session() as session:
            row = session.execute(sa.select(models.RequestSpec).where(
                models.RequestSpec.instance_uuid == instance_uuid)
            ).scalar_one_or_none()
            if row is None:
                raise exception.NotFound(
                    'No request spec for instance %s' % instance_uuid)
            return utils.loads(row.spec)

    def instance_mapping_get(self, instance_uuid):
        with self.transaction() as conn:
            row = conn.execute(_MAPPING_OF,
                               {'b_uuid': instance_uuid}).one_or_none()
            if row is None:
                raise exception.InstanceMappingNotFound(uuid=instance_uuid)
            return base.mapping_to_dict(row._mapping)

    @base.retry_on_deadlock
    def instance_mapping_delete(self, instance_uuid):
        with self.session() as session:
            session.execute(sa.delete(models.InstanceMapping).where(
                models.InstanceMapping.instance_uuid == instance_uuid))
            session.execute(sa.delete(models.RequestSpec).where(
                models.RequestSpec.instance_uuid == instance_uuid))

    @base.retry_on_deadlock
    def instance_mapping_set_queued_for_delete(self, instance_uuid):
        with self.transaction() as conn:
            conn.execute(_UPDATE_MAPPING, {
                'b_uuid': instance_uuid, 'queued_for_delete': True,
                'updated_at': _now()})

    def instance_count_by_project(self, project_id):
        """Live servers a project has, for quota checks."""
        with self.session() as session:
            return session.execute(sa.select(sa.func.count()).where(
                models.InstanceMapping.project_id == project_id,
                models.InstanceMapping.queued_for_delete.is_(False))
            ).scalar()

    # -- aggregates (availability zones): nube/db/api/aggregates.py ----------

    def aggregate_create(self, name, availability_zone=None, hosts=(),
                         metadata=None):
        return aggregates_db.create(self, name,
                                    availability_zone=availability_zone,
                                    hosts=hosts, metadata=metadata)

    def aggregate_host_metadata(self):
        """{host: [metadata dict of each aggregate the host is in]}."""
        return aggregates_db.host_metadata(self)


_process_database = base.ProcessDatabase(ApiDatabase, 'api_database')
get_database = _process_database.get
reset = _process_database.reset
