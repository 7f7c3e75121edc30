#!/usr/bin/env python3
"""Boot N servers on K fake hosts as fast as the API takes them, delete them.

Two modes:
  embedded  one ``nube-all --fake-hosts K`` process (SQLite, inproc RPC)
  services  MariaDB + RabbitMQ, every service its own process; fake hosts
            share a few nube-compute processes (``[compute] fake_hosts``).
            Needs root (rabbitmqctl) and running MariaDB/RabbitMQ
            (tools/install_services.sh).

Reports: one server POST -> ACTIVE, time until all N are ACTIVE, servers/s,
POST latency percentiles, GET /servers/detail at N, delete time, CPU
seconds per server for every process, and the services' own per-stage
timings (nube/timing.py) - where the time went.

  python tools/bench/boot_storm.py --mode embedded -n 100 -k 10
  python tools/bench/boot_storm.py --mode services -n 200 -k 20 -c 20
"""

import argparse
import concurrent.futures
import functools
import glob
import math
import os
import signal
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

FLAVOR = ('bench.1c512m1g', 1, 512, 1)   # name, vcpus, RAM MB, disk GB
# Nova on the same 2-core machine (the anchor numbers).
NOVA = {
    'probe_active_ms': '425',
    'storm_100_on_10_s': '38.6',
    'post_p50_ms': '276',
    'detail_100_ms': '320-390',
    'detail_500_ms': '1600-2000',
    'delete_100_s': '11-19',
    'cpu_per_server_ms': '386',
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--mode', choices=('embedded', 'services'),
                   default='embedded')
    p.add_argument('-n', '--servers', type=int, default=100,
                   help='servers to boot (default 100)')
    p.add_argument('-k', '--hosts', type=int, default=10,
                   help='fake compute hosts (default 10)')
    p.add_argument('-c', '--concurrency', type=int, default=10,
                   help='POSTs/DELETEs in flight (default 10)')
    p.add_argument('--rate', type=float, metavar='R',
                   help='open loop: start POSTs at R servers/s (paced, '
                        'up to --concurrency in flight) instead of as '
                        'fast as the API answers: latency at a sustained '
                        'load rather than at saturation')
    p.add_argument('--min-count', type=int, default=1, metavar='B',
                   help='servers per POST (min_count=max_count=B); 1 = '
                        'individual POSTs (default)')
    p.add_argument('--host-vcpus', type=int,
                   help='vCPUs per fake host (default: room for twice the '
                        'per-host share at cpu_allocation_ratio 4)')
    p.add_argument('--host-ram-mb', type=int, help='RAM per fake host')
    p.add_argument('--host-disk-gb', type=int, help='disk per fake host')
    p.add_argument('--networks', choices=('none', 'auto'), default='none',
                   help='"networks" of each server (default none, as in '
                        'the Nova anchor)')
    p.add_argument('--network-service', choices=('none', 'noop',
                                                 'linux_net'),
                   default='none',
                   help='services mode: also run nube-network (FlatDHCP) '
                        'with this driver; linux_net (root) makes its '
                        'bridge and dnsmasq in a network namespace of the '
                        'benchmark\'s own (use with --networks auto)')
    p.add_argument('--image-ref', default=str(uuid.UUID(int=0x42)),
                   help='imageRef (without an image service any UUID '
                        'is a blank disk)')
    p.add_argument('--probes', type=int, default=5,
                   help='single-server POST->ACTIVE probes before the '
                        'storm (default 5)')
    p.add_argument('--detail-gets', type=int, default=10,
                   help='GET /servers/detail repetitions at N (default 10)')
    p.add_argument('--schedulers', type=int, default=1,
                   help='services mode: scheduler processes (default 1)')
    p.add_argument('--compute-procs', type=int, default=1,
                   help='services mode: nube-compute processes sharing the '
                        'K fake hosts (default 1)')
    p.add_argument('--timeout', type=float, default=900,
                   help='overall deadline in seconds (default 900)')
    p.add_argument('--idle-window', type=float, default=5.0,
                   help='seconds of CPU measured with nothing to do before '
                        'the storm (default 5)')
    p.add_argument('--profile', nargs='?', const='wall',
                   choices=('wall', 'cpu'),
                   help='profile every nube process in the idle, boot and '
                        'delete phases and print the top functions: '
                        '"wall" (default) with py-spy, "cpu" with '
                        'tools/bench/cpu_sampler (samples of CPU time, not '
                        'of wall-clock time)')
    p.add_argument('--db-probe', action='store_true',
                   help='services mode: time a one-row MariaDB commit every '
                        '20 ms during the storm (is a slow POST waiting for '
                        'the database?)')
    p.add_argument('--json', metavar='FILE', help='also write results here')
    p.add_argument('--keep', action='store_true',
                   help='keep the temp dir (logs, databases, timings)')
    args = p.parse_args(argv)
    share = math.ceil(args.servers / max(1, args.hosts))
    args.host_vcpus = args.host_vcpus or max(16, math.ceil(2 * share / 4))
    args.host_ram_mb = args.host_ram_mb or max(65536, 2 * share * 512)
    args.host_disk_gb = args.host_disk_gb or max(1024, 2 * share)
    return args


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self, at_least=1.0):
        left = self.end - time.monotonic()
        if left <= 0:
            raise common.BenchError('overall --timeout reached')
        return max(at_least, left)


