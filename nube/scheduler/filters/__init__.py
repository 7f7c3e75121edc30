"""Host filters: the base class, plugin loading and the filter handler.

A filter answers "can this host take this request". Filters are
stevedore plugins in the ``nube.scheduler.filters`` namespace, enabled
by ``[filter_scheduler] enabled_filters``. The handler runs them in order
over a list of hosts and records how many hosts each one let through;
that record becomes the fault users see when no host is left.
"""

from oslo_log import log as logging
import stevedore

from nube import exception

LOG = logging.getLogger(__name__)

NAMESPACE = 'nube.scheduler.filters'


class FilterNotFound(exception.NubeException):
    msg_fmt = ('Scheduler filter(s) %(names)s not found in the '
               '%(namespace)s entry points. Available: %(available)s.')


class BaseHostFilter:
    """One filter. Subclasses implement ``host_passes``.

    ``filter_all`` exists so a filter can answer for a whole list at once:
    precompute what it needs from the request once, then test each host
    with a list comprehension, or return the list untouched when the
    request asks for nothing this filter checks.
    """

    #: False when the answer cannot change between the instances of one
    #: multi-create (it depends on nothing ``HostState.consume`` changes).
    run_filter_for_each_instance = True

    #: True when the filter still applies to hosts an admin forced
    #: (``force_hosts``/``force_nodes``); capacity is never bypassed.
    run_when_forced = False

    @property
    def name(self):
        return type(self).__name__

    def host_passes(self, host_state, spec):
        raise NotImplementedError()

    def filter_all(self, host_states, spec):
        passes = self.host_passes
        return [h for h in host_states if passes(h, spec)]


def load_filters(names):
    """Instantiate the named filters, in the given order.

    Raises FilterNotFound naming every unknown filter, so a typo in
    ``enabled_filters`` stops the service at start-up, not at boot time.
    """
    return load_extensions(NAMESPACE, names, FilterNotFound)


def load_extensions(namespace, names, error_cls):
    """Load named stevedore plugins in order; raise error_cls if missing."""
    names = list(names)
    missing = set()

    def on_missing(found_missing):
        missing.update(found_missing)

    def on_failure(manager, entrypoint, exc):
        raise error_cls(
            names='%s (failed to load: %s)' % (entrypoint.name, exc),
            namespace=namespace, available='-')

    manager = stevedore.NamedExtensionManager(
        namespace, names, invoke_on_load=True, name_order=True,
        on_missing_entrypoints_callback=on_missing,
        on_load_failure_callback=on_failure)
    if missing:
        available = sorted(ep.name for ep in manager.list_entry_points())
        raise error_cls(names=', '.join(n for n in names if n in missing),
                        namespace=namespace,
                        available=', '.join(available) or '(none)')
    return [ext.obj for ext in manager]


class FilterResult:
    """How many hosts one filter was given and let through."""

    __slots__ = ('name', 'start', 'end')

    def __init__(self, name, start, end):
        self.name = name
        self.start = start
        self.end = end

    def __repr__(self):
        return '%s (start: %d, end: %d)' % (self.name, self.start, self.end)

    def __eq__(self, other):
        return (isinstance(other, FilterResult) and
                (self.name, self.start, self.end) ==
                (other.name, other.start, other.end))


def get_filtered_hosts(filters, host_states, spec, index=0, forced=False):
    """Run ``filters`` in order; return (passing hosts, [FilterResult]).

    ``index`` is the instance's position in a multi-create: for index > 0
    the caller passes the hosts that survived the previous instance, so
    filters with ``run_filter_for_each_instance = False`` are skipped
    (recorded with start == end). With ``forced`` only filters with
    ``run_when_forced`` run. Stops at the first filter that leaves no host.
    """
    hosts = list(host_states)
    results = []
    for host_filter in filters:
        start = len(hosts)
        if ((index > 0 and not host_filter.run_filter_for_each_instance)
                or (forced and not host_filter.run_when_forced)):
            results.append(FilterResult(host_filter.name, start, start))
            continue
        hosts = host_filter.filter_all(hosts, spec)
        if not isinstance(hosts, list):
            hosts = list(hosts)
        results.append(FilterResult(host_filter.name, start, len(hosts)))
        if not hosts:
            LOG.debug('Filter %s removed all %d hosts', host_filter.name,
                      start)
            break
    return hosts, results


def format_filter_results(results):
    """'ComputeFilter (start: 3, end: 3), ResourceFilter (start: 3, end: 0)'"""
    return ', '.join(repr(r) for r in results)


def no_valid_host_reason(results):
    """The ``reason`` for NoValidHost; the exception adds its own prefix."""
    reason = 'There are not enough hosts available.'
    if results:
        reason += ' Filter results: ' + format_filter_results(results)
    return reason


def no_valid_host(results):
    """NoValidHost carrying the per-filter record (``exc.filter_results``).

    str() of it reads e.g. 'No valid host was found. There are not enough
    hosts available. Filter results: ComputeFilter (start: 3, end: 3),
    ResourceFilter (start: 3, end: 0)'.
    """
    exc = exception.NoValidHost(reason=no_valid_host_reason(results))
    exc.filter_results = list(results)
    return exc
