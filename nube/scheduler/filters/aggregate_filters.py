"""Pass hosts whose aggregates' metadata meet the flavor's extra specs.

AggregateInstanceExtraSpecsFilter reads every flavor extra spec that has
no scope (``ssd``) or the ``aggregate_instance_extra_specs:`` scope
(``aggregate_instance_extra_specs:ssd``); other scoped specs
(``hw:cpu_policy``, ``capabilities:...``) are not its business. For each
such key, the host's aggregates must carry it, and one of their values
must meet the spec (see extra_specs_ops: ``true``, ``>= 4``, ``<in> ssd``,
``<or> a <or> b`` ...). A metadata value may list several values
separated by commas; the values of all the host's aggregates count.

Hosts share their aggregates' metadata dicts, so each aggregate's
metadata is matched once per request, not once per host.
"""

from oslo_log import log as logging

from nube.scheduler import filters
from nube.scheduler.filters import extra_specs_ops

LOG = logging.getLogger(__name__)

SCOPE = 'aggregate_instance_extra_specs'


def requirements(flavor):
    """[(metadata key, requirement, predicate)] this filter checks."""
    result = []
    for key, requirement in ((flavor or {}).get('extra_specs') or {}).items():
        scope = key.split(':', 1)
        if len(scope) > 1:
            if scope[0] != SCOPE:
                continue
            key = scope[1]
        result.append((key, requirement,
                       extra_specs_ops.matcher(str(requirement))))
    return result


def _mask(meta, wanted):
    """Bit i set when this aggregate's metadata meets requirement i."""
    mask = 0
    for i, (key, _requirement, predicate) in enumerate(wanted):
        raw = meta.get(key)
        if raw is None:
            continue
        if any(predicate(v.strip()) for v in str(raw).split(',')):
            mask |= 1 << i
    return mask


def _passes(aggregates, wanted, masks=None):
    """Every requirement met by some aggregate of the host (the values of
    all its aggregates count together, so one aggregate suffices per
    requirement). ``masks`` caches answers by metadata dict."""
    if masks is None:
        masks = {}
    mask = 0
    for meta in aggregates:
        key = id(meta)
        bits = masks.get(key)
        if bits is None:
            bits = masks[key] = _mask(meta, wanted)
        mask |= bits
    return mask == (1 << len(wanted)) - 1


class AggregateInstanceExtraSpecsFilter(filters.BaseHostFilter):
    """Flavor extra specs against the host's aggregate metadata."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        wanted = requirements(spec.get('flavor'))
        return not wanted or _passes(host_state.aggregates, wanted)

    def filter_all(self, host_states, spec):
        wanted = requirements(spec.get('flavor'))
        if not wanted:
            return list(host_states)
        # Host states hold the aggregates' metadata dicts (shared by
        # their hosts) for the whole call, so their ids are stable keys.
        masks = {}
        full = (1 << len(wanted)) - 1
        result = []
        for h in host_states:
            mask = 0
            for meta in h.aggregates:
                bits = masks.get(id(meta))
                if bits is None:
                    bits = masks[id(meta)] = _mask(meta, wanted)
                mask |= bits
            if mask == full:
                result.append(h)
        LOG.debug('%d of %d hosts have aggregates meeting %s',
                  len(result), len(host_states),
                  [(k, r) for k, r, _p in wanted])
        return result