# -- the clouds --------------------------------------------------------------

class EmbeddedCloud:
    def __init__(self, args, workdir):
        self.state_dir = os.path.join(workdir, 'state')
        self.all = common.NubeAll(
            self.state_dir, fake_hosts=args.hosts, vcpus=args.host_vcpus,
            ram_mb=args.host_ram_mb, disk_gb=args.host_disk_gb,
            log_dir=workdir)
        self.client = self.all.client
        self.state_dirs = [self.state_dir]

    def start(self, deadline):
        os.makedirs(self.state_dir, exist_ok=True)
        self.all.start(timeout=deadline.left())

    def processes(self):
        return self.all.processes()

    def discover(self):
        self.all.process.check()

    def stop(self):
        self.all.stop()


class ServicesCloud:
    """tests/functional/cloud.py's Cloud, configured for a benchmark."""

    def __init__(self, args, workdir):
        from tests.functional import cloud as ft_cloud
        from tests.functional import fixtures
        self.args = args
        self.fixtures = fixtures
        self.merge = ft_cloud._merge
        db_server = fixtures.DatabaseServer()
        rabbit = fixtures.RabbitServer()
        db_server.check()
        rabbit.check()
        db_server.drop_stale()
        rabbit.drop_stale()
        self.db_server = db_server
        self.probe_db = None
        self.cloud = ft_cloud.Cloud(workdir, db_server, rabbit)
        self.state_dir = os.path.join(workdir, 'state')
        self.state_dirs = [self.state_dir]
        self.client = None
        self.namespace = None

    def start(self, deadline):
        cloud, args = self.cloud, self.args
        cloud.prepare()
        # Production-like intervals and INFO logs, not the tests' fast
        # heartbeats and debug output.
        cloud.base = {'DEFAULT': {
            'transport_url': cloud.transport_url, 'debug': False,
            'state_path': self.state_dir, 'timing_stats': True}}
        cloud.db_config = self.merge(cloud.base, {
            'api_database': {'connection': cloud.urls['api']},
            'database': {'connection': cloud.urls['cell1']}})
        cloud.start_conductor()
        if args.network_service != 'none':
            self._start_network(cloud, args.network_service)
        for i in range(args.schedulers):
            cloud.start_scheduler(i)
        hosts = ['fake-host-%d' % i for i in range(1, args.hosts + 1)]
        procs = max(1, min(args.compute_procs, args.hosts))
        for i in range(procs):
            mine = hosts[i::procs]
            cloud.start('compute-%d' % i, 'nube-compute', self.merge(
                cloud.base, {
                    'DEFAULT': {'host': mine[0]},
                    'compute': {'compute_driver': 'fake',
                                'fake_hosts': mine[1:],
                                'fake_vcpus': args.host_vcpus,
                                'fake_memory_mb': args.host_ram_mb,
                                'fake_local_gb': args.host_disk_gb}}))
        cloud.start_api()
        self.client = common.Client(cloud.url('/v2.1'))

    def _start_network(self, cloud, driver):
        """nube-network with FlatDHCP; linux_net works in a namespace made
        here (removed in stop), never on the machine's own interfaces."""
        options = {'network_manager': 'flat_dhcp', 'network_driver': driver,
                   'networks_path': os.path.join(self.state_dir,
                                                 'networks')}
        if driver == 'linux_net':
            self.namespace = 'nubebench-%d' % os.getpid()
            subprocess.run(['ip', 'netns', 'add', self.namespace],
                           check=True, timeout=30)
            options['host_namespace'] = self.namespace
        cloud.start('network', 'nube-network', self.merge(
            cloud.db_config, {'network': options,
                              'DEFAULT': {'host': 'network'}}))

    def dhcp_hosts(self):
        """MACs in the hosts files of nube-network's dnsmasq (0 without
        linux_net)."""
        count = 0
        root = os.path.join(self.state_dir, 'networks')
        for net in os.listdir(root) if os.path.isdir(root) else ():
            try:
                with open(os.path.join(root, net, 'hosts')) as f:
                    count += sum(1 for line in f if line.strip())
            except FileNotFoundError:
                pass
        return count

    def discover(self):
        for name, svc in self.cloud.services.items():
            if not svc.running:
                raise common.BenchError('%s died:\n%s' % (name, svc.tail()))

    def processes(self):
        procs = {name: svc.pid for name, svc in self.cloud.services.items()}
        for comm, label in (('mariadbd', 'mariadb (shared)'),
                            ('beam.smp', 'rabbitmq (shared)')):
            pids = common.pids_named(comm)
            if pids:
                procs[label] = pids[0]
        return procs

    def commit_probe(self):
        """A CommitProbe on a throw-away database of the same server."""
        self.probe_db = self.db_server.create_set(['probe'])['probe']
        return common.CommitProbe(functools.partial(
            self.db_server.connect, self.probe_db, autocommit=False))

    def stop(self):
        try:
            self.cloud.stop()
        finally:
            if self.probe_db:
                self.db_server.drop(self.probe_db)
            if self.namespace:
                # dnsmasq outlives nube-network: end what runs in there.
                pids = subprocess.run(
                    ['ip', 'netns', 'pids', self.namespace],
                    capture_output=True, text=True, timeout=30).stdout
                for pid in pids.split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, ValueError):
                        pass
                subprocess.run(['ip', 'netns', 'del', self.namespace],
                               timeout=30)


