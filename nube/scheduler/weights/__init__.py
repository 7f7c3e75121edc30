"""Host weighers: the base class, plugin loading and the weigh handler.

A weigher gives each host a raw number. The handler rescales each
weigher's numbers over the candidate hosts to 0..1 (min-max; all equal
gives 0), multiplies by the weigher's multiplier and sums, so weighers
with different units combine. A positive multiplier prefers hosts with
the larger raw value (spreading); a negative one the smaller (packing).
Weighers are stevedore plugins in ``nube.scheduler.weights``, enabled by
``[filter_scheduler] weight_classes``.
"""

import operator

from nube import exception
import nube.conf
from nube.scheduler import filters

CONF = nube.conf.CONF

NAMESPACE = 'nube.scheduler.weights'


class WeigherNotFound(exception.NubeException):
    msg_fmt = ('Scheduler weigher(s) %(names)s not found in the '
               '%(namespace)s entry points. Available: %(available)s.')


class BaseHostWeigher:
    """One weigher. Set ``attribute`` or implement ``_weigh_object``."""

    #: HostState attribute holding the raw weight; lets ``weigh_all`` read
    #: it for every host without a Python call per host.
    attribute = None

    #: [filter_scheduler] option holding the multiplier.
    multiplier_option = None

    @property
    def name(self):
        return type(self).__name__

    def weight_multiplier(self, host_state):
        """The multiplier; the handler asks once per request."""
        if self.multiplier_option is None:
            return 1.0
        return getattr(CONF.filter_scheduler, self.multiplier_option)

    def _weigh_object(self, host_state, spec):
        if self.attribute is None:
            raise NotImplementedError()
        return getattr(host_state, self.attribute)

    def weigh_all(self, host_states, spec):
        """Raw weights, one per host, in order."""
        if self.attribute is not None:
            return list(map(operator.attrgetter(self.attribute),
                            host_states))
        weigh = self._weigh_object
        return [weigh(h, spec) for h in host_states]


def load_weighers(names):
    """Instantiate the named weighers; WeigherNotFound names unknown ones."""
    return filters.load_extensions(NAMESPACE, names, WeigherNotFound)


def normalize(values):
    """Min-max rescale to 0..1; all equal (or empty) gives all 0."""
    if not values:
        return []
    low, high = min(values), max(values)
    if high == low:
        return [0.0] * len(values)
    span = float(high - low)
    return [(v - low) / span for v in values]


def weigh_hosts(weighers, host_states, spec):
    """Total weight of each host, aligned with ``host_states``."""
    hosts = host_states if isinstance(host_states, list) else list(
        host_states)
    totals = [0.0] * len(hosts)
    if not hosts:
        return totals
    for weigher in weighers:
        multiplier = weigher.weight_multiplier(hosts[0])
        if not multiplier:
            continue
        raw = weigher.weigh_all(hosts, spec)
        low, high = min(raw), max(raw)
        if high == low:
            continue
        scale = multiplier / float(high - low)
        totals = [t + (r - low) * scale for t, r in zip(totals, raw)]
    return totals


def get_weighed_hosts(weighers, host_states, spec):
    """[(weight, host)] best first; ties keep the input order."""
    hosts = list(host_states)
    totals = weigh_hosts(weighers, hosts, spec)
    order = sorted(range(len(hosts)), key=totals.__getitem__, reverse=True)
    return [(totals[i], hosts[i]) for i in order]
