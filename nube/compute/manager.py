"""The compute manager: runs one host's instances through a virt driver.

It never touches a database; every read and write goes to the cell's
conductor. Each instance task checks its task_state with a compare-and-swap
before and after the hypervisor work, so whoever changed the instance in the
meantime (a delete, the reaper) wins and the compute backs off. Builds,
deletes and power actions run in a bounded pool so the RPC worker that
received the cast is free at once; a per-instance lock keeps a delete from
overtaking the build of the same instance on this host.
"""

import concurrent.futures
import threading

import futurist
from oslo_concurrency import lockutils
from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

from nube import context as nube_context
from nube import exception
from nube import timing
from nube import utils
from nube.compute import heartbeat
from nube.compute import image_cache
from nube.compute import network
from nube.compute import resource_tracker
from nube.compute import states
from nube.compute import unreported
from nube.conductor import rpcapi as conductor_rpcapi
import nube.conf
from nube.image import client as image_client

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# ConductorAPI's "argument not given" (None means idle there).
UNSET = '__unset__'

# Someone else owns the instance now: log and drop the task.
_GONE = exception.INSTANCE_MOVED_ON
_BUILD_STATES = (states.SCHEDULING, states.SPAWNING)
_REBOOT_STATES = [states.REBOOTING, states.REBOOTING_HARD]


