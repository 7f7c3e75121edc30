"""Weigh hosts by free RAM (MB).

A positive ram_weight_multiplier spreads instances over the hosts with
the most free; a negative one packs them onto the fullest hosts.
"""

from nube.scheduler import weights


class RAMWeigher(weights.BaseHostWeigher):
    attribute = 'free_ram_mb'
    multiplier_option = 'ram_weight_multiplier'
