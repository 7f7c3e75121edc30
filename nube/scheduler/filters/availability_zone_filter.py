"""Pass hosts in the availability zone the request asked for, if any."""

from nube.scheduler import filters


class AvailabilityZoneFilter(filters.BaseHostFilter):
    """A host's zone comes from its aggregates' metadata (or the default)."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        zone = spec.get('availability_zone')
        return not zone or host_state.availability_zone == zone

    def filter_all(self, host_states, spec):
        zone = spec.get('availability_zone')
        if not zone:
            return list(host_states)
        return [h for h in host_states if h.availability_zone == zone]