class ComputeManager(periodic_task.PeriodicTasks):
    """RPC endpoint of nube-compute (topic 'compute', server = host)."""

    target = messaging.Target(version='1.1')

    def __init__(self, host, driver, conductor_api=None, image_api=None,
                 heartbeats=None):
        super().__init__(CONF)
        self.host = host
        self.driver = driver
        self.conductor_api = conductor_api or conductor_rpcapi.ConductorAPI()
        # Shared by the managers of one process when it runs many hosts.
        self.heartbeats = heartbeats or heartbeat.DirectHeartbeat(
            self.conductor_api)
        self.image_api = image_api or image_client.API()
        self.image_cache = image_cache.ImageCache(self.image_api)
        self.resource_tracker = resource_tracker.ResourceTracker(
            host, driver, self.conductor_api)
        self._pool = futurist.ThreadPoolExecutor(
            max_workers=CONF.compute.build_workers)
        self._tasks = set()
        self._tasks_lock = threading.Lock()
        # Finished builds the conductor could not be told of yet.
        self.unreported = unreported.UnreportedResults()
        # Spacing from config read now, not at import time.
        self._periodic_spacing = dict(
            self._periodic_spacing,
            _heartbeat=CONF.report_interval,
            _report_resources=CONF.compute.resource_report_interval,
            _sync_power_states=CONF.compute.power_state_sync_interval,
            _clean_image_cache=CONF.compute.image_cache_interval,
            _report_unreported=CONF.compute.unreported_retry_interval)

    # -- service hooks -------------------------------------------------------

    def init_host(self):
        """Connect the driver and settle what a previous run left behind."""
        self.driver.init_host()
        ctxt = nube_context.get_admin_context()
        self.conductor_api.wait_until_ready(ctxt)
        try:
            instances = self.conductor_api.instance_get_all_by_host(
                ctxt, self.host)
        except messaging.MessagingTimeout:
            LOG.error('Conductor did not answer; not checking instances of '
                      'host %s left by the previous run', self.host)
            instances = []
        for instance in instances:
            self._init_instance(ctxt, instance)
        for task in (self._report_resources, self._heartbeat):
            try:
                task(ctxt)
            except Exception:
                LOG.exception('Initial %s of host %s failed', task.__name__,
                              self.host)

    def _init_instance(self, ctxt, instance):
        uuid, task_state = instance['uuid'], instance['task_state']
        if task_state in _BUILD_STATES:
            LOG.warning('Instance %s was in task_state %s when compute %s '
                        'stopped; building it again here', uuid, task_state,
                        self.host)
            self._submit(self._resume_build, ctxt, instance)
        elif task_state in states.REBUILD_STATES:
            LOG.warning('Instance %s was in task_state %s when compute %s '
                        'stopped -> ERROR', uuid, task_state, self.host)
            self._set_error(ctxt, uuid, 'Compute restarted during rebuild',
                            expected_task_state=task_state)
        elif task_state == states.DELETING:
            LOG.info('Resuming delete of instance %s', uuid)
            self._submit(self._do_terminate, ctxt, instance)
        elif task_state == states.POWERING_OFF:
            self.stop_instance(ctxt, instance)
        elif task_state == states.POWERING_ON:
            self.start_instance(ctxt, instance)
        elif task_state in _REBOOT_STATES:
            self.reboot_instance(ctxt, instance, 'HARD')

    def cleanup_host(self):
        self.heartbeats.stop()
        self.wait_for_tasks(timeout=30)
        self._pool.shutdown(wait=False)
        self.driver.cleanup_host()

    # -- the task pool -------------------------------------------------------

    def _submit(self, func, *args):
        future = self._pool.submit(self._run_task, func, *args)
        with self._tasks_lock:
            self._tasks.add(future)
        future.add_done_callback(self._task_done)
        return future

    def _task_done(self, future):
        with self._tasks_lock:
            self._tasks.discard(future)

    @staticmethod
    def _run_task(func, *args):
        try:
            func(*args)
        except Exception:
            LOG.exception('Unexpected error in %s', func.__name__)

    def wait_for_tasks(self, timeout=None):
        """Wait until queued builds, deletes and power actions are done."""
        with self._tasks_lock:
            pending = list(self._tasks)
        done, not_done = concurrent.futures.wait(pending, timeout=timeout)
        return not not_done

    @staticmethod
    def _instance_lock(uuid):
        return lockutils.lock('nube-instance-%s' % uuid)

    # -- state helpers -------------------------------------------------------

    def _set_error(self, ctxt, uuid, message, details=None,
                   expected_task_state=UNSET):
        """ERROR + fault; only if the CAS on task state still holds."""
        try:
            changed = self.conductor_api.instance_set_error(
                ctxt, uuid, message, code=500, details=details,
                host=self.host, expected_task_state=expected_task_state)
        except messaging.MessagingTimeout:
            LOG.error('Conductor timed out erroring instance %s; the reaper '
                      'will do it', uuid)
            return False
        if not changed:
            LOG.info('Not erroring instance %s: it changed meanwhile', uuid)
            return False
        LOG.warning('Instance %s -> ERROR: %s', uuid, message)
        return True

    def _power_state(self, instance):
        try:
            return self.driver.get_info(instance)['state']
        except Exception as exc:
            LOG.warning('No power state for instance %s: %s',
                        instance['uuid'], exc)
            return states.NOSTATE

    # -- build ---------------------------------------------------------------

    @timing.timed('compute.build_and_run_instance')
    def build_and_run_instance(self, context, instance, spec, alternates):
        """Cast from the scheduler (or conductor retry): spawn in the pool."""
        self._submit(self._do_build, context, instance, spec or {},
                     alternates or [])

    def _resume_build(self, ctxt, instance):
        """A build this host had taken when it stopped: queued (its cast
        consumed, the work never started) or half spawned. Its claim is
        on this host, so it is built again here rather than failed."""
        uuid = instance['uuid']
        if instance['task_state'] == states.SPAWNING:
            if uuid in self._guests():
                self._destroy_quietly(ctxt, instance,
                                      network.from_instance(instance))
            if not self._move_task_state(
                    ctxt, uuid, states.SPAWNING, states.SCHEDULING,
                    CONF.conductor.scheduling_timeout, 'resumed build'):
                return
        self._do_build(ctxt, instance, {}, [])

    def _move_task_state(self, ctxt, uuid, expected, task_state, deadline,
                         what):
        """Compare-and-swap the task state (with its new deadline): the
        updated instance, or None when the instance moved on or the
        conductor did not answer (the reaper then owns it)."""
        try:
            return self.conductor_api.instance_update(
                ctxt, uuid, {'task_state': task_state},
                expected_task_state=expected, deadline=deadline)
        except _GONE as exc:
            LOG.info('Dropping %s of instance %s: %s', what, uuid, exc)
        except messaging.MessagingTimeout:
            LOG.error('Conductor timed out at the start of %s of instance '
                      '%s; leaving it to the reaper', what, uuid)
        return None

    def _guests(self):
        try:
            return self.driver.get_power_states()
        except Exception:
            LOG.exception('Could not list the guests of host %s', self.host)
            return {}

    @timing.timed('compute.build')
    def _do_build(self, ctxt, instance, spec, alternates):
        uuid = instance['uuid']
        with self._instance_lock(uuid):
            with timing.stage('compute.build.cas'):
                instance = self._move_task_state(
                    ctxt, uuid, states.SCHEDULING, states.SPAWNING,
                    CONF.conductor.spawning_timeout, 'build')
            if instance is None:
                return
            LOG.info('Spawning instance %s on host %s', uuid, self.host)
            network_info = []
            try:
                if network.wants_network(instance, spec):
                    with timing.stage('compute.build.network'):
                        network_info = network.allocate(
                            self.conductor_api, ctxt, instance, spec,
                            self.host)
                image_meta = self.image_cache.image_meta(ctxt, instance)
                with timing.stage('compute.build.spawn'):
                    self.driver.spawn(ctxt, instance, image_meta,
                                      network_info)
            except messaging.MessagingTimeout:
                LOG.error('Conductor timed out during build of instance %s; '
                          'leaving it to the reaper', uuid)
                return
            except Exception as exc:
                LOG.exception('Build of instance %s failed on host %s', uuid,
                              self.host)
                self._build_failed(ctxt, instance, network_info, exc,
                                   alternates)
                return
            with timing.stage('compute.build.finish'):
                self._build_done(ctxt, instance, network_info)

    def _build_done(self, ctxt, instance, network_info):
        uuid = instance['uuid']
        updates = {'vm_state': states.ACTIVE, 'task_state': None,
                   'power_state': self._power_state(instance),
                   'launched_at': utils.isotime(utils.utcnow())}
        try:
            self.conductor_api.instance_update(
                ctxt, uuid, updates, expected_task_state=states.SPAWNING,
                returning=False)
        except messaging.MessagingTimeout:
            LOG.error('Conductor timed out finishing build of instance %s; '
                      'reporting it again later', uuid)
            self.unreported.add(uuid, updates, states.SPAWNING,
                                instance, network_info)
            return
        except _GONE as exc:
            LOG.warning('Instance %s changed during build: %s', uuid, exc)
            self._build_lost(ctxt, instance, network_info)
            return
        LOG.info('Instance %s is active on host %s', uuid, self.host)

    def _build_lost(self, ctxt, instance, network_info):
        """The instance moved on without this build (a delete will remove
        the guest itself; anything else - the reaper gave up on us -
        leaves an ERROR instance that should not keep running)."""
        if not self._being_deleted(ctxt, instance['uuid']):
            self._destroy_quietly(ctxt, instance, network_info)

    def _being_deleted(self, ctxt, uuid):
        try:
            current = self.conductor_api.instance_get(ctxt, uuid)
        except exception.InstanceNotFound:
            return False
        except Exception:
            return True
        return current['task_state'] == states.DELETING

    def _destroy_quietly(self, ctxt, instance, network_info):
        try:
            self.driver.destroy(ctxt, instance, network_info)
        except Exception:
            LOG.exception('Cleanup of instance %s failed', instance['uuid'])

    def _build_failed(self, ctxt, instance, network_info, exc, alternates):
        """Clean this host, then let the conductor retry or give up."""
        uuid = instance['uuid']
        self._destroy_quietly(ctxt, instance, network_info)
        try:
            if network_info:
                self.conductor_api.deallocate_for_instance(ctxt, uuid)
            self.conductor_api.build_failed(
                ctxt, uuid, self.host, '%s: %s' % (type(exc).__name__, exc),
                alternates)
        except Exception:
            LOG.exception('Could not report failed build of instance %s; '
                          'leaving it to the reaper', uuid)

    # -- delete --------------------------------------------------------------

    def terminate_instance(self, context, instance):
        self._submit(self._do_terminate, context, instance)

    @timing.timed('compute.delete')
    def _do_terminate(self, ctxt, instance):
        uuid = instance['uuid']
        laps = timing.laps('compute.delete')
        with self._instance_lock(uuid):
            try:
                current = self.conductor_api.instance_get(ctxt, uuid)
            except exception.InstanceNotFound:
                current = instance
            laps.lap('get')
            try:
                self.driver.destroy(ctxt, current,
                                    network.from_instance(current))
                laps.lap('destroy')
                # instance_destroy also frees the fixed IPs and releases the
                # claim, in the same transaction as the soft delete.
                self.conductor_api.instance_destroy(ctxt, uuid)
                laps.lap('db')
            except exception.InstanceNotFound:
                LOG.info('Instance %s was already deleted', uuid)
                return
            except messaging.MessagingTimeout:
                LOG.error('Conductor timed out deleting instance %s; leaving '
                          'it to the reaper', uuid)
                return
            except Exception as exc:
                LOG.exception('Delete of instance %s failed', uuid)
                self._set_error(ctxt, uuid, 'Delete failed: %s' % exc)
                return
            LOG.info('Instance %s deleted from host %s', uuid, self.host)

    # -- power actions -------------------------------------------------------

    def stop_instance(self, context, instance):
        self._submit(self._power_action, context, instance,
                     states.POWERING_OFF, 'stop',
                     lambda inst: self.driver.power_off(inst),
                     states.STOPPED)

    def start_instance(self, context, instance):
        self._submit(self._power_action, context, instance,
                     states.POWERING_ON, 'start',
                     lambda inst: self.driver.power_on(
                         context, inst, network.from_instance(inst)),
                     states.ACTIVE)

    def reboot_instance(self, context, instance, reboot_type):
        self._submit(self._power_action, context, instance,
                     _REBOOT_STATES, 'reboot',
                     lambda inst: self.driver.reboot(
                         context, inst, network.from_instance(inst),
                         reboot_type),
                     states.ACTIVE)

    def _power_action(self, ctxt, instance, expected, action, call,
                      vm_state):
        """Check the task state the API set, act, then record the result."""
        uuid = instance['uuid']
        with self._instance_lock(uuid):
            try:
                instance = self.conductor_api.instance_update(
                    ctxt, uuid, {}, expected_task_state=expected)
            except _GONE as exc:
                LOG.info('Dropping %s of instance %s: %s', action, uuid, exc)
                return
            except messaging.MessagingTimeout:
                LOG.error('Conductor timed out; %s of instance %s left to '
                          'the reaper', action, uuid)
                return
            try:
                call(instance)
            except Exception as exc:
                LOG.exception('%s of instance %s failed', action, uuid)
                self._set_error(ctxt, uuid, 'Failed to %s instance: %s' % (
                    action, exc), expected_task_state=expected)
                return
            updates = {'vm_state': vm_state, 'task_state': None,
                       'power_state': self._power_state(instance)}
            try:
                self.conductor_api.instance_update(
                    ctxt, uuid, updates, expected_task_state=expected,
                    returning=False)
            except (messaging.MessagingTimeout,) + _GONE as exc:
                LOG.warning('Could not record %s of instance %s: %s',
                            action, uuid, exc)
                return
            LOG.info('Instance %s: %s done (vm_state %s)', uuid, action,
                     vm_state)

    # -- rebuild -------------------------------------------------------------

    def rebuild_instance(self, context, instance, orig_vm_state):
        self._submit(self._do_rebuild, context, instance, orig_vm_state)

    @timing.timed('compute.rebuild')
    def _do_rebuild(self, ctxt, instance, orig_vm_state):
        """rebuilding -> destroy -> rebuild_spawning -> spawn -> idle.

        The guest is destroyed and spawned again from the instance's new
        image_ref through the driver; the fixed addresses stay. A server
        that was stopped is powered off again afterwards, as in Nova.
        """
        uuid = instance['uuid']
        with self._instance_lock(uuid):
            try:
                self.conductor_api.instance_update(
                    ctxt, uuid, {}, expected_task_state=states.REBUILDING)
                # With its addresses (the update answers without joins).
                instance = self.conductor_api.instance_get(ctxt, uuid)
                network_info = network.from_instance(instance)
                self.driver.destroy(ctxt, instance, network_info)
                if network_info:
                    # With bridges and gateways, as a build has them.
                    network_info = network.allocate(
                        self.conductor_api, ctxt, instance, None, self.host)
                instance = dict(instance, **self.conductor_api.instance_update(
                    ctxt, uuid, {'task_state': states.REBUILD_SPAWNING},
                    expected_task_state=states.REBUILDING,
                    deadline=CONF.conductor.spawning_timeout))
                LOG.info('Rebuilding instance %s on host %s from image %s',
                         uuid, self.host, instance['image_ref'])
                image_meta = self.image_cache.image_meta(ctxt, instance)
                self.driver.spawn(ctxt, instance, image_meta, network_info)
                vm_state = states.ACTIVE
                if orig_vm_state == states.STOPPED:
                    self.driver.power_off(instance)
                    vm_state = states.STOPPED
            except _GONE as exc:
                LOG.info('Dropping rebuild of instance %s: %s', uuid, exc)
                return
            except messaging.MessagingTimeout:
                LOG.error('Conductor timed out during rebuild of instance '
                          '%s; leaving it to the reaper', uuid)
                return
            except Exception as exc:
                LOG.exception('Rebuild of instance %s failed', uuid)
                self._set_error(
                    ctxt, uuid, 'Rebuild failed: %s' % exc,
                    expected_task_state=list(states.REBUILD_STATES))
                return
            updates = {'vm_state': vm_state, 'task_state': None,
                       'power_state': self._power_state(instance),
                       'launched_at': utils.isotime(utils.utcnow())}
            try:
                self.conductor_api.instance_update(
                    ctxt, uuid, updates,
                    expected_task_state=states.REBUILD_SPAWNING,
                    returning=False)
            except (messaging.MessagingTimeout,) + _GONE as exc:
                LOG.warning('Could not record rebuild of instance %s: %s',
                            uuid, exc)
                return
            LOG.info('Instance %s rebuilt (vm_state %s)', uuid, vm_state)

    def attach_interface(self, context, instance, vif):
        """os-interface: the port is bound already; the guest gets it."""
        vif = network.on_this_host([vif])[0]
        with self._instance_lock(instance['uuid']):
            self.driver.attach_interface(instance, vif)
        LOG.info('Interface %s attached to instance %s', vif.get('port_id'),
                 instance['uuid'])

    def detach_interface(self, context, instance, vif):
        vif = network.on_this_host([vif])[0]
        with self._instance_lock(instance['uuid']):
            self.driver.detach_interface(instance, vif)
        LOG.info('Interface %s detached from instance %s',
                 vif.get('port_id'), instance['uuid'])

    def get_console_output(self, context, instance, length=None):
        """The last ``length`` lines of the console (all if None or < 0)."""
        output = self.driver.get_console_output(instance)
        if length is None or int(length) < 0:
            return output
        if int(length) == 0:
            return ''
        # Nova's tail: the last N pieces between '\n's, so a log ending in
        # a newline counts its empty last piece (Tempest counts that way).
        return '\n'.join(output.split('\n')[-int(length):])

    # -- periodic tasks ------------------------------------------------------

    # init_host already reported once: the first periodic run waits.
    @periodic_task.periodic_task(spacing=10)
    @timing.timed('compute.heartbeat')
    def _heartbeat(self, context):
        return self.heartbeats.beat(context, self.host)

    @periodic_task.periodic_task(spacing=60)
    @timing.timed('compute.report_resources')
    def _report_resources(self, context):
        return self.resource_tracker.update_available_resource(context)

    @periodic_task.periodic_task(spacing=10)
    def _report_unreported(self, context):
        """Tell the conductor the builds it missed (see unreported.py)."""
        return self.unreported.flush(context, self.conductor_api,
                                     self._build_lost)

    @periodic_task.periodic_task(spacing=60)
    def _sync_power_states(self, context):
        """Record what the hypervisor says for instances with no task."""
        actual = self.driver.get_power_states()
        instances = self.conductor_api.instance_get_all_by_host(context,
                                                                self.host)
        changed = 0
        for inst in instances:
            uuid = inst['uuid']
            if inst['task_state'] is not None:
                continue
            state = actual.get(uuid, states.NOSTATE)
            if uuid not in actual and inst['vm_state'] == states.ACTIVE:
                LOG.warning('Instance %s is ACTIVE but its guest is gone '
                            'from host %s', uuid, self.host)
            if state == inst['power_state']:
                continue
            try:
                self.conductor_api.instance_update(
                    context, uuid, {'power_state': state},
                    expected_task_state=None, returning=False)
            except _GONE:
                continue
            LOG.info('Instance %s power_state %s -> %s', uuid,
                     inst['power_state'], state)
            changed += 1
        known = {inst['uuid'] for inst in instances}
        for uuid in set(actual) - known:
            LOG.warning('Guest %s on host %s belongs to no instance here',
                        uuid, self.host)
        return changed

    @periodic_task.periodic_task(spacing=2400)
    def _clean_image_cache(self, context):
        """Drop cached bases no instance of this host has used for long."""
        instances = self.conductor_api.instance_get_all_by_host(context,
                                                                self.host)
        in_use = set()
        for inst in instances:
            in_use.update(inst.get(key) for key in (
                'image_ref', 'kernel_id', 'ramdisk_id') if inst.get(key))
        return self.image_cache.clean(in_use)
