"""``same_host`` / ``different_host`` scheduler hints.

Each hint is an instance uuid or a list of them; a host's instances are
``HostState.instances``.
"""

from nube.scheduler import filters


def _hint_uuids(spec, key):
    value = (spec.get('scheduler_hints') or {}).get(key)
    if not value:
        return frozenset()
    if isinstance(value, str):
        return frozenset([value])
    return frozenset(value)


class SameHostFilter(filters.BaseHostFilter):
    """Pass hosts running at least one of the ``same_host`` instances."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        uuids = _hint_uuids(spec, 'same_host')
        return not uuids or not uuids.isdisjoint(host_state.instances)

    def filter_all(self, host_states, spec):
        uuids = _hint_uuids(spec, 'same_host')
        if not uuids:
            return list(host_states)
        return [h for h in host_states if not uuids.isdisjoint(h.instances)]


class DifferentHostFilter(filters.BaseHostFilter):
    """Pass hosts running none of the ``different_host`` instances."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        uuids = _hint_uuids(spec, 'different_host')
        return uuids.isdisjoint(host_state.instances)

    def filter_all(self, host_states, spec):
        uuids = _hint_uuids(spec, 'different_host')
        if not uuids:
            return list(host_states)
        return [h for h in host_states if uuids.isdisjoint(h.instances)]
