"""A running nube service: an RPC server for a manager and its periodics."""

import random
import threading
import time

from oslo_log import log as logging

from nube import context as nube_context
from nube.db import budget as db_budget
from nube import rpc
import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)


class Service:
    """Runs ``manager`` as RPC server ``topic``/``host`` with its periodics."""

    def __init__(self, binary, topic, manager, host=None, transport_url=None,
                 rpc_server=True):
        self.binary = binary
        self.topic = topic
        self.manager = manager
        self.host = host or CONF.host
        self.transport_url = transport_url
        self._rpc_server = None
        self._want_rpc = rpc_server
        self._stop = threading.Event()
        self._periodic = None

    def start(self):
        LOG.info('Starting %s on %s', self.binary, self.host)
        db_budget.check_service(self.binary)
        if hasattr(self.manager, 'init_host'):
            self.manager.init_host()
        if self._want_rpc:
            self._rpc_server = rpc.get_server(
                self.topic, self.host, [self.manager],
                transport_url=self.transport_url)
            self._rpc_server.start()
        if hasattr(self.manager, 'run_periodic_tasks'):
            self._periodic = threading.Thread(
                target=self._run_periodic_tasks,
                name='%s-periodic' % self.binary, daemon=True)
            self._periodic.start()
        if hasattr(self.manager, 'post_start_hook'):
            self.manager.post_start_hook()

    def _run_periodic_tasks(self):
        ctxt = nube_context.get_admin_context()
        # Out of step with the services that started with this one, and
        # never later than one heartbeat period.
        self._stop.wait(random.uniform(0, min(CONF.periodic_fuzzy_delay,
                                              CONF.report_interval)))
        if not CONF.periodic_enable:
            self._run_heartbeat_only(ctxt)
            return
        while not self._stop.is_set():
            try:
                idle = self.manager.run_periodic_tasks(ctxt)
            except Exception:
                LOG.exception('Periodic tasks of %s failed', self.binary)
                idle = 1.0
            # Asleep until the next task is due (stop() wakes it): with
            # many services in one process (fake hosts) a wake-up a second
            # each adds up.
            self._stop.wait(max(idle or 0.0, 0.05))

    def _run_heartbeat_only(self, ctxt):
        """[DEFAULT] periodic_enable = false: keep the service row alive,
        run nothing else."""
        beat = getattr(self.manager, '_heartbeat', None)
        LOG.info('[DEFAULT] periodic_enable is false: %s on %s runs %s',
                 self.binary, self.host,
                 'only its heartbeat' if beat else 'no periodic task')
        while beat is not None and not self._stop.is_set():
            try:
                beat(ctxt)
            except Exception:
                LOG.exception('Heartbeat of %s failed', self.binary)
            self._stop.wait(CONF.report_interval)

    def stop(self):
        self._stop.set()
        if self._rpc_server is not None:
            try:
                self._rpc_server.stop()
                self._rpc_server.wait()
            except Exception:
                LOG.exception('Stopping the RPC server of %s', self.binary)
        if hasattr(self.manager, 'cleanup_host'):
            self.manager.cleanup_host()

    def wait(self):
        while not self._stop.is_set():
            time.sleep(1.0)
