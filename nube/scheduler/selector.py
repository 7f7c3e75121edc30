"""Choose hosts for a request: filter, weigh, pick, consume, repeat.

For each instance of a multi-create in turn: run the filters (the first
instance runs all of them over every host; later ones only the filters
that depend on usage, over the previous survivors), weigh the survivors,
pick at random among the ``host_subset_size`` best (or, with ``[scheduler]
selection = chance``, any passing host at random), and ``consume`` the
flavor on the chosen HostState so the next instance sees it. Alternates
are the next best passing hosts in the chosen host's cell.

``select`` does no I/O, so under eventlet it runs without yielding and
two requests never interleave their consumption of shared host states.
"""

import random

from oslo_log import log as logging

from nube import exception
import nube.conf
from nube.scheduler import filters
from nube.scheduler import weights

LOG = logging.getLogger(__name__)
CONF = nube.conf.CONF


def _as_list(value):
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


class HostSelector:
    """Filters and weighers loaded once; ``select`` per request."""

    def __init__(self, filter_names=None, weigher_names=None):
        fs = CONF.filter_scheduler
        self.filters = filters.load_filters(
            fs.enabled_filters if filter_names is None else filter_names)
        self.weighers = weights.load_weighers(
            fs.weight_classes if weigher_names is None else weigher_names)
        self._random = random.Random()

    def _candidates(self, host_states, spec):
        """Apply ignore_hosts and force_hosts/force_nodes.

        Returns (hosts, forced). Forced hosts skip every filter except
        those with ``run_when_forced`` (capacity), as admins expect from
        'zone:host' placement.
        """
        hosts = list(host_states)
        ignore = set(_as_list(spec.get('ignore_hosts')))
        if ignore:
            hosts = [h for h in hosts if h.host not in ignore]
        force_hosts = set(_as_list(spec.get('force_hosts')))
        force_nodes = set(_as_list(spec.get('force_nodes')))
        if not (force_hosts or force_nodes):
            return hosts, False
        hosts = [h for h in hosts
                 if (not force_hosts or h.host in force_hosts) and
                 (not force_nodes or h.nodename in force_nodes)]
        if not hosts:
            wanted = ', '.join(sorted(force_hosts | force_nodes))
            raise exception.NoValidHost(
                reason='No such host - host: %s' % wanted)
        return hosts, True

    def select(self, host_states, spec, num_instances=None,
               max_alternates=0):
        """Return, per instance, [chosen, alternate, ...] HostStates.

        Consumes the flavor on each chosen host state (in memory). Raises
        NoValidHost (with ``filter_results``) if any instance gets no host;
        consumption done for earlier instances is then undone.
        """
        if num_instances is None:
            num_instances = spec.get('num_instances') or 1
        flavor = spec.get('flavor') or {}
        subset_size = max(1, CONF.filter_scheduler.host_subset_size)
        max_alternates = max(0, max_alternates or 0)

        hosts, forced = self._candidates(host_states, spec)
        selections = []
        try:
            for index in range(num_instances):
                hosts, results = filters.get_filtered_hosts(
                    self.filters, hosts, spec, index=index, forced=forced)
                if not hosts:
                    LOG.info('No valid host for instance %d of %d: %s',
                             index + 1, num_instances,
                             filters.format_filter_results(results))
                    raise filters.no_valid_host(results)
                ordered = self._ordered(hosts, spec)
                top = ordered[:min(subset_size, len(ordered))]
                chosen = top[0] if len(top) == 1 else self._random.choice(top)
                alternates = []
                if max_alternates:
                    cell = chosen.cell_uuid
                    for h in ordered:
                        if h is not chosen and h.cell_uuid == cell:
                            alternates.append(h)
                            if len(alternates) >= max_alternates:
                                break
                chosen.consume(flavor)
                _count_group_host(spec, chosen.host)
                selections.append([chosen] + alternates)
        except exception.NoValidHost:
            for selection in selections:
                selection[0].unconsume(flavor)
                _count_group_host(spec, selection[0].host, -1)
            raise
        return selections

    def _ordered(self, hosts, spec):
        """Passing hosts best first (ties keep input order).

        With ``[scheduler] selection = chance`` no weigher runs: the list
        starts at a host drawn at random (then wraps around), so the
        chosen host is random and its alternates are the hosts after it.
        """
        if len(hosts) == 1:
            return hosts
        if CONF.scheduler.selection == 'chance':
            start = self._random.randrange(len(hosts))
            return hosts[start:] + hosts[:start]
        totals = weights.weigh_hosts(self.weighers, hosts, spec)
        order = sorted(range(len(hosts)), key=totals.__getitem__,
                       reverse=True)
        return [hosts[i] for i in order]


def _count_group_host(spec, host, delta=1):
    """A server group's next member sees the hosts chosen before it."""
    if not spec.get('group'):
        return
    hosts = spec.setdefault('group_hosts', {})
    count = hosts.get(host, 0) + delta
    if count > 0:
        hosts[host] = count
    else:
        hosts.pop(host, None)
