"""Weigh hosts by free local disk (MB).

A positive disk_weight_multiplier spreads instances over the hosts with
the most free; a negative one packs them onto the fullest hosts.
"""

from nube.scheduler import weights


class DiskWeigher(weights.BaseHostWeigher):
    attribute = 'free_disk_mb'
    multiplier_option = 'disk_weight_multiplier'
