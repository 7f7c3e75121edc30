"""Pass hosts with room for the flavor's vCPUs, RAM and local disk.

Free amounts on HostState already apply the allocation ratios and the
reserved memory/disk: free = total * ratio - reserved - used.
"""

from nube.scheduler import filters
from nube.scheduler import host_state as hs


def _needs(spec):
    flavor = spec.get('flavor') or {}
    return (flavor.get('vcpus') or 0, flavor.get('memory_mb') or 0,
            hs.disk_mb_for(flavor))


class ResourceFilter(filters.BaseHostFilter):
    """vCPU, RAM and disk capacity; re-run for each instance."""

    run_filter_for_each_instance = True
    run_when_forced = True

    def host_passes(self, host_state, spec):
        vcpus, ram, disk = _needs(spec)
        return (host_state.free_vcpus >= vcpus and
                host_state.free_ram_mb >= ram and
                host_state.free_disk_mb >= disk)

    def filter_all(self, host_states, spec):
        vcpus, ram, disk = _needs(spec)
        return [h for h in host_states
                if h.free_ram_mb >= ram and h.free_disk_mb >= disk and
                h.free_vcpus >= vcpus]
