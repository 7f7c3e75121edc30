"""Scheduler: picks hosts, claims them, and hands each server to its cell.

It owns the first part of the build flow: a server leaves the API DB's
build requests here, either claimed on a host (and cast to its compute)
or written to cell0 in ERROR with a fault saying why no host fit.
"""

import datetime
import time

from oslo_db import exception as db_exc
from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

from nube import exception
from nube import outage
from nube import timing
from nube import utils
from nube.cells import targeting
from nube.compute import rpcapi as compute_rpcapi
from nube.compute import states
import nube.conf
from nube.db.api import api as api_db
from nube.scheduler import claims
from nube.scheduler import group_claims
from nube.scheduler import host_manager
from nube.scheduler import selector

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

CLAIM_RETRIES = 5


class SchedulerManager(periodic_task.PeriodicTasks):
    target = messaging.Target(version='1.0')

    def __init__(self):
        super().__init__(CONF)
        self.host_manager = host_manager.HostManager()
        self.selector = selector.HostSelector()
        self._compute_apis = compute_rpcapi.ClientsByCell()
        self.stats = {'scheduled': 0, 'no_valid_host': 0, 'claim_races': 0}
        # Waiting servers this process scheduled again (once each).
        self._rescheduled = set()
        # Spacing from config read now; decorator arguments are read at
        # import, before the configuration is.
        self._periodic_spacing = dict(
            self._periodic_spacing,
            _reap_stale_build_requests=CONF.scheduler.reaper_interval)

    # -- RPC -----------------------------------------------------------------

    def build_instances(self, context, builds):
        """Schedule each build; never raises (failures land in cell0)."""
        for build in builds:
            try:
                with timing.stage('scheduler.schedule_one'):
                    self._schedule_one(context, build['instance'],
                                       build['spec'])
            except Exception as exc:
                LOG.exception('Scheduling %s failed',
                              build['instance']['uuid'])
                try:
                    self._bury_in_cell0(context, build['instance'],
                                        'Scheduling failed: %s' % exc)
                except Exception:
                    # Its build request stays: the stale build request
                    # reaper buries it later.
                    LOG.exception('Could not bury %s in cell0',
                                  build['instance']['uuid'])

    @timing.timed('scheduler.select_destinations')
    def select_destinations(self, context, spec, instance_uuids):
        host_states = self.host_manager.get_host_states()
        self.host_manager.set_instances_for_hints(host_states, spec)
        if spec.get('group') and 'group_hosts' not in spec:
            spec = dict(spec, group_hosts=group_claims.member_hosts(
                api_db.get_database(), spec['group']))
        selections = self.selector.select(
            host_states, spec, num_instances=len(instance_uuids) or 1,
            max_alternates=CONF.scheduler.max_attempts - 1)
        return [[_host_dict(h) for h in selection]
                for selection in selections]

    # -- the work ------------------------------------------------------------

    def _schedule_one(self, context, instance, spec):
        started = time.monotonic()
        with timing.stage('scheduler.host_states'):
            host_states = outage.retry_db(self.host_manager.get_host_states)
        if spec.get('scheduler_hints'):
            self.host_manager.set_instances_for_hints(host_states, spec)
        one = dict(spec, num_instances=1, instance_uuids=[instance['uuid']])
        group = spec.get('group')
        if group:
            group_hosts = outage.retry_db(group_claims.member_hosts,
                                          api_db.get_database(), group)
        last_error = None
        attempts = refusals = 0
        while attempts < CLAIM_RETRIES:
            attempts += 1
            if group:
                # What the members' hosts are as far as this scheduler
                # knows; the late check below has the last word.
                one['group_hosts'] = dict(group_hosts)
            try:
                with timing.stage('scheduler.select'):
                    selection = self.selector.select(
                        host_states, one, num_instances=1,
                        max_alternates=CONF.scheduler.max_attempts - 1)[0]
            except exception.NoValidHost as exc:
                self.stats['no_valid_host'] += 1
                self._bury_in_cell0(context, instance, str(exc))
                return
            chosen, alternates = selection[0], selection[1:]
            cell = self._cell(chosen.cell_uuid)
            cell_db = targeting.cell_database(cell)
            values = self._instance_values(instance, spec)
            values['availability_zone'] = (instance.get('availability_zone')
                                           or chosen.availability_zone)
            try:
                with timing.stage('scheduler.claim'):
                    if group_claims.is_hard(group):
                        created = outage.retry_db(
                            group_claims.claim_member,
                            api_db.get_database(), cell_db,
                            _node_dict(chosen), values, group)
                    else:
                        created = outage.retry_db(
                            claims.claim_and_create, cell_db,
                            _node_dict(chosen), values)
            except group_claims.GroupPolicyViolated as exc:
                # Another scheduler placed members meanwhile: select
                # again knowing where. Only a refusal that taught nothing
                # new counts as an attempt.
                self.stats['claim_races'] += 1
                LOG.info('Server %s: %s; selecting again', instance['uuid'],
                         exc)
                last_error = exc
                chosen.unconsume(spec.get('flavor') or {})
                refusals += 1
                if exc.hosts != group_hosts and refusals <= len(host_states):
                    attempts -= 1
                group_hosts = exc.hosts
                continue
            except exception.ClaimFailed as exc:
                self.stats['claim_races'] += 1
                last_error = exc
                chosen.unconsume(spec.get('flavor') or {})
                self.host_manager.refresh_host(chosen)
                continue
            except db_exc.DBDuplicateEntry:
                LOG.info('Instance %s is already in a cell', instance['uuid'])
                return
            if group_claims.is_hard(group):
                # A retry on an alternate would bypass the late check.
                alternates = []
            elif group:
                outage.retry_db(group_claims.record_member_host,
                                api_db.get_database(), instance['uuid'],
                                chosen.host)
            with timing.stage('scheduler.hand_over'):
                self._hand_over(context, cell, created, spec, alternates)
            LOG.info('Scheduled %s on %s in %.1f ms', instance['uuid'],
                     chosen.host, (time.monotonic() - started) * 1000)
            return
        self._bury_in_cell0(context, instance,
                            'No valid host was found. Claims kept failing: '
                            '%s' % last_error)

    def _hand_over(self, context, cell, created, spec, alternates):
        uuid = created['uuid']
        if not outage.retry_db(api_db.get_database().build_request_complete,
                               uuid, cell['id']):
            mapping = _mapping_or_none(uuid)
            if mapping is not None and mapping['cell_id'] == cell['id']:
                LOG.info('Server %s was handed over meanwhile (stale build '
                         'request recovery)', uuid)
                return
            LOG.info('Server %s was deleted while scheduling; undoing its '
                     'claim', uuid)
            targeting.cell_database(cell).instance_destroy(uuid)
            return
        self.stats['scheduled'] += 1
        with timing.stage('scheduler.hand_over.cast'):
            self._compute_apis.for_cell(cell).build_and_run_instance(
                context, created['host'], created, spec,
                [_host_dict(h) for h in alternates])

    def _instance_values(self, instance, spec):
        # instance_create keeps only the model's columns.
        values = dict(instance)
        values['task_state'] = states.SCHEDULING
        values['vm_state'] = states.BUILDING
        values['task_deadline'] = utils.utcnow() + datetime.timedelta(
            seconds=CONF.conductor.scheduling_timeout)
        return values

    @timing.timed('scheduler.bury_in_cell0')
    def _bury_in_cell0(self, context, instance, message):
        """Write a server no host could take into cell0, in ERROR."""
        outage.retry_db(self._write_to_cell0, instance, message)

    def _write_to_cell0(self, instance, message):
        uuid = instance['uuid']
        LOG.warning('Server %s goes to cell0: %s', uuid, message)
        cell0 = targeting.get_cell0()
        cell0_db = targeting.cell_database(cell0)
        values = dict(instance, vm_state=states.ERROR, task_state=None,
                      host=None, node=None)
        try:
            cell0_db.instance_create(values)
            cell0_db.instance_fault_create(uuid, 500, message[:255],
                                           details=message)
        except db_exc.DBDuplicateEntry:
            LOG.info('Server %s is already in cell0', uuid)
        if not api_db.get_database().build_request_complete(uuid,
                                                            cell0['id']):
            mapping = _mapping_or_none(uuid)
            if mapping is None or mapping['cell_id'] != cell0['id']:
                cell0_db.instance_destroy(uuid)

    def _cell(self, cell_uuid):
        for cell in targeting.get_cells():
            if cell['uuid'] == cell_uuid:
                return cell
        raise exception.CellMappingNotFound(uuid=cell_uuid)

    # -- periodic ------------------------------------------------------------

    @periodic_task.periodic_task(spacing=10, run_immediately=True)
    def _heartbeat(self, context):
        """Schedulers belong to no cell: their service row lives in cell0,
        so `GET /os-services` lists them as Nova does."""
        cell0_db = targeting.cell_database(targeting.get_cell0())
        cell0_db.service_heartbeat(CONF.host, 'nube-scheduler',
                                   topic='scheduler')

    @periodic_task.periodic_task(spacing=10, run_immediately=True)
    def _reap_stale_build_requests(self, context):
        """Servers still waiting to be scheduled after a while: finish the
        hand-over a dead scheduler left, schedule again what a dead
        scheduler's lost cast never started, and move to ERROR what is
        still waiting after build_request_timeout."""
        now = utils.utcnow()
        db = api_db.get_database()
        expired = {i['uuid'] for i in db.build_request_get_all(
            older_than=now - datetime.timedelta(
                seconds=CONF.scheduler.build_request_timeout))}
        waiting = db.build_request_get_all(
            older_than=now - datetime.timedelta(
                seconds=CONF.scheduler.build_request_recover_after))
        counts = {'handed_over': 0, 'rescheduled': 0, 'buried': 0}
        for instance in waiting:
            try:
                counts[self._recover(context, instance,
                                     instance['uuid'] in expired)] += 1
            except Exception:
                LOG.exception('Could not recover waiting server %s',
                              instance['uuid'])
        if any(counts.values()):
            LOG.warning('Stale build requests: %(handed_over)d handed over, '
                        '%(rescheduled)d scheduled again, %(buried)d moved '
                        'to ERROR', counts)
        return counts

    def _recover(self, context, instance, expired):
        uuid = instance['uuid']
        for cell in targeting.get_cells():
            try:
                created = targeting.cell_database(cell).instance_get(uuid)
            except exception.InstanceNotFound:
                continue
            # Claimed there, never handed over: hand it over now (a build
            # that started anyway, from the conductor's recast, is kept).
            LOG.warning('Server %s was claimed on %s but never handed over; '
                        'handing it over', uuid, created['host'])
            if created['task_state'] == states.SCHEDULING:
                self._hand_over(context, cell, created,
                                _spec_or_empty(uuid), [])
            else:
                api_db.get_database().build_request_complete(uuid,
                                                             cell['id'])
            return 'handed_over'
        if expired or uuid in self._rescheduled:
            self._bury_in_cell0(
                context, instance,
                'Scheduling timed out after %ds: no scheduler handled this '
                'server' % CONF.scheduler.build_request_timeout)
            return 'buried'
        if len(self._rescheduled) > 10000:
            self._rescheduled.clear()
        self._rescheduled.add(uuid)
        LOG.warning('Server %s waited %ds without a scheduler taking it; '
                    'scheduling it again', uuid,
                    CONF.scheduler.build_request_recover_after)
        self._schedule_one(context, instance, _spec_or_empty(uuid))
        return 'rescheduled'


def _spec_or_empty(uuid):
    try:
        return api_db.get_database().request_spec_get(uuid)
    except exception.NotFound:
        return {}


def _mapping_or_none(uuid):
    try:
        return api_db.get_database().instance_mapping_get(uuid)
    except exception.NotFound:
        return None


def _node_dict(state):
    cpu, ram, disk = state.aggregate_ratios
    return {'id': state.compute_node_id, 'host': state.host,
            'hypervisor_hostname': state.nodename,
            # What the host's aggregates impose (None: the node's own).
            'cpu_allocation_ratio': cpu, 'ram_allocation_ratio': ram,
            'disk_allocation_ratio': disk}


def _host_dict(state):
    return {'host': state.host, 'nodename': state.nodename,
            'compute_node_id': state.compute_node_id,
            'cell_uuid': state.cell_uuid}
