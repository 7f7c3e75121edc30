"""The conductor: one cell's database, offered to its computes over RPC.

Computes hold no database credentials; every read and write they need is a
method here that delegates to the cell's CellDatabase. The conductor also
runs the multi-step work no single compute owns: retrying a failed build
on an alternate host (tasks/build.py) and reaping stuck task states
(reaper.py).
"""

import time

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

from nube import context as nube_context
from nube import exception
from nube import outage
from nube import timing
from nube.compute import states
from nube.conductor import reaper
from nube.conductor.tasks import build
import nube.conf
from nube.network import api as network_api
from nube.network import exceptions as net_exc

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# What ConductorAPI sends for "argument not given" (None is a real value).
UNSET = '__unset__'


def _given(**kwargs):
    """Keyword arguments the caller actually gave (drops the sentinel)."""
    return {k: v for k, v in kwargs.items() if v != UNSET}


class ConductorManager(periodic_task.PeriodicTasks):
    """RPC endpoint of nube-conductor (topic 'conductor')."""

    target = messaging.Target(version='1.2')

    def __init__(self, cell_db, compute_api=None):
        super().__init__(CONF)
        # Each call rides out a database restart (nube.outage).
        self.db = outage.DatabaseRetry(cell_db)
        self._compute_api = compute_api
        self.network = network_api.CellNetworks(self.db)
        self._recasts = {}
        self._started = time.monotonic()
        # Spacing from config read now, not at import time.
        self._periodic_spacing = dict(
            self._periodic_spacing,
            _run_reaper=CONF.conductor.reaper_interval,
            _heartbeat=CONF.report_interval)

    @property
    def compute_api(self):
        if self._compute_api is None:
            from nube.compute import rpcapi as compute_rpcapi
            self._compute_api = compute_rpcapi.ComputeAPI()
        return self._compute_api

    # -- instances ---------------------------------------------------------

    def ping(self, context):
        return 'pong'

    @messaging.expected_exceptions(*exception.INSTANCE_MOVED_ON)
    @timing.timed('conductor.instance_get')
    def instance_get(self, context, instance_uuid):
        return self.db.instance_get(instance_uuid)

    @timing.timed('conductor.instance_get_all_by_host')
    def instance_get_all_by_host(self, context, host):
        return self.db.instance_get_all_by_host(host)

    @messaging.expected_exceptions(*exception.INSTANCE_MOVED_ON)
    @timing.timed('conductor.instance_update')
    def instance_update(self, context, instance_uuid, updates,
                        expected_task_state=UNSET, deadline=UNSET,
                        returning=True):
        # Computes use the instance's own columns; metadata, tags, faults
        # and addresses would cost four more queries per call.
        return self.db.instance_update(
            instance_uuid, updates, joins=False, returning=returning,
            **_given(expected_task_state=expected_task_state,
                     deadline=deadline))

    @messaging.expected_exceptions(*exception.INSTANCE_MOVED_ON)
    @timing.timed('conductor.instance_destroy')
    def instance_destroy(self, context, instance_uuid):
        instance = self.db.instance_destroy(instance_uuid)
        self.network.notify(context, instance.get('released_networks', ()))
        return instance

    @messaging.expected_exceptions(*exception.INSTANCE_MOVED_ON)
    @timing.timed('conductor.instance_fault_create')
    def instance_fault_create(self, context, instance_uuid, code, message,
                              details=None, host=None):
        return self.db.instance_fault_create(
            instance_uuid, code, message, details=details, host=host)

    @messaging.expected_exceptions(*exception.INSTANCE_MOVED_ON)
    @timing.timed('conductor.instance_set_error')
    def instance_set_error(self, context, instance_uuid, message, code=500,
                           details=None, host=None,
                           expected_task_state=UNSET):
        return self.db.set_error(
            instance_uuid, message, code=code, details=details, host=host,
            **_given(expected_task_state=expected_task_state))

    # -- hosts -------------------------------------------------------------

    @timing.timed('conductor.compute_node_update')
    def compute_node_update(self, context, host, nodename, resources):
        return self.db.compute_node_update(host, nodename, resources)

    @timing.timed('conductor.service_heartbeat')
    def service_heartbeat(self, context, host, binary, topic=None):
        return self.db.service_heartbeat(host, binary, topic=topic)

    @timing.timed('conductor.service_heartbeat_many')
    def service_heartbeat_many(self, context, hosts, binary, topic=None):
        return self.db.service_heartbeat_many(hosts, binary, topic=topic)

    # -- network -------------------------------------------------------------

    @messaging.expected_exceptions(*exception.INSTANCE_MOVED_ON,
                                   net_exc.NetworkError)
    @timing.timed('conductor.allocate_for_instance')
    def allocate_for_instance(self, context, instance_uuid,
                              requested_networks, host):
        """The server's ports (made or bound now) as network_info."""
        instance = self.db.instance_get(instance_uuid, joins=False)
        return self.network.allocate_for_instance(
            context, instance, requested_networks, host)

    @timing.timed('conductor.deallocate_for_instance')
    def deallocate_for_instance(self, context, instance_uuid):
        self.network.deallocate_for_instance(context, instance_uuid)

    # -- tasks ---------------------------------------------------------------

    @timing.timed('conductor.build_failed')
    def build_failed(self, context, instance_uuid, host, reason, alternates):
        return build.retry_build(context, self.db, self.compute_api,
                                 instance_uuid, host, reason, alternates)

    def _recast_build(self, inst):
        """Send a queued build its live compute never started once more
        ([conductor] lost_build_recasts times), with a fresh deadline."""
        uuid = inst['uuid']
        done = self._recasts.get(uuid, 0)
        if done >= CONF.conductor.lost_build_recasts:
            self._recasts.pop(uuid, None)
            return False
        try:
            instance = self.db.instance_update(
                uuid, {'task_state': states.SCHEDULING},
                expected_task_state=states.SCHEDULING,
                deadline=CONF.conductor.scheduling_timeout)
        except Exception as exc:
            LOG.info('Not sending the build of instance %s again: %s',
                     uuid, exc)
            return False
        if len(self._recasts) > 10000:
            self._recasts.clear()
        self._recasts[uuid] = done + 1
        LOG.warning('Build of instance %s was never started by host %s; '
                    'sending it again', uuid, inst['host'])
        self.compute_api.build_and_run_instance(
            nube_context.get_admin_context(), inst['host'], instance,
            build.spec_for(instance), [])
        return True

    @periodic_task.periodic_task(spacing=10, run_immediately=True)
    def _heartbeat(self, context):
        self.db.service_heartbeat(CONF.host, 'nube-conductor',
                                  topic='conductor')

    @periodic_task.periodic_task(spacing=10, run_immediately=True)
    @timing.timed('conductor.reaper')
    def _run_reaper(self, context):
        # Heartbeats reach the DB through us: until we have been up for a
        # full service_down_time, a stale heartbeat may be our own outage.
        settled = (time.monotonic() - self._started >=
                   CONF.service_down_time)
        counts = reaper.reap(self.db, check_down_hosts=settled,
                             recast=self._recast_build)
        if any(counts.values()):
            LOG.info('Reaper moved %(overdue)d overdue instances and '
                     '%(host_down)d instances on down hosts to ERROR',
                     counts)
        return counts
