"""Pass hosts whose capabilities meet the flavor's ``capabilities:`` specs.

A spec ``capabilities:hypervisor_type`` = ``s== QEMU`` names an attribute
of the host state (``hypervisor_type``, ``hypervisor_version``,
``vcpus_total``, ``memory_mb_total``, ``free_ram_mb``, ``cell_name`` ...);
further parts walk into dicts or JSON text (``capabilities:a:b``). The
attribute's value, as text, must meet the requirement (extra_specs_ops).
A spec with no scope counts too when the host state has an attribute of
that name; specs of any other scope are ignored. A host lacking a named
capability fails.
"""

from oslo_log import log as logging

from nube.scheduler import filters
from nube.scheduler.filters import extra_specs_ops
from nube import utils

LOG = logging.getLogger(__name__)

SCOPE = 'capabilities'


def _capability(host_state, path):
    cap = host_state
    for part in path:
        if isinstance(cap, str):
            try:
                cap = utils.loads(cap, default=None)
            except ValueError:
                return None
        if isinstance(cap, dict):
            cap = cap.get(part)
        elif cap is not None and not part.startswith('_'):
            cap = getattr(cap, part, None)
        else:
            cap = None
        if cap is None:
            return None
    return cap


def requirements(flavor, sample_host):
    """[(attribute path, requirement, predicate)] this filter checks."""
    result = []
    for key, requirement in ((flavor or {}).get('extra_specs') or {}).items():
        path = key.split(':')
        if len(path) == 1:
            if key.startswith('_') or not hasattr(sample_host, key):
                continue
        elif path[0] != SCOPE:
            continue
        else:
            path = path[1:]
        result.append((tuple(path), requirement,
                       extra_specs_ops.matcher(str(requirement))))
    return result


def _passes(host_state, wanted):
    for path, requirement, predicate in wanted:
        cap = _capability(host_state, path)
        if cap is None or not predicate(str(cap)):
            LOG.debug('%s fails capability %s: %r does not meet %r',
                      host_state.host, ':'.join(path), cap, requirement)
            return False
    return True


class ComputeCapabilitiesFilter(filters.BaseHostFilter):
    """Flavor ``capabilities:`` extra specs against host attributes."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        wanted = requirements(spec.get('flavor'), host_state)
        return not wanted or _passes(host_state, wanted)

    def filter_all(self, host_states, spec):
        host_states = list(host_states)
        if not host_states:
            return host_states
        wanted = requirements(spec.get('flavor'), host_states[0])
        if not wanted:
            return host_states
        # Hosts share a few values per capability: match each once.
        for path, requirement, predicate in wanted:
            seen = {}
            passing = []
            for h in host_states:
                cap = (getattr(h, path[0], None) if len(path) == 1
                       else _capability(h, path))
                try:
                    ok = seen.get(cap)
                except TypeError:   # a dict or list: not memoised
                    ok = cap is not None and predicate(str(cap))
                else:
                    if ok is None:
                        ok = seen[cap] = (cap is not None and
                                          predicate(str(cap)))
                if ok:
                    passing.append(h)
            host_states = passing
            if not host_states:
                break
        return host_states
