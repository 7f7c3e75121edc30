"""Client side of the compute RPC API (one server per host, per cell).

1.0 - build_and_run_instance, terminate_instance, power actions,
      rebuild_instance
1.1 - attach_interface, detach_interface (calls: os-interface hot-plug)
"""

from nube import rpc

TOPIC = 'compute'


class ComputeAPI:
    VERSION = '1.1'

    def __init__(self, transport_url=None):
        self._client = rpc.get_client(TOPIC, self.VERSION,
                                      transport_url=transport_url)

    def _cast(self, ctxt, host, method, **kwargs):
        self._client.prepare(server=host).cast(ctxt, method, **kwargs)

    def build_and_run_instance(self, ctxt, host, instance, spec, alternates):
        """Cast: spawn a claimed instance; ``alternates`` for retries."""
        self._cast(ctxt, host, 'build_and_run_instance', instance=instance,
                   spec=spec, alternates=alternates)

    def terminate_instance(self, ctxt, host, instance):
        self._cast(ctxt, host, 'terminate_instance', instance=instance)

    def stop_instance(self, ctxt, host, instance):
        self._cast(ctxt, host, 'stop_instance', instance=instance)

    def start_instance(self, ctxt, host, instance):
        self._cast(ctxt, host, 'start_instance', instance=instance)

    def reboot_instance(self, ctxt, host, instance, reboot_type):
        self._cast(ctxt, host, 'reboot_instance', instance=instance,
                   reboot_type=reboot_type)

    def rebuild_instance(self, ctxt, host, instance, orig_vm_state):
        """Cast: respawn ``instance`` from its (new) image_ref."""
        self._cast(ctxt, host, 'rebuild_instance', instance=instance,
                   orig_vm_state=orig_vm_state)

    def attach_interface(self, ctxt, host, instance, vif):
        """Call: plug ``vif`` into the guest (live when it runs)."""
        self._client.prepare(server=host, version='1.1').call(
            ctxt, 'attach_interface', instance=instance, vif=vif)

    def detach_interface(self, ctxt, host, instance, vif):
        """Call: unplug the guest's NIC with ``vif``'s MAC."""
        self._client.prepare(server=host, version='1.1').call(
            ctxt, 'detach_interface', instance=instance, vif=vif)

    def get_console_output(self, ctxt, host, instance, length=None):
        return self._client.prepare(server=host).call(
            ctxt, 'get_console_output', instance=instance, length=length)


class ClientsByCell(dict):
    """ComputeAPI clients keyed by cell uuid, each on its cell's transport,
    made on first use."""

    def for_cell(self, cell):
        client = self.get(cell['uuid'])
        if client is None:
            client = self[cell['uuid']] = ComputeAPI(
                transport_url=cell['transport_url'])
        return client
