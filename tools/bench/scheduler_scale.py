#!/usr/bin/env python3
"""How scheduling one server costs more as the cloud gets more hosts.

In-process: for each size a throw-away SQLite API DB and cell DB get N
compute nodes with live services (varied usage, so the weighers have work
to do), then the real code runs with the default filters and weighers:

  refresh            HostManager reloading every host state from the DB
  select             HostSelector.select on loaded host states (pure CPU)
  select_destinations  SchedulerManager.select_destinations (the RPC call)
  select+claim       SchedulerManager._schedule_one for a server the
                     compute API wrote: host states, select, the claim
                     transaction in the cell DB, the hand-over in the API
                     DB (the final cast to the compute is a no-op stub)

Memory: tracemalloc size of the N host states, and this process's RSS.

With ``--aggregates M`` the API DB also gets M aggregates (every host in
one or two of them; metadata ssd, tier, some zones and allocation
ratios) and a second table compares select() per request, old vs new:
the default filters and a flavor without extra specs, against the
default filters plus AggregateInstanceExtraSpecsFilter and
ComputeCapabilitiesFilter with a flavor asking for aggregate metadata
and a capability, and the same with ``[scheduler] selection = chance``.

  python tools/bench/scheduler_scale.py --hosts 100,1000,10000
  python tools/bench/scheduler_scale.py --hosts 10000 --aggregates 1000
"""

import argparse
import os
import random
import resource
import sys
import time
import tracemalloc
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

# Nova on the same machine: scheduling one instance, 10 / 50 hosts.
NOVA = {10: 110, 50: 196}
GOAL_P50_MS = {1000: 5, 10000: 50}


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--hosts', default='100,1000,10000',
                   help='comma-separated host counts (default '
                        '100,1000,10000)')
    p.add_argument('--repeat', type=int, default=200,
                   help='calls per measure and size (default 200)')
    p.add_argument('--claims', type=int, default=100,
                   help='select+claim calls per size (default 100)')
    p.add_argument('--budget', type=float, default=20.0,
                   help='seconds one measure may take per size; fewer '
                        'calls are made when it runs out (default 20)')
    p.add_argument('--refresh-interval', type=int, default=None,
                   help='[scheduler] host_refresh_interval for the '
                        'manager paths (default: nube\'s default)')
    p.add_argument('--timeout', type=float, default=1800,
                   help='overall deadline in seconds (default 1800)')
    p.add_argument('--aggregates', type=int, default=0,
                   help='aggregates to create (default 0: none, and no '
                        'old-vs-new filter table)')
    p.add_argument('--json', metavar='FILE')
    p.add_argument('--keep', action='store_true')
    args = p.parse_args(argv)
    args.sizes = [int(x) for x in args.hosts.split(',') if x.strip()]
    return args


def _configure(workdir, refresh_interval):
    import nube.conf
    CONF = nube.conf.CONF
    CONF([], project='nube', default_config_files=[])
    CONF.set_override('state_path', workdir)
    CONF.set_override('connection', 'sqlite:///%s/api.db' % workdir,
                      group='api_database')
    # Hosts must stay "up" however long a size takes.
    CONF.set_override('service_down_time', 86400)
    # The benchmark's one project makes thousands of servers.
    for name in ('instances', 'cores', 'ram'):
        CONF.set_override(name, -1, group='quota')
    if refresh_interval is not None:
        CONF.set_override('host_refresh_interval', refresh_interval,
                          group='scheduler')
    import logging
    logging.basicConfig(level=logging.WARNING)
    return CONF


def _reset_dbs():
    from nube.cells import targeting
    from nube.db.api import api as api_db
    targeting.reset()
    db = api_db._process_database._database
    if db is not None:
        db.dispose()
    api_db.reset()


