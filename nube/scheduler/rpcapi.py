"""Client side of the scheduler RPC API.

1.0 - build_instances (cast), select_destinations (call)
"""

from nube import rpc

TOPIC = 'scheduler'


class SchedulerAPI:
    VERSION = '1.0'

    def __init__(self):
        self._client = rpc.get_client(TOPIC, self.VERSION)

    def build_instances(self, ctxt, builds):
        """Cast: schedule and start servers the API recorded.

        ``builds``: list of {'instance': dict, 'spec': dict} (the same
        content as the build requests and request specs).
        """
        self._client.prepare().cast(ctxt, 'build_instances', builds=builds)

    def select_destinations(self, ctxt, spec, instance_uuids):
        """Call: host lists [[chosen, alternates...]] per instance."""
        return self._client.prepare().call(
            ctxt, 'select_destinations', spec=spec,
            instance_uuids=instance_uuids)
