"""Client side of the conductor RPC API: a compute's only way to its DB.

1.0 - initial version
1.1 - instance_update(returning=False); service_heartbeat_many
"""

from nube import rpc

TOPIC = 'conductor'


class ConductorAPI:
    VERSION = '1.1'

    def __init__(self, transport_url=None, timeout=None):
        # Calls default to 1.0; the ones 1.1 added ask for it themselves.
        self._client = rpc.get_client(TOPIC, '1.0',
                                      transport_url=transport_url,
                                      timeout=timeout)

    def _call(self, ctxt, method, version=None, **kwargs):
        client = (self._client.prepare() if version is None else
                  self._client.prepare(version=version))
        return client.call(ctxt, method, **kwargs)

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
        if returning:
            return self._call(ctxt, 'instance_update', **kwargs)
        return self._call(ctxt, 'instance_update', version='1.1',
                          returning=False, **kwargs)

    def instance_destroy(self, ctxt, instance_uuid):
        """Soft-delete and release the instance's claim and addresses."""
        return self._call(ctxt, 'instance_destroy',
                          instance_uuid=instance_uuid)

    def instance_fault_create(self, ctxt, instance_uuid, code, message,
                              details=None, host=None):
        return self._call(ctxt, 'instance_fault_create',
                          instance_uuid=instance_uuid, code=code,
                          message=message, details=details, host=host)

    def instance_set_error(self, ctxt, instance_uuid, message, code=500,
                           details=None, host=None,
                           expected_task_state='__unset__'):
        """ERROR plus a fault in one transaction; False if the CAS lost."""
        return self._call(ctxt, 'instance_set_error',
                          instance_uuid=instance_uuid, message=message,
                          code=code, details=details, host=host,
                          expected_task_state=expected_task_state)

    def compute_node_update(self, ctxt, host, nodename, resources):
        return self._call(ctxt, 'compute_node_update', host=host,
                          nodename=nodename, resources=resources)

    def service_heartbeat(self, ctxt, host, binary, topic=None):
        return self._call(ctxt, 'service_heartbeat', host=host,
                          binary=binary, topic=topic)

    def service_heartbeat_many(self, ctxt, hosts, binary, topic=None):
        """One heartbeat for the services of many hosts (1.1).

        For a process serving many (fake) hosts; returns how many rows it
        refreshed or created.
        """
        return self._call(ctxt, 'service_heartbeat_many', version='1.1',
                          hosts=list(hosts), binary=binary, topic=topic)

    def allocate_fixed_ip(self, ctxt, instance_uuid):
        """{'address', 'mac', 'network_label'}; idempotent."""
        return self._call(ctxt, 'allocate_fixed_ip',
                          instance_uuid=instance_uuid)

    def deallocate_fixed_ip(self, ctxt, instance_uuid):
        return self._call(ctxt, 'deallocate_fixed_ip',
                          instance_uuid=instance_uuid)

    def build_failed(self, ctxt, instance_uuid, host, reason, alternates):
        """Cast: a compute could not build; retry on an alternate or ERROR.

        ``alternates``: remaining host dicts the scheduler offered
        ({'host', 'nodename', 'compute_node_id'}).
        """
        self._client.prepare().cast(
            ctxt, 'build_failed', instance_uuid=instance_uuid, host=host,
            reason=reason, alternates=alternates)
