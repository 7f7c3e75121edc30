"""Weigh hosts by free vCPUs (after the CPU allocation ratio).

A positive cpu_weight_multiplier spreads instances over the hosts with
the most free; a negative one packs them onto the fullest hosts.
"""

from nube.scheduler import weights


class CPUWeigher(weights.BaseHostWeigher):
    attribute = 'free_vcpus'
    multiplier_option = 'cpu_weight_multiplier'
