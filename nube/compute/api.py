"""The compute API's logic below HTTP: servers across cells.

``API.create`` writes the build intent to the API DB in one transaction
and casts to the scheduler; reads find a server through its instance
mapping (no cell yet: its build request); lists scatter-gather all cells
and merge the sorted streams.
"""

import functools
import heapq
import re

import eventlet
from oslo_log import log as logging

from nube import exception
from nube import timing
from nube.cells import targeting
from nube.compute import create
from nube.compute import host_api
from nube.compute import instance_ops
from nube.compute import interfaces
from nube.compute import regex_filter
from nube.compute import rpcapi as compute_rpcapi
from nube.compute import states
import nube.conf
from nube.db.api import api as api_db
from nube.db.api import server_groups as groups_db
from nube.db.cell import api as cell_api
from nube.scheduler import host_state
from nube.scheduler import rpcapi as scheduler_rpcapi

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

_UUID_RE = re.compile(
    r'^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$')


class API(create.CreateMixin, instance_ops.InstanceOpsMixin,
          interfaces.InterfacesMixin):
    """Server operations for the HTTP layer (see doc/architecture.md)."""

    def __init__(self, db=None, image_api=None):
        self._db = db
        self._scheduler = None
        self._compute_apis = compute_rpcapi.ClientsByCell()
        self._image_api = image_api

    @property
    def db(self):
        if self._db is None:
            self._db = api_db.get_database()
        return self._db

    @property
    def scheduler(self):
        if self._scheduler is None:
            self._scheduler = scheduler_rpcapi.SchedulerAPI()
        return self._scheduler

    # -- read ---------------------------------------------------------------

    def _locate(self, ctxt, server_id):
        """(mapping, cell or None) for a server id; 404 when unknown."""
        if not isinstance(server_id, str) or not _UUID_RE.match(server_id):
            raise exception.InstanceNotFound(instance_id=server_id)
        try:
            mapping = self.db.instance_mapping_get(server_id)
        except exception.InstanceMappingNotFound:
            raise exception.InstanceNotFound(instance_id=server_id)
        if not ctxt.is_admin and mapping['project_id'] != ctxt.project_id:
            raise exception.InstanceNotFound(instance_id=server_id)
        cell = None
        if mapping['cell_id'] is not None:
            cell = targeting.get_cell_by_id(mapping['cell_id'])
        return mapping, cell

    def get(self, ctxt, server_id):
        mapping, cell = self._locate(ctxt, server_id)
        if cell is None:
            try:
                return create.new_instance_view(
                    self.db.build_request_get(server_id))
            except exception.InstanceNotFound:
                mapping, cell = self._locate(ctxt, server_id)
                if cell is None:
                    raise
        instance = targeting.cell_database(cell).instance_get(server_id)
        instance['network_label'] = CONF.network.label
        instance['cell_name'] = cell['name']
        return instance

    @timing.timed('api.get_all')
    def get_all(self, ctxt, search_opts, limit=None, marker=None,
                sort_keys=None, sort_dirs=None):
        filters = dict(search_opts or {})
        for key in ('name', 'ip'):
            if filters.get(key):
                regex_filter.check(key, filters[key])
        if not (ctxt.is_admin and filters.pop('all_tenants', False)):
            filters['project_id'] = ctxt.project_id
        filters.pop('all_tenants', None)
        if 'tenant_id' in filters:
            filters['project_id'] = filters.pop('tenant_id')
        # Nova: deleted=True lists only deleted servers (`openstack server
        # list --deleted`); changes-since alone also shows deleted ones.
        if filters.pop('deleted', False):
            filters['read_deleted'] = 'only'
        elif filters.get('changes-since') is not None:
            filters['read_deleted'] = 'yes'
        sort_keys, sort_dirs = cell_api.normalize_sort(sort_keys, sort_dirs)
        marker_values = None
        if marker is not None:
            marker_values = self._marker_values(ctxt, marker)
        # Unscheduled servers first, then the cells (Nova's order): a
        # server the scheduler hands over in between shows up in both (the
        # cell's row wins below), never in neither.
        building = self._build_requests_matching(
            filters, sort_keys, sort_dirs, marker_values)
        cells = targeting.get_cells(include_cell0=True)
        timeout = CONF.api.list_cell_timeout

        def query(cell):
            with eventlet.Timeout(timeout, False), \
                    timing.stage('api.get_all.cell_query'):
                return targeting.cell_database(cell).instance_get_all(
                    filters=dict(filters), sort_keys=sort_keys,
                    sort_dirs=sort_dirs, limit=limit,
                    marker_values=marker_values)
            LOG.warning('Cell %s did not answer within %ss; listing it '
                        'out', cell['name'], timeout)
            return []

        pool = eventlet.GreenPool(max(1, len(cells)))
        streams = []
        in_cells = set()
        for cell, rows in zip(cells, pool.imap(_safe(query), cells)):
            for row in rows:
                row['network_label'] = CONF.network.label
                row['cell_name'] = cell['name']
                in_cells.add(row['uuid'])
            streams.append(rows)
        streams.append([row for row in building
                        if row['uuid'] not in in_cells])
        compare = functools.cmp_to_key(_comparator(sort_keys, sort_dirs))
        seen = set()
        result = []
        for row in heapq.merge(*streams, key=compare):
            if row['uuid'] in seen:
                continue
            seen.add(row['uuid'])
            result.append(row)
            if limit is not None and len(result) >= limit:
                break
        return result

    def _marker_values(self, ctxt, marker):
        try:
            mapping, cell = self._locate(ctxt, marker)
            if cell is None:
                return self.db.build_request_get(marker)
            return targeting.cell_database(cell).instance_get(
                marker, read_deleted='yes', joins=False)
        except exception.NotFound:
            raise exception.MarkerNotFound(marker=marker)

    def _build_requests_matching(self, filters, sort_keys, sort_dirs,
                                 marker_values):
        """Unscheduled servers that match the (simple) filters, sorted."""
        if filters.get('read_deleted') == 'only':
            return []
        wanted_status = filters.get('status')
        if wanted_status and 'BUILD' not in [s.upper()
                                             for s in wanted_status]:
            return []
        for key in ('host', 'node', 'ip', 'tags', 'tags-any', 'locked',
                    'changes-before', 'uuid'):
            if filters.get(key):
                return []
        rows = []
        for inst in self.db.build_request_get_all(
                project_id=filters.get('project_id')):
            if filters.get('name') and not re.search(
                    filters['name'], inst.get('display_name') or ''):
                continue
            if filters.get('image') and inst.get('image_ref') != \
                    filters['image']:
                continue
            if filters.get('flavor') and inst.get('flavorid') != \
                    str(filters['flavor']):
                continue
            if filters.get('reservation_id') and inst.get(
                    'reservation_id') != filters['reservation_id']:
                continue
            rows.append(create.new_instance_view(inst))
        compare = _comparator(sort_keys, sort_dirs)
        rows.sort(key=functools.cmp_to_key(compare))
        if marker_values is not None:
            rows = [r for r in rows if compare(r, marker_values) > 0]
        return rows

    # -- update and delete ------------------------------------------------

    def update(self, ctxt, server_id, updates):
        mapping, cell = self._locate(ctxt, server_id)
        if cell is None:
            raise exception.InstanceInvalidState(
                action='update', instance_uuid=server_id, attr='vm_state',
                state=states.BUILDING)
        instance = targeting.cell_database(cell).instance_update(
            server_id, updates)
        instance['network_label'] = CONF.network.label
        return instance

    @timing.timed('api.delete')
    def delete(self, ctxt, server_id):
        mapping, cell = self._locate(ctxt, server_id)
        if cell is None:
            if self.db.build_request_delete(server_id):
                groups_db.remove_member(self.db, server_id)
                LOG.info('Deleted unscheduled server %s', server_id)
                return
            mapping, cell = self._locate(ctxt, server_id)
            if cell is None:
                raise exception.InstanceNotFound(instance_id=server_id)
        cell_db = targeting.cell_database(cell)
        instance = cell_db.instance_get(server_id, joins=False)
        self._check_not_locked(ctxt, instance)
        if instance['task_state'] == states.DELETING:
            return
        if instance['host'] is None or \
                cell['uuid'] == targeting.CELL0_UUID or \
                not self._compute_is_up(cell_db, instance['host']):
            self._local_delete(cell_db, instance)
            return
        try:
            # The compute re-reads the instance (with its addresses)
            # under its lock: no joins needed here.
            instance = cell_db.instance_update(
                server_id, {'task_state': states.DELETING},
                expected_task_state=instance['task_state'],
                deadline=CONF.conductor.task_timeout, joins=False)
        except exception.UnexpectedTaskState:
            # Raced with another change; a delete always wins, so retry
            # once on the fresh state.
            return self.delete(ctxt, server_id)
        self.db.instance_mapping_set_queued_for_delete(server_id)
        groups_db.remove_member(self.db, server_id)
        self._compute_apis.for_cell(cell).terminate_instance(
            ctxt, instance['host'], instance)

    def _local_delete(self, cell_db, instance):
        """Delete in the DB alone: no compute holds (or can act on) it."""
        LOG.info('Deleting %s locally (host %s is gone or down)',
                 instance['uuid'], instance['host'])
        try:
            cell_db.instance_destroy(instance['uuid'])
        except exception.InstanceNotFound:
            pass
        self.db.instance_mapping_set_queued_for_delete(instance['uuid'])
        groups_db.remove_member(self.db, instance['uuid'])

    @staticmethod
    def _compute_is_up(cell_db, host):
        services = cell_db.service_get_all(host=host,
                                           binary=host_api.COMPUTE_BINARY)
        return bool(services) and host_state.service_is_up(services[0])

    # -- server actions (POST /servers/{id}/action) -------------------------

    # Where a guest (and so its console log) exists on the host.
    CONSOLE_VM_STATES = (states.ACTIVE, states.STOPPED, states.PAUSED,
                         states.SUSPENDED, states.RESCUED, states.RESIZED,
                         states.ERROR)

    def _instance_on_host(self, ctxt, server_id):
        """(cell, cell_db, instance) of a server a compute holds.

        409 while it has no host (still scheduling, or never placed), 503
        when its compute is down: a call to it would only time out.
        """
        mapping, cell = self._locate(ctxt, server_id)
        if cell is None or cell['uuid'] == targeting.CELL0_UUID:
            raise exception.InstanceNotReady(instance_id=server_id)
        cell_db = targeting.cell_database(cell)
        instance = cell_db.instance_get(server_id, joins=False)
        if not instance['host']:
            raise exception.InstanceNotReady(instance_id=server_id)
        if not self._compute_is_up(cell_db, instance['host']):
            raise exception.ComputeServiceUnavailable(host=instance['host'])
        return cell, cell_db, instance

    @staticmethod
    def _check_not_locked(ctxt, instance):
        """A locked server takes changes from admins only (Nova's 409)."""
        if instance.get('locked') and not ctxt.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance['uuid'])

    @staticmethod
    def _check_state(instance, action, vm_states, task_states):
        for attr, allowed in (('vm_state', vm_states),
                              ('task_state', task_states)):
            if instance[attr] not in allowed:
                raise exception.InstanceInvalidState(
                    action=action, instance_uuid=instance['uuid'],
                    attr=attr, state=instance[attr])

    def get_console_output(self, ctxt, server_id, length=None):
        """The last ``length`` lines of the serial console (None: all)."""
        cell, _cell_db, instance = self._instance_on_host(ctxt, server_id)
        if instance['task_state'] == states.DELETING:
            raise exception.InstanceInvalidState(
                action='get_console_output', instance_uuid=server_id,
                attr='task_state', state=instance['task_state'])
        self._check_state(instance, 'get_console_output',
                          self.CONSOLE_VM_STATES, (instance['task_state'],))
        return self._compute_apis.for_cell(cell).get_console_output(
            ctxt, instance['host'], instance, length)

    def _power_action(self, ctxt, server_id, action, vm_states, task_states,
                      new_task_state, cast):
        """Check, compare-and-swap the task state, then cast to the host.

        The deadline lets the reaper error the server if the compute never
        finishes; the compute checks the same task state before acting.
        """
        cell, cell_db, instance = self._instance_on_host(ctxt, server_id)
        self._check_not_locked(ctxt, instance)
        self._check_state(instance, action, vm_states, task_states)
        try:
            instance = cell_db.instance_update(
                server_id, {'task_state': new_task_state},
                expected_task_state=list(task_states),
                expected_vm_state=list(vm_states),
                deadline=CONF.conductor.task_timeout)
        except (exception.UnexpectedTaskState,
                exception.InstanceInvalidState):
            # Changed since we read it: report the state it has now.
            current = cell_db.instance_get(server_id, joins=False)
            self._check_state(current, action, vm_states, task_states)
            raise
        cast(self._compute_apis.for_cell(cell), ctxt, instance['host'],
             instance)

    def stop(self, ctxt, server_id):
        self._power_action(
            ctxt, server_id, 'stop', (states.ACTIVE, states.ERROR), (None,),
            states.POWERING_OFF,
            lambda api, c, host, inst: api.stop_instance(c, host, inst))

    def start(self, ctxt, server_id):
        self._power_action(
            ctxt, server_id, 'start', (states.STOPPED,), (None,),
            states.POWERING_ON,
            lambda api, c, host, inst: api.start_instance(c, host, inst))

    def reboot(self, ctxt, server_id, reboot_type):
        """SOFT: an ACTIVE idle server; HARD: also stopped, paused, ..."""
        if reboot_type == 'SOFT':
            vm_states, task_states = (states.ACTIVE,), (None,)
            new_task_state = states.REBOOTING
        else:
            vm_states = (states.ACTIVE, states.STOPPED, states.PAUSED,
                         states.SUSPENDED, states.ERROR)
            task_states = (None, states.REBOOTING, states.REBOOTING_HARD)
            new_task_state = states.REBOOTING_HARD
        self._power_action(
            ctxt, server_id, 'reboot', vm_states, task_states, new_task_state,
            lambda api, c, host, inst: api.reboot_instance(
                c, host, inst, reboot_type))


def _safe(fn):
    def wrapper(cell):
        try:
            return fn(cell)
        except exception.Invalid:
            raise   # the request's fault (a filter a cell refused): 400
        except Exception:
            LOG.exception('Cell %s failed while listing', cell['name'])
            return []
    return wrapper


_NULLS = {'created_at': '', 'updated_at': '', 'launched_at': '',
          'terminated_at': '', 'launch_index': -1, 'power_state': -1,
          'progress': -1}


def _comparator(sort_keys, sort_dirs):
    """cmp() matching the cells' SQL order (NULLs as their defaults)."""
    def value(row, key):
        v = row.get(key)
        if v is None:
            return _NULLS.get(key, '')
        if isinstance(v, bool):
            return int(v)
        return v

    def compare(a, b):
        for key, direction in zip(sort_keys, sort_dirs):
            va, vb = value(a, key), value(b, key)
            if va == vb:
                continue
            try:
                less = va < vb
            except TypeError:
                less = str(va) < str(vb)
            result = -1 if less else 1
            return -result if direction == 'desc' else result
        return 0
    return compare
