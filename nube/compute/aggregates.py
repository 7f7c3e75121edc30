"""Host aggregates as the compute API manages them (admin only).

The rules are Nova's: names are unique; a host joins an aggregate only
if some cell knows it (a host mapping, or a compute service in a cell);
a host is in at most one availability zone, and a change that would move
a host that runs servers to another zone is refused; an aggregate with
hosts cannot be deleted. Hosts of different cells may share an
aggregate. The zone checks that involve other aggregates run inside the
database write, under row locks (nube/db/api/aggregates.py); the checks
on running servers read the cells first, as Nova does.

Schedulers and ``os-availability-zone`` read aggregates from the API
database, so a change shows there on their next refresh.
"""

from oslo_log import log as logging

from nube.cells import targeting
from nube.db.api import aggregates as db
from nube import exception

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'nube-compute'

# The errors, for callers that only import this module.
AggregateNotFound = db.AggregateNotFound
AggregateNameExists = db.AggregateNameExists
AggregateHostExists = db.AggregateHostExists
AggregateHostNotFound = db.AggregateHostNotFound
InvalidAggregateAction = db.InvalidAggregateAction
InvalidAggregateActionAdd = db.InvalidAggregateActionAdd
InvalidAggregateActionDelete = db.InvalidAggregateActionDelete
InvalidAggregateActionUpdate = db.InvalidAggregateActionUpdate
InvalidAggregateActionUpdateMeta = db.InvalidAggregateActionUpdateMeta

_MOVE_REFUSED = (
    "The host cannot be %(verb)s the aggregate as the availability zone of "
    "the host would change from '%(old)s' to '%(new)s' but the host already "
    "has %(count)d instance(s). Changing the AZ of an existing instance is "
    "not supported by this action. Move the instances away from this host "
    "then try again. If you need to move the instances between AZs then you "
    "can use shelve_offload and unshelve to achieve this.")


class AggregateAPI:
    """Create, change and delete aggregates; ``db`` is the ApiDatabase."""

    def __init__(self, api_database):
        self.db = api_database

    # -- cells -------------------------------------------------------------

    def _cells(self):
        return [c for c in self.db.cell_mapping_get_all()
                if c['uuid'] != targeting.CELL0_UUID]

    def _host_cells(self, host):
        """Cells that know ``host``: its mapping's, else every cell with a
        compute service of that name. ComputeHostNotFound if none."""
        cells = self._cells()
        cell_id = db.host_cell_id(self.db, host)
        for cell in cells:
            if cell['id'] == cell_id:
                return [cell]
        found = []
        for cell in cells:
            try:
                services = targeting.cell_database(cell).service_get_all(
                    host=host, binary=COMPUTE_BINARY)
            except Exception:
                LOG.exception('Cell %s did not answer', cell['name'])
                continue
            # A case-insensitive collation may match another spelling.
            if any(s['host'] == host for s in services):
                found.append(cell)
        if not found:
            raise exception.ComputeHostNotFound(host=host)
        return found

    def _instance_count(self, hosts, cells=None):
        """Live servers on ``hosts``, over ``cells`` (default: all)."""
        hosts = list(hosts)
        if not hosts:
            return 0
        count = 0
        for cell in cells if cells is not None else self._cells():
            try:
                by_host = targeting.cell_database(cell).instance_uuids_by_host(
                    hosts)
            except Exception:
                LOG.exception('Cell %s did not answer', cell['name'])
                continue
            count += sum(len(uuids) for uuids in by_host.values())
        return count

    # -- reads -------------------------------------------------------------

    def get(self, aggregate_id):
        return db.get(self.db, aggregate_id)

    def get_all(self):
        return db.get_all(self.db)

    # -- writes ------------------------------------------------------------

    def create(self, name, availability_zone=None):
        return db.create(self.db, name, availability_zone=availability_zone)

    def _refuse_zone_change_with_servers(self, aggregate, zone, error):
        """Nova refuses to rename the zone of hosts that run servers."""
        if zone == aggregate['availability_zone']:
            return
        if self._instance_count(aggregate['hosts']):
            raise error(aggregate_id=aggregate['id'],
                        reason='One or more hosts contain instances in this '
                               'zone')

    def update(self, aggregate_id, values):
        """``values``: name and/or availability_zone (None refused)."""
        aggregate = db.get(self.db, aggregate_id)
        set_zone = 'availability_zone' in values
        zone = values.get('availability_zone')
        if set_zone and zone:
            self._refuse_zone_change_with_servers(
                aggregate, zone, db.InvalidAggregateActionUpdate)
        return db.update(self.db, aggregate_id, name=values.get('name'),
                         availability_zone=zone, set_zone=set_zone)

    def set_metadata(self, aggregate_id, metadata):
        """Merge ``metadata``; a None value deletes that key."""
        aggregate = db.get(self.db, aggregate_id)
        zone = metadata.get('availability_zone')
        if zone:
            self._refuse_zone_change_with_servers(
                aggregate, zone, db.InvalidAggregateActionUpdateMeta)
        return db.set_metadata(self.db, aggregate_id, metadata)

    def delete(self, aggregate_id):
        db.delete(self.db, aggregate_id)

    def add_host(self, aggregate_id, host):
        cells = self._host_cells(host)
        aggregate = db.get(self.db, aggregate_id)
        new = aggregate['availability_zone']
        if new is not None:
            old = self._zone_of(host)
            if old != new:
                count = self._instance_count([host], cells)
                if count:
                    raise db.InvalidAggregateActionAdd(
                        aggregate_id=aggregate['id'],
                        reason=_MOVE_REFUSED % {
                            'verb': 'added to', 'old': old, 'new': new,
                            'count': count})
        return db.add_host(self.db, aggregate_id, host)

    def remove_host(self, aggregate_id, host):
        cells = self._host_cells(host)
        aggregate = db.get(self.db, aggregate_id)
        old = aggregate['availability_zone']
        if old is not None and host in aggregate['hosts']:
            new = self._zone_of(host, without=aggregate['id'])
            if old != new:
                count = self._instance_count([host], cells)
                if count:
                    raise db.InvalidAggregateActionDelete(
                        aggregate_id=aggregate['id'],
                        reason=_MOVE_REFUSED % {
                            'verb': 'removed from', 'old': old, 'new': new,
                            'count': count})
        return db.remove_host(self.db, aggregate_id, host)

    def _zone_of(self, host, without=None):
        """The zone aggregates put ``host`` in (None: no aggregate does)."""
        zones = sorted({a['availability_zone']
                        for a in db.get_by_host(self.db, host)
                        if a['availability_zone'] is not None and
                        a['id'] != without})
        return zones[0] if zones else None