def build_aggregates(db, hosts, count, seed=2):
    """``count`` aggregates over host-00000..: each host in one, every
    third host in a second; one in four aggregates has ssd=true, one in
    ten a zone, one in five a cpu_allocation_ratio."""
    import sqlalchemy as sa

    from nube.db.api import models
    from nube import utils

    if not count:
        return
    rng = random.Random(seed)
    now = utils.utcnow()
    aggs, meta, members = [], [], []
    for i in range(count):
        aggs.append({'id': i + 1, 'uuid': str(uuid.UUID(
            int=rng.getrandbits(128))), 'name': 'agg-%05d' % i,
            'created_at': now})
        values = {'ssd': 'true' if i % 4 == 0 else 'false',
                  'tier': rng.choice(['gold', 'silver', 'gold,silver'])}
        if i % 10 == 0:
            values['availability_zone'] = 'zone-%d' % (i // 10)
        if i % 5 == 0:
            values['cpu_allocation_ratio'] = '2.0'
        meta.extend({'aggregate_id': i + 1, 'key': k, 'value': v}
                    for k, v in values.items())
    for h in range(hosts):
        first = h % count
        members.append({'aggregate_id': first + 1, 'host': 'host-%05d' % h})
        # A second aggregate without a zone (no host is in two zones).
        second = (first + 1 + rng.randrange(count)) % count
        if h % 3 == 0 and second != first and second % 10:
            members.append({'aggregate_id': second + 1,
                            'host': 'host-%05d' % h})
    with db.session() as session:
        session.execute(sa.insert(models.Aggregate), aggs)
        session.execute(sa.insert(models.AggregateMetadata), meta)
        session.execute(sa.insert(models.AggregateHost), members)


def measure_filters(args, mgr, states, spec):
    """select() per request: old (default filters, no extra specs) vs
    new (plus the aggregate and capabilities filters, a flavor asking
    for them), and new with chance selection."""
    import copy

    import nube.conf
    from nube.scheduler import filters
    from nube.scheduler.filters import aggregate_filters
    from nube.scheduler.filters import compute_capabilities_filter
    from nube.scheduler import selector as selector_mod

    CONF = nube.conf.CONF
    new = selector_mod.HostSelector()
    # Instances, not entry point names: an installed tree may predate
    # the filters' entry points.
    new.filters = list(new.filters) + [
        aggregate_filters.AggregateInstanceExtraSpecsFilter(),
        compute_capabilities_filter.ComputeCapabilitiesFilter()]
    wanting = copy.deepcopy(spec)
    wanting['flavor']['extra_specs'] = {
        'aggregate_instance_extra_specs:ssd': 'true',
        'tier': '<in> gold',
        'capabilities:hypervisor_type': 's== fake'}
    passing = len(filters.get_filtered_hosts(new.filters, states,
                                             wanting)[0])
    old_s = _timed_calls(lambda: mgr.selector.select(states, spec,
                                                     num_instances=1,
                                                     max_alternates=2),
                         args.repeat, args.budget)
    new_s = _timed_calls(lambda: new.select(states, wanting,
                                            num_instances=1,
                                            max_alternates=2),
                         args.repeat, args.budget)
    CONF.set_override('selection', 'chance', group='scheduler')
    try:
        chance_s = _timed_calls(lambda: new.select(states, wanting,
                                                   num_instances=1,
                                                   max_alternates=2),
                                args.repeat, args.budget)
    finally:
        CONF.clear_override('selection', group='scheduler')
    return {'aggregates': args.aggregates, 'passing_hosts': passing,
            'old': common.latency_summary(old_s),
            'new': common.latency_summary(new_s),
            'new_chance': common.latency_summary(chance_s)}


def build_cloud(workdir, hosts, seed=1, aggregates=0):
    """API DB + cell0 + cell1 with ``hosts`` live compute nodes (and
    ``aggregates`` aggregates over them)."""
    import sqlalchemy as sa

    from nube.cells import targeting
    from nube.cmd import manage
    from nube.db.api import api as api_db
    from nube.db.cell import models
    from nube.db import migration
    from nube import utils

    for name in ('api', 'cell0', 'cell1'):
        path = os.path.join(workdir, name + '.db')
        if os.path.exists(path):
            os.unlink(path)
    _reset_dbs()
    db = api_db.get_database()
    migration.db_sync(db, 'api')
    db.cell_mapping_create('cell0', 'none:///', 'sqlite:///%s/cell0.db'
                           % workdir, uuid=api_db.CELL0_UUID)
    db.cell_mapping_create('cell1', 'fake:///', 'sqlite:///%s/cell1.db'
                           % workdir)
    for cell in targeting.get_cells(include_cell0=True, refresh=True):
        migration.db_sync(targeting.cell_database(cell), 'cell')
    manage.create_default_flavors(db)
    build_aggregates(db, hosts, aggregates)
    cell1 = targeting.cell_database(targeting.get_cells()[0])
    rng = random.Random(seed)
    now = utils.utcnow()
    nodes, services = [], []
    for i in range(hosts):
        host = 'host-%05d' % i
        used = rng.randrange(0, 40)
        nodes.append({
            'uuid': str(uuid.UUID(int=rng.getrandbits(128))), 'host': host,
            'hypervisor_hostname': host, 'hypervisor_type': 'fake',
            'hypervisor_version': 1000, 'cpu_info': '{}',
            'host_ip': '127.0.0.1', 'vcpus': 16, 'memory_mb': 65536,
            'local_gb': 1024, 'vcpus_used': used // 2,
            'memory_mb_used': used * 1024, 'local_gb_used': used * 10,
            'running_vms': used, 'reserved_memory_mb': 0,
            'reserved_disk_mb': 0, 'cpu_allocation_ratio': 4.0,
            'ram_allocation_ratio': 1.0, 'disk_allocation_ratio': 1.0,
            'supported_instances': '[["x86_64", "fake", "hvm"]]',
            'generation': 0, 'created_at': now, 'updated_at': now,
            'deleted': 0})
        services.append({
            'uuid': str(uuid.UUID(int=rng.getrandbits(128))), 'host': host,
            'binary': 'nube-compute', 'topic': 'compute', 'report_count': 1,
            'disabled': False, 'forced_down': False, 'last_seen_up': now,
            'created_at': now, 'updated_at': now, 'deleted': 0,
            'version': 1})
    with cell1.session() as session:
        session.execute(sa.insert(models.ComputeNode), nodes)
        session.execute(sa.insert(models.Service), services)
    return db


class _NoCast:
    """Stands in for the compute RPC client: the hand-over's last step."""

    def build_and_run_instance(self, *args, **kwargs):
        pass


class _Collect:
    """Stands in for the scheduler RPC client of the compute API."""

    def __init__(self):
        self.builds = []

    def build_instances(self, ctxt, builds):
        self.builds.extend(builds)


def _timed_calls(fn, repeat, budget):
    samples = []
    end = time.monotonic() + budget
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
        if time.monotonic() > end:
            break
    return samples


def _rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return None


def measure(args, workdir, hosts):
    from nube.compute import api as compute_api
    from nube import context
    from nube.db.api import api as api_db
    from nube.scheduler import host_state as hs
    from nube.scheduler import manager as scheduler_manager

    started = time.perf_counter()
    build_cloud(workdir, hosts, aggregates=args.aggregates)
    setup_s = time.perf_counter() - started
    ctxt = context.RequestContext(user_id='bench', project_id='bench',
                                  is_admin=True)
    flavor = api_db.get_database().flavor_get_by_flavorid('1')
    collect = _Collect()
    capi = compute_api.API()
    capi._scheduler = collect

    def new_build():
        capi.create(ctxt, flavor=flavor, image_ref='', name='bench',
                    requested_networks='none')
        return collect.builds.pop()

    mgr = scheduler_manager.SchedulerManager()
    refresh = _timed_calls(
        lambda: mgr.host_manager.get_host_states(refresh=True),
        5, args.budget)
    states = mgr.host_manager.get_host_states()
    assert len(states) == hosts, (len(states), hosts)

    spec = new_build()['spec']
    selector = mgr.selector
    select = _timed_calls(
        lambda: selector.select(states, spec, num_instances=1,
                                max_alternates=2),
        args.repeat, args.budget)
    filters_result = (measure_filters(args, mgr, states, spec)
                      if args.aggregates else None)
    select_dest = _timed_calls(
        lambda: mgr.select_destinations(ctxt, spec, [str(uuid.uuid4())]),
        args.repeat, args.budget)

    cell1 = states[0].cell_uuid
    mgr._compute_apis[cell1] = _NoCast()
    builds = [new_build() for _ in range(args.claims)]
    before = mgr.stats['scheduled']
    claim = []
    end = time.monotonic() + args.budget
    for build in builds:
        t0 = time.perf_counter()
        mgr._schedule_one(ctxt, build['instance'], build['spec'])
        claim.append(time.perf_counter() - t0)
        if time.monotonic() > end:
            break
    scheduled = mgr.stats['scheduled'] - before
    if scheduled != len(claim):
        raise common.BenchError('only %d of %d claims scheduled' % (
            scheduled, len(claim)))

    # Memory of the host states alone, measured apart (tracemalloc slows
    # everything it watches).
    from nube.cells import targeting
    cell_db = targeting.cell_database(targeting.get_cells()[0])
    rows = cell_db.compute_node_get_all()
    svc = {s['host']: s for s in cell_db.service_get_all(
        binary='nube-compute')}
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    built = [hs.HostState.from_dicts(r, svc[r['host']], [],
                                     cell_uuid=cell1, cell_name='cell1')
             for r in rows]
    state_bytes = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del built
    return {
        'hosts': hosts, 'setup_s': round(setup_s, 2),
        'refresh': common.latency_summary(refresh),
        'select': common.latency_summary(select),
        'select_destinations': common.latency_summary(select_dest),
        'select_claim': common.latency_summary(claim),
        'host_states_mb': round(state_bytes / 2 ** 20, 2),
        'bytes_per_host': round(state_bytes / hosts),
        'filters': filters_result,
        'rss_mb': round(_rss_mb(), 1),
        'maxrss_mb': round(resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }


def report(results, machine):
    rows = []
    for r in results:
        sel = r['select']
        rows.append([
            r['hosts'], r['refresh']['p50_ms'], sel['p50_ms'],
            sel['p99_ms'],
            round(sel['p50_ms'] * 1000 / r['hosts'], 2),
            r['select_destinations']['p50_ms'],
            r['select_destinations']['p99_ms'],
            r['select_claim']['p50_ms'], r['select_claim']['p99_ms'],
            r['select_claim']['count'], r['host_states_mb'],
            r['bytes_per_host'], r['rss_mb'],
            GOAL_P50_MS.get(r['hosts'], '-')])
    common.print_table(
        'scheduler_scale: default filters and weighers, one server per '
        'call (ms; Nova anchor: %d ms at 10 hosts, %d ms at 50; load %s)'
        % (NOVA[10], NOVA[50], machine['loadavg']),
        ['hosts', 'refresh p50', 'select p50', 'select p99',
         'us/host', 'sel_dest p50', 'sel_dest p99', 'sel+claim p50',
         'sel+claim p99', 'claims', 'states MB', 'B/host', 'RSS MB',
         'goal p50'], rows)
    rows = []
    for r in results:
        f = r.get('filters')
        if not f:
            continue
        rows.append([r['hosts'], f['aggregates'], f['passing_hosts'],
                     f['old']['p50_ms'], f['old']['p99_ms'],
                     f['new']['p50_ms'], f['new']['p99_ms'],
                     f['new_chance']['p50_ms'], f['new_chance']['p99_ms'],
                     r['refresh']['p50_ms']])
    if rows:
        common.print_table(
            'scheduler_scale: select() per request (ms), old = default '
            'filters, no extra specs; new = + AggregateInstanceExtraSpecs'
            'Filter + ComputeCapabilitiesFilter, flavor asking for '
            'aggregate metadata and a capability',
            ['hosts', 'aggregates', 'passing', 'old p50', 'old p99',
             'new p50', 'new p99', 'chance p50', 'chance p99',
             'refresh p50'], rows)


def main(argv=None):
    args = parse_args(argv)
    machine = common.machine()
    deadline = time.monotonic() + args.timeout
    results = []
    with common.TempDir('nube-bench-sched-', keep=args.keep) as workdir:
        _configure(workdir, args.refresh_interval)
        try:
            for hosts in args.sizes:
                if time.monotonic() > deadline:
                    print('--timeout reached; skipping %d hosts' % hosts)
                    break
                print('measuring %d hosts ...' % hosts, flush=True)
                results.append(measure(args, workdir, hosts))
        finally:
            _reset_dbs()
    report(results, machine)
    common.write_json(args.json, {'results': results,
                                  'machine': machine,
                                  'args': vars(args)})
    return 0


if __name__ == '__main__':
    sys.exit(main())
