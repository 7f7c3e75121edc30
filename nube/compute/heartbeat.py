"""Heartbeats of the compute services a process runs.

A process normally runs one compute service, whose heartbeat is one
conductor call every report_interval. With ``[compute] fake_hosts`` it
runs many (scale tests, benchmarks), and a call per host per interval
became most of the conductor's work on an idle cloud. Their heartbeats
are then gathered and sent as one call every half report_interval. A host
is only reported if its own periodic loop beat since the last send, so a
stuck loop still shows as a down service.
"""

import threading

from oslo_log import log as logging

from nube import context as nube_context
from nube import timing
import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

BINARY = 'nube-compute'
TOPIC = 'compute'


class DirectHeartbeat:
    """One conductor call per beat: a process with a single host."""

    def __init__(self, conductor_api):
        self.conductor_api = conductor_api

    def beat(self, ctxt, host):
        return self.conductor_api.service_heartbeat(ctxt, host, BINARY,
                                                    TOPIC)

    def stop(self):
        pass


class BatchedHeartbeats:
    """Beats of many hosts, sent together by one sender thread.

    A host's first beat goes out at once, so a compute that starts is
    schedulable without waiting for the next send.
    """

    def __init__(self, conductor_api, interval=None):
        self.conductor_api = conductor_api
        self.interval = interval or CONF.report_interval / 2.0
        self._lock = threading.Lock()
        self._pending = set()
        self._known = set()
        self._stop = threading.Event()
        self._sender = None

    def beat(self, ctxt, host):
        with self._lock:
            first = host not in self._known
            if not first:
                self._pending.add(host)
                self._start_sender()
        if first:
            result = self.conductor_api.service_heartbeat(ctxt, host, BINARY,
                                                          TOPIC)
            with self._lock:
                self._known.add(host)
            return result
        return None

    def _start_sender(self):
        if self._sender is None and not self._stop.is_set():
            self._sender = threading.Thread(
                target=self._run, name='compute-heartbeats', daemon=True)
            self._sender.start()

    @timing.timed('compute.heartbeat_batch')
    def flush(self, ctxt):
        """Send the hosts that beat since the last send; how many."""
        with self._lock:
            hosts = sorted(self._pending)
            self._pending.clear()
        if not hosts:
            return 0
        try:
            return self.conductor_api.service_heartbeat_many(
                ctxt, hosts, BINARY, TOPIC)
        except Exception:
            # Their loops beat; the next send carries them again.
            with self._lock:
                self._pending.update(hosts)
            raise

    def _run(self):
        ctxt = nube_context.get_admin_context()
        while not self._stop.wait(self.interval):
            try:
                self.flush(ctxt)
            except Exception as exc:
                LOG.warning('Heartbeat of %d compute hosts failed: %s',
                            len(self._pending), exc)

    def stop(self):
        self._stop.set()
