"""Client side of the conductor RPC API: a compute's only way to its DB.

1.0 - initial version
1.1 - instance_update(returning=False); service_heartbeat_many
1.2 - allocate_for_instance, deallocate_for_instance (ports through the
      network API) instead of allocate_fixed_ip, deallocate_fixed_ip

Calls ride out a message bus or database restart: each attempt waits
[conductor] call_attempt_timeout seconds, and a call that timed out (its
reply lost) or found the conductor's database unreachable is sent again
for up to [conductor] call_retry_window seconds. Every call is safe to
repeat: reads and idempotent writes as they are, and the compare-and-swap
writes (instance_update, instance_set_error, instance_destroy) check,
when a repeat loses its compare-and-swap, whether the lost attempt had
already done the write.
"""

import time

from oslo_log import log as logging
import oslo_messaging as messaging

from nube import exception
from nube import outage
from nube import rpc
from nube.compute import states
import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

TOPIC = 'conductor'
_FIRST_PAUSE = 0.2
_MAX_PAUSE = 5.0


class _Attempts:
    """Whether any attempt of one call may have reached the conductor and
    done its work without the caller hearing back."""

    def __init__(self):
        self.ambiguous = False


class ConductorAPI:
    VERSION = '1.2'

    def __init__(self, transport_url=None, timeout=None):
        # Calls default to 1.0; the ones 1.1 added ask for it themselves.
        self._client = rpc.get_client(TOPIC, '1.0',
                                      transport_url=transport_url,
                                      timeout=timeout)
        # Per attempt: the given timeout, else [conductor]
        # call_attempt_timeout while retries are on.
        self._timeout = timeout

    def _call(self, ctxt, method, version=None, retry=True, attempts=None,
              **kwargs):
        """Call ``method``, again through a bus or database outage.

        ``retry=False``: one attempt (heartbeats: the next one follows
        soon). The error after the last attempt is a MessagingTimeout
        (existing handlers treat "no answer" alike) or the remote error.
        """
        window = CONF.conductor.call_retry_window if retry else 0
        prepare = {} if version is None else {'version': version}
        if self._timeout is None:
            # Also without retries: a heartbeat whose reply was lost must
            # not hold the periodic tasks for rpc_response_timeout.
            prepare['timeout'] = CONF.conductor.call_attempt_timeout
        client = self._client.prepare(**prepare)
        attempts = attempts or _Attempts()
        start = time.monotonic()
        pause = _FIRST_PAUSE
        count = 0
        while True:
            count += 1
            try:
                result = client.call(ctxt, method, **kwargs)
            except messaging.MessagingTimeout as exc:
                attempts.ambiguous = True
                failure = exc
            except Exception as exc:
                if not outage.is_remote_db_outage(exc):
                    raise
                failure = exc
            else:
                if count > 1:
                    LOG.info('Conductor answered %s after %d attempts '
                             '(%.1fs)', method, count,
                             time.monotonic() - start)
                return result
            waited = time.monotonic() - start
            if waited + pause >= window:
                if window:
                    LOG.error('Conductor gave no answer to %s in %d attempts '
                              '(%.1fs): %s', method, count, waited, failure)
                if not isinstance(failure, messaging.MessagingTimeout):
                    raise messaging.MessagingTimeout(
                        'conductor database unreachable: %s' % failure)
                raise failure
            if count == 1:
                LOG.warning('Conductor call %s failed (%s); asking again for '
                            'up to %ds', method, type(failure).__name__,
                            window)
            time.sleep(pause)
            pause = min(pause * 2, _MAX_PAUSE)

    def ping(self, ctxt, timeout=None):
        return self._client.prepare(timeout=timeout).call(ctxt, 'ping')

    def wait_until_ready(self, ctxt, attempt_timeout=5, log=None):
        """Block until the conductor answers a ping.

        A call sent before the conductor declared its queue is dropped by
        the broker, so a compute that starts first waits here instead of
        losing its start-up calls.
        """
        import oslo_messaging

        attempt = 0
        while True:
            attempt += 1
            try:
                self.ping(ctxt, timeout=attempt_timeout)
                return attempt
            except oslo_messaging.MessagingTimeout:
                if log is not None:
                    log.warning('Conductor not answering yet (attempt %d); '
                                'waiting', attempt)

    def instance_get(self, ctxt, instance_uuid):
        return self._call(ctxt, 'instance_get', instance_uuid=instance_uuid)

    def instance_get_all_by_host(self, ctxt, host):
        return self._call(ctxt, 'instance_get_all_by_host', host=host)

    def instance_update(self, ctxt, instance_uuid, updates,
                        expected_task_state='__unset__', deadline='__unset__',
                        returning=True):
        """Update with compare-and-swap on task_state.

        ``expected_task_state``: value or list the row must hold (None is a
        real value meaning idle), default no check. ``deadline``: seconds
        the new task may take, None for no deadline, default untouched.
        ``returning=False``: answer None instead of the updated instance,
        which saves the conductor reading the row back (1.1).
        Raises UnexpectedTaskState (remote, same class).
        """
        kwargs = dict(instance_uuid=instance_uuid, updates=updates,
                      expected_task_state=expected_task_state,
                      deadline=deadline)
        if not returning:
            kwargs.update(version='1.1', returning=False)
        attempts = _Attempts()
        try:
            return self._call(ctxt, 'instance_update', attempts=attempts,
                              **kwargs)
        except exception.UnexpectedTaskState:
            if not attempts.ambiguous:
                raise
            # A lost attempt may have made the change: then it is done.
            current = self.instance_get(ctxt, instance_uuid)
            if not _applied(current, updates):
                raise
            LOG.info('Update of instance %s was applied by an attempt whose '
                     'answer was lost', instance_uuid)
            return current if returning else None

    def instance_destroy(self, ctxt, instance_uuid):
        """Soft-delete and release the instance's claim and addresses."""
        attempts = _Attempts()
        try:
            return self._call(ctxt, 'instance_destroy', attempts=attempts,
                              instance_uuid=instance_uuid)
        except exception.InstanceNotFound:
            if not attempts.ambiguous:
                raise
            LOG.info('Instance %s was destroyed by an attempt whose answer '
                     'was lost', instance_uuid)
            return None

    def instance_fault_create(self, ctxt, instance_uuid, code, message,
                              details=None, host=None):
        return self._call(ctxt, 'instance_fault_create',
                          instance_uuid=instance_uuid, code=code,
                          message=message, details=details, host=host)

    def instance_set_error(self, ctxt, instance_uuid, message, code=500,
                           details=None, host=None,
                           expected_task_state='__unset__'):
        """ERROR plus a fault in one transaction; False if the CAS lost."""
        attempts = _Attempts()
        changed = self._call(ctxt, 'instance_set_error', attempts=attempts,
                             instance_uuid=instance_uuid, message=message,
                             code=code, details=details, host=host,
                             expected_task_state=expected_task_state)
        if changed or not attempts.ambiguous:
            return changed
        try:
            current = self.instance_get(ctxt, instance_uuid)
        except exception.InstanceNotFound:
            return False
        return current.get('vm_state') == states.ERROR and \
            current.get('task_state') is None

    def compute_node_update(self, ctxt, host, nodename, resources):
        return self._call(ctxt, 'compute_node_update', host=host,
                          nodename=nodename, resources=resources)

    def service_heartbeat(self, ctxt, host, binary, topic=None):
        return self._call(ctxt, 'service_heartbeat', retry=False, host=host,
                          binary=binary, topic=topic)

    def service_heartbeat_many(self, ctxt, hosts, binary, topic=None):
        """One heartbeat for the services of many hosts (1.1).

        For a process serving many (fake) hosts; returns how many rows it
        refreshed or created.
        """
        return self._call(ctxt, 'service_heartbeat_many', version='1.1',
                          retry=False, hosts=list(hosts), binary=binary,
                          topic=topic)

    def allocate_for_instance(self, ctxt, instance_uuid, requested_networks,
                              host):
        """The server's network_info: its ports, made or bound (1.2).

        Idempotent: a server that holds ports gets them back.
        """
        return self._call(ctxt, 'allocate_for_instance', version='1.2',
                          instance_uuid=instance_uuid,
                          requested_networks=requested_networks, host=host)

    def deallocate_for_instance(self, ctxt, instance_uuid):
        """Release the ports of a build that failed here (1.2)."""
        return self._call(ctxt, 'deallocate_for_instance', version='1.2',
                          instance_uuid=instance_uuid)

    def build_failed(self, ctxt, instance_uuid, host, reason, alternates):
        """Cast: a compute could not build; retry on an alternate or ERROR.

        ``alternates``: remaining host dicts the scheduler offered
        ({'host', 'nodename', 'compute_node_id'}).
        """
        self._client.prepare().cast(
            ctxt, 'build_failed', instance_uuid=instance_uuid, host=host,
            reason=reason, alternates=alternates)


def _applied(instance, updates):
    """Whether ``instance`` already holds the states ``updates`` set."""
    for key in ('task_state', 'vm_state'):
        if key in updates and instance.get(key) != updates[key]:
            return False
    return 'task_state' in updates or 'vm_state' in updates
