"""Pass hosts whose compute service is up and enabled."""

from nube.scheduler import filters


class ComputeFilter(filters.BaseHostFilter):
    """Heartbeat fresh, not forced down, not disabled by an admin."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        return host_state.service_up

    def filter_all(self, host_states, spec):
        return [h for h in host_states if h.service_up]