# -- the storm ---------------------------------------------------------------

def _server_body(args, flavor_id, name, count=1):
    server = {'name': name, 'flavorRef': flavor_id,
              'imageRef': args.image_ref, 'networks': args.networks}
    if count > 1:
        server.update(min_count=count, max_count=count)
    return {'server': server}


def probe(client, args, flavor_id, deadline):
    """One server alone: POST -> ACTIVE, then DELETE -> gone."""
    started = time.perf_counter()
    status, body, post_s = client.request(
        'POST', '/servers', _server_body(args, flavor_id, 'probe'))
    if status != 202:
        hint = (' (an image service is configured: pass --image-ref of an '
                'active image)' if 'image' in str(body).lower() else '')
        raise common.BenchError('probe POST -> %s %s%s' % (status, body,
                                                           hint))
    sid = body['server']['id']

    def active():
        _s, b, _t = client.request('GET', '/servers/%s' % sid)
        state = (b or {}).get('server', {}).get('status')
        if state == 'ERROR':
            raise common.BenchError('probe %s went to ERROR: %s' % (
                sid, b['server'].get('fault')))
        return state == 'ACTIVE'
    common.poll(active, deadline.left(), interval=0.002,
                message='probe server never ACTIVE')
    to_active = time.perf_counter() - started
    started = time.perf_counter()
    client.request('DELETE', '/servers/%s' % sid)
    common.poll(lambda: client.request('GET', '/servers/%s' % sid)[0] == 404,
                deadline.left(), interval=0.002,
                message='probe server never deleted')
    return post_s, to_active, time.perf_counter() - started


