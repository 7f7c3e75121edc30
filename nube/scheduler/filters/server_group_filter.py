"""Hard server group policies: ``affinity`` and ``anti-affinity``.

The request spec carries ``group`` ({'uuid', 'policy', 'rules'}) and
``group_hosts`` ({host: members placed there}), which the scheduler
reads from the API DB before it selects and updates as it chooses hosts
for the instances of one request. The scheduler checks the policy again
under the group's row lock before it claims (nube.scheduler.manager), so
schedulers racing on stale ``group_hosts`` still never break it.
"""

from nube.scheduler import filters

AFFINITY = 'affinity'
ANTI_AFFINITY = 'anti-affinity'


def group_of(spec, policy):
    """The spec's group if it has ``policy``, else None."""
    group = spec.get('group')
    if not group or group.get('policy') != policy:
        return None
    return group


def group_hosts(spec):
    return spec.get('group_hosts') or {}


def max_server_per_host(group):
    rules = group.get('rules') or {}
    try:
        return max(1, int(rules.get('max_server_per_host') or 1))
    except (TypeError, ValueError):
        return 1


def host_allowed(policy, group, hosts, host):
    """Whether one more member of ``group`` may go to ``host``, given its
    members' ``hosts`` ({host: count}). Soft policies allow any host."""
    if policy == AFFINITY:
        return not hosts or host in hosts
    if policy == ANTI_AFFINITY:
        return hosts.get(host, 0) < max_server_per_host(group)
    return True


class _GroupFilter(filters.BaseHostFilter):
    policy = None
    # Each instance of a multi-create sees the hosts chosen before it.
    run_filter_for_each_instance = True
    # A forced host still may not break a hard policy: the late check
    # would refuse it anyway; failing here names the filter.
    run_when_forced = True

    def host_passes(self, host_state, spec):
        group = group_of(spec, self.policy)
        if group is None:
            return True
        return host_allowed(self.policy, group, group_hosts(spec),
                            host_state.host)

    def filter_all(self, host_states, spec):
        group = group_of(spec, self.policy)
        if group is None:
            return list(host_states)
        hosts = group_hosts(spec)
        return [h for h in host_states
                if host_allowed(self.policy, group, hosts, h.host)]


class ServerGroupAffinityFilter(_GroupFilter):
    """Pass the hosts the group's members run on (any host for the
    first member)."""
    policy = AFFINITY


class ServerGroupAntiAffinityFilter(_GroupFilter):
    """Pass the hosts running fewer than ``max_server_per_host`` (1) of
    the group's members."""
    policy = ANTI_AFFINITY
