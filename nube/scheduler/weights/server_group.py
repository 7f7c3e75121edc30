"""Soft server group policies: prefer (or avoid) the members' hosts.

The raw weight is the number of the group's members on the host (from
the spec's ``group_hosts``); ``soft-affinity`` weighs it up,
``soft-anti-affinity`` down. Only positive multipliers are meaningful,
as in Nova; a request of another policy weighs every host 0.
"""

from nube.scheduler import weights


class _SoftGroupWeigher(weights.BaseHostWeigher):
    policy = None
    sign = 1

    def weigh_all(self, host_states, spec):
        group = spec.get('group')
        if not group or group.get('policy') != self.policy:
            return [0] * len(host_states)
        hosts = spec.get('group_hosts') or {}
        return [self.sign * hosts.get(h.host, 0) for h in host_states]

    def _weigh_object(self, host_state, spec):
        return self.weigh_all([host_state], spec)[0]


class ServerGroupSoftAffinityWeigher(_SoftGroupWeigher):
    policy = 'soft-affinity'
    multiplier_option = 'soft_affinity_weight_multiplier'


class ServerGroupSoftAntiAffinityWeigher(_SoftGroupWeigher):
    policy = 'soft-anti-affinity'
    multiplier_option = 'soft_anti_affinity_weight_multiplier'
    sign = -1