def storm(client, args, flavor_id, deadline):
    """POST everything with --concurrency in flight; wait for no BUILD."""
    batch = max(1, args.min_count)
    counts = [batch] * (args.servers // batch)
    if args.servers % batch:
        counts.append(args.servers % batch)
    latencies, failures = [], []

    started = time.perf_counter()

    def post(index_count):
        index, count = index_count
        if args.rate:
            # Each POST has its slot in time; a late one goes at once.
            delay = started + index * batch / args.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        status, body, seconds = client.request(
            'POST', '/servers',
            _server_body(args, flavor_id, 'bench-%d' % index, count))
        return status, body, seconds

    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        for status, body, seconds in pool.map(post, enumerate(counts)):
            if status == 202:
                latencies.append(seconds)
            else:
                failures.append((status, body))
    posted = time.perf_counter() - started
    if failures:
        print('%d POSTs failed, first: %s' % (len(failures), failures[0]))

    def none_building():
        body, _t = client.get('/servers?status=BUILD&limit=1')
        return not body['servers']
    common.poll(none_building, deadline.left(), interval=0.02,
                message='servers still in BUILD')
    all_done = time.perf_counter() - started
    return {'posts': len(counts), 'post_failures': len(failures),
            'post_latency': common.latency_summary(latencies),
            'posting_s': round(posted, 3), 'all_done_s': round(all_done, 3)}


def delete_all(client, args, servers, deadline):
    latencies = []

    def delete(sid):
        return client.request('DELETE', '/servers/%s' % sid)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        for status, body, seconds in pool.map(
                delete, [s['id'] for s in servers]):
            if status not in (202, 204):
                raise common.BenchError('DELETE -> %s %s' % (status, body))
            latencies.append(seconds)
    requested = time.perf_counter() - started

    def gone():
        body, _t = client.get('/servers?limit=1')
        return not body['servers']
    common.poll(gone, deadline.left(), interval=0.02,
                message='servers still listed after delete')
    return {'delete_latency': common.latency_summary(latencies),
            'requesting_s': round(requested, 3),
            'all_gone_s': round(time.perf_counter() - started, 3)}


def run(args, workdir):
    deadline = Deadline(args.timeout)
    cloud = (EmbeddedCloud if args.mode == 'embedded' else ServicesCloud)(
        args, workdir)
    results = {'args': {k: v for k, v in vars(args).items()},
               'machine': common.machine()}
    if args.profile == 'cpu':
        common.enable_cpu_sampler(os.path.join(workdir, 'cpu-samples'))
    try:
        cloud.start(deadline)
        client = cloud.client
        t0 = time.perf_counter()
        discover = None
        if args.mode == 'services':
            def discover():
                cloud.discover()
                cloud.cloud.manage('cell_v2', 'discover_hosts')
        common.wait_hypervisors(client, args.hosts, deadline.left(),
                                on_poll=discover or cloud.discover)
        results['hosts_up_s'] = round(time.perf_counter() - t0, 2)
        flavor_id = common.ensure_flavor(client, *FLAVOR)

        probes = [probe(client, args, flavor_id, deadline)
                  for _ in range(args.probes)]
        results['probe'] = {
            'post': common.latency_summary([p[0] for p in probes]),
            'post_to_active': common.latency_summary([p[1] for p in probes]),
            'delete_to_gone': common.latency_summary([p[2] for p in probes])}

        meter = common.CpuMeter(cloud.processes())
        profiles = {}
        nube_procs = {label: pid for label, pid in meter.processes.items()
                      if '(shared)' not in label}
        # The background cost of K hosts (heartbeats, resource reports,
        # RPC listeners) while nothing else happens: a measurement window,
        # not a wait for anything.
        profiler = _profiler(args, workdir, nube_procs, 'idle')
        meter.snapshot('idle')
        time.sleep(args.idle_window)
        meter.snapshot('start')
        if profiler:
            profiles['idle'] = profiler.stop()
        results['idle_cpu_pct'] = {
            label: None if s is None or not args.idle_window
            else round(100 * s / args.idle_window, 1)
            for label, s in meter.delta('idle', 'start').items()}
        profiler = _profiler(args, workdir, nube_procs, 'boot')
        commit_probe = None
        if args.db_probe and args.mode == 'services':
            commit_probe = cloud.commit_probe()
            commit_probe.start()
        results['storm'] = storm(client, args, flavor_id, deadline)
        meter.snapshot('booted')
        if commit_probe:
            results['db_commit_probe'] = commit_probe.stop()
        if profiler:
            profiles['boot'] = profiler.stop()
        servers = common.list_all(client)
        by_status = {}
        for server in servers:
            by_status[server['status']] = by_status.get(
                server['status'], 0) + 1
        results['status_counts'] = by_status
        if getattr(cloud, 'namespace', None):
            # Every ACTIVE server's port in dnsmasq's hosts file: how long
            # nube-network takes after the storm to serve them all.
            t = time.perf_counter()
            want = by_status.get('ACTIVE', 0)
            common.poll(lambda: cloud.dhcp_hosts() >= want, deadline.left(),
                        interval=0.05,
                        message='dnsmasq never listed every port')
            results['dhcp_hosts'] = {
                'macs': cloud.dhcp_hosts(),
                'after_storm_s': round(time.perf_counter() - t, 3)}
        gets = [client.get('/servers/detail')[1]
                for _ in range(args.detail_gets)]
        results['detail_get'] = common.latency_summary(gets)
        results['detail_get']['servers'] = min(len(servers), 1000)
        profiler = _profiler(args, workdir, nube_procs, 'delete')
        meter.snapshot('listed')
        results['delete'] = delete_all(client, args, servers, deadline)
        meter.snapshot('deleted')
        if profiler:
            profiles['delete'] = profiler.stop()
        results['profiles'] = profiles
        n = max(1, len(servers))
        results['cpu_ms_per_server'] = {
            label: {'boot': _per(boot, n), 'delete': _per(dele, n)}
            for label, boot, dele in (
                (label, meter.delta('start', 'booted')[label],
                 meter.delta('listed', 'deleted')[label])
                for label in meter.processes)}
        ended = time.time()
        results['timings'] = common.read_timings(
            cloud.state_dirs, newer_than=ended, wait=6)
    finally:
        cloud.stop()
    return results


def _profiler(args, workdir, processes, phase):
    if not args.profile:
        return None
    if args.profile == 'cpu':
        profiler = common.CpuSampler(os.path.join(workdir, 'cpu-samples'),
                                     processes, phase)
    else:
        profiler = common.Profiler(
            os.path.join(workdir, 'profile-' + phase), processes)
    profiler.start()
    return profiler


def _per(seconds, n):
    return None if seconds is None else round(seconds * 1000 / n, 2)


# -- report ------------------------------------------------------------------

def report(args, r):
    n, k = args.servers, args.hosts
    storm_r, probe_r = r['storm'], r['probe']
    post = storm_r['post_latency']
    done = storm_r['all_done_s']
    rows = [
        ['one server POST -> ACTIVE (median of %d)' % args.probes,
         probe_r['post_to_active'].get('p50_ms'), 'ms',
         NOVA['probe_active_ms'], '< 100'],
        ['one server POST alone (median)', probe_r['post'].get('p50_ms'),
         'ms', '-', '< 10'],
        ['one server DELETE -> 404 (median)',
         probe_r['delete_to_gone'].get('p50_ms'), 'ms', '-', '-'],
        ['%d servers on %d hosts: all ACTIVE' % (n, k), done, 's',
         NOVA['storm_100_on_10_s'] + ' (100 on 10)',
         '< 1 (100/10), < 10 (1000)'],
        ['servers/s', round(n / done, 1) if done else None, '/s',
         round(100 / 38.6, 1), '>= 50 (services 1000/100)'],
        ['all ACTIVE after the last POST returned',
         round(done - storm_r['posting_s'], 3) if done else None, 's',
         '-', '-'],
        ['POSTs (%d servers each)' % max(1, args.min_count),
         storm_r['posts'], '', '-', '-'],
        ['POST p50', post.get('p50_ms'), 'ms', NOVA['post_p50_ms'], '< 10'],
        ['POST p95', post.get('p95_ms'), 'ms', '-', '< 50'],
        ['POST p99', post.get('p99_ms'), 'ms', '-', '-'],
        ['GET /servers/detail at %d (p50)' % r['detail_get']['servers'],
         r['detail_get'].get('p50_ms'), 'ms',
         NOVA['detail_100_ms'] + ' (100)', '< 20 (100), < 150 (1000)'],
        ['delete all: requests sent', r['delete']['requesting_s'], 's',
         '-', '-'],
        ['delete all: all gone', r['delete']['all_gone_s'], 's',
         NOVA['delete_100_s'] + ' (100)', '< 1 (100)'],
    ]
    commits = r.get('db_commit_probe')
    if commits:
        rows.append(['MariaDB one-row commit during the boot (p50 / p99 / '
                     'max of %d)' % commits['count'],
                     '%s / %s / %s' % (commits.get('p50_ms'),
                                       commits.get('p99_ms'),
                                       commits.get('max_ms')),
                     'ms', '-', '-'])
    common.print_table(
        'boot_storm --mode %s: %d servers, %d hosts, concurrency %d, '
        'min_count %d, %s (%d CPUs, load %s)' % (
            args.mode, n, k, args.concurrency, max(1, args.min_count),
            'paced at %g servers/s' % args.rate if args.rate
            else 'as fast as answered',
            r['machine']['cpus'], r['machine']['loadavg']),
        ['measure', 'nube', 'unit', 'Nova anchor', 'goal'], rows)
    print('status after boot: %s; hosts up after %.1f s' % (
        r['status_counts'], r['hosts_up_s']))
    if r.get('dhcp_hosts'):
        print('dnsmasq hosts file: %(macs)d MACs, complete %(after_storm_s)s '
              's after the storm' % r['dhcp_hosts'])
    cpu_rows = []
    total_boot = total_delete = total_idle = 0.0
    idle = r.get('idle_cpu_pct', {})
    for label, v in sorted(r['cpu_ms_per_server'].items()):
        cpu_rows.append([label, v['boot'], v['delete'], idle.get(label)])
        if '(shared)' not in label:
            total_boot += v['boot'] or 0
            total_delete += v['delete'] or 0
            total_idle += idle.get(label) or 0
    cpu_rows.append(['nube total', round(total_boot, 2),
                     round(total_delete, 2), round(total_idle, 1)])
    common.print_table(
        'CPU ms per server (/proc utime+stime; Nova anchor %s ms, goal '
        '< 10); idle: %% of a core over %g s before the storm' % (
            NOVA['cpu_per_server_ms'], args.idle_window),
        ['process', 'boot', 'delete', 'idle %'], cpu_rows)
    common.print_timings(r['timings'])
    for phase, outputs in sorted(r.get('profiles', {}).items()):
        for label, path in sorted(outputs.items()):
            common.print_profile(
                '%s, %s phase' % (label, phase), path,
                kind='CPU samples' if args.profile == 'cpu' else 'py-spy')


def main(argv=None):
    args = parse_args(argv)
    with common.TempDir('nube-bench-storm-', keep=args.keep) as workdir:
        try:
            results = run(args, workdir)
        except (common.BenchError, AssertionError) as exc:
            print('boot_storm failed: %s' % exc, file=sys.stderr)
            for log in sorted(glob.glob(os.path.join(workdir, '*.log')) +
                              glob.glob(os.path.join(workdir, 'logs', '*'))):
                print('see %s' % log, file=sys.stderr)
            if not args.keep:
                print('(rerun with --keep to look at the logs)',
                      file=sys.stderr)
            return 1
        report(args, results)   # inside: profiles live in workdir
    common.write_json(args.json, results)
    return 0


if __name__ == '__main__':
    sys.exit(main())
