"""The interface every virt driver offers the compute manager.

A driver runs guests on one host. The manager owns the instance records and
their states; a driver only turns requests into hypervisor actions and
reports what the hypervisor says. Drivers are stevedore plugins in the
``nube.compute.virt`` namespace, built as ``driver_class(host)``.

Errors: ``nube.exception.InstanceNotFound`` when the guest is not on this
host, ``nube.exception.VirtDriverError`` for anything else the hypervisor
refuses.
"""

from stevedore import driver as stevedore_driver
from stevedore import exception as stevedore_exc

from nube import exception

NAMESPACE = 'nube.compute.virt'

# reboot_type values the manager passes (Nova's names).
SOFT = 'SOFT'
HARD = 'HARD'


class ComputeDriver:
    """Base class; every method a driver must provide raises by default."""

    def __init__(self, host):
        self.host = host

    def init_host(self):
        """Connect to the hypervisor; called once before any other call."""
        raise NotImplementedError()

    def cleanup_host(self):
        """Release hypervisor connections when the service stops."""

    def get_available_nodes(self):
        """Names of the nodes (hypervisors) this host manages."""
        raise NotImplementedError()

    def get_available_resource(self, nodename):
        """Totals of one node.

        A dict with vcpus, memory_mb, local_gb, hypervisor_type,
        hypervisor_version, hypervisor_hostname, cpu_info (a JSON string)
        and supported_instances (a list of [arch, hv_type, vm_mode]).
        """
        raise NotImplementedError()

    def list_instance_uuids(self):
        """UUIDs of every instance this driver runs on the host."""
        raise NotImplementedError()

    def spawn(self, context, instance, image_meta, network_info):
        """Create and start a guest for ``instance``; returns when running.

        image_meta: dict with id, disk_format, container_format,
        properties{} and local_path (a base disk file, or None).
        network_info: list of {address, mac, network_label, bridge?}.
        """
        raise NotImplementedError()

    def destroy(self, context, instance, network_info):
        """Stop and remove the guest and its files; fine if already gone."""
        raise NotImplementedError()

    def get_info(self, instance):
        """{'state': power_state} of one instance (InstanceNotFound)."""
        raise NotImplementedError()

    def get_power_states(self):
        """{uuid: power_state} for every instance on the host."""
        raise NotImplementedError()

    def power_off(self, instance, timeout=0):
        """Stop the guest; with timeout > 0 ask it first, then force."""
        raise NotImplementedError()

    def power_on(self, context, instance, network_info):
        """Start a stopped guest; nothing to do when it already runs."""
        raise NotImplementedError()

    def reboot(self, context, instance, network_info, reboot_type):
        """Restart the guest; reboot_type is 'SOFT' or 'HARD'."""
        raise NotImplementedError()

    def pause(self, instance):
        raise NotImplementedError()

    def unpause(self, instance):
        raise NotImplementedError()

    def suspend(self, instance):
        """Save the guest's memory to disk and stop it."""
        raise NotImplementedError()

    def resume(self, instance):
        """Start a suspended guest from its saved memory."""
        raise NotImplementedError()

    def get_console_output(self, instance):
        """The tail of the guest's serial console log, as text."""
        raise NotImplementedError()

    def attach_interface(self, instance, vif):
        """Add the NIC ``vif`` (a network_info entry) to the guest: at once
        when it runs, and to its definition for later boots."""
        raise NotImplementedError()

    def detach_interface(self, instance, vif):
        """Remove the NIC with ``vif``'s MAC (nothing when absent)."""
        raise NotImplementedError()


def _load_failed(manager, entrypoint, exc):
    raise exception.VirtDriverError(
        reason='cannot load virt driver %s: %s' % (entrypoint.name, exc))


def load_driver(name, host):
    """Build the driver registered under ``name`` for ``host``."""
    try:
        mgr = stevedore_driver.DriverManager(
            namespace=NAMESPACE, name=name, invoke_on_load=True,
            invoke_args=(host,), on_load_failure_callback=_load_failed)
    except stevedore_exc.NoMatches:
        raise exception.VirtDriverError(
            reason='no virt driver named %r in %s' % (name, NAMESPACE))
    return mgr.driver
