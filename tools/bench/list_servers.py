#!/usr/bin/env python3
"""GET /servers/detail latency as the number of servers and cells grows.

For each cell count (1, then 2) a ``nube-all`` state directory is made;
with 2 cells a second cell mapping and SQLite database are added. Server
rows (ACTIVE, on hosts no compute serves, so nothing touches them) and
their instance mappings are written straight into the databases through
SQLAlchemy (it is a listing benchmark, not a boot one), split evenly over
the cells; then nube-all serves them and the tool times, over HTTP on
127.0.0.1:

  detail            GET /servers/detail (no limit: [DEFAULT]
                    osapi_max_limit, 1000, servers at most)
  detail?limit=100  the first page of 100
  all pages         every server, pages of 1000 followed by marker

Server-side time is the mean of the API's own ``api.get_all`` stage
(nube/timing.py) over the same requests; the rest is HTTP + rendering.

  python tools/bench/list_servers.py --servers 100,500,1000,10000 --cells 1,2
"""

import argparse
import datetime
import glob
import json
import os
import random
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NOVA = {100: '320-390', 500: '1600-2000'}
GOAL_MS = {100: 20, 1000: 150}
PROJECT = 'admin'


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--servers', default='100,500,1000,10000',
                   help='comma-separated totals (default '
                        '100,500,1000,10000)')
    p.add_argument('--cells', default='1,2',
                   help='comma-separated cell counts (default 1,2)')
    p.add_argument('--repeat', type=int, default=10,
                   help='GETs per query and size (default 10)')
    p.add_argument('--budget', type=float, default=60.0,
                   help='seconds one query may take per size (default 60)')
    p.add_argument('--with-ips', action='store_true',
                   help='give every server a fixed IP (addresses in the '
                        'view)')
    p.add_argument('--timeout', type=float, default=1800,
                   help='overall deadline in seconds (default 1800)')
    p.add_argument('--json', metavar='FILE')
    p.add_argument('--keep', action='store_true')
    args = p.parse_args(argv)
    args.sizes = sorted(int(x) for x in args.servers.split(',') if x)
    args.cell_counts = [int(x) for x in args.cells.split(',') if x]
    return args


# -- databases ---------------------------------------------------------------

def _api_db(state_dir):
    from nube.db.api import api as api_db
    return api_db.ApiDatabase('sqlite:///%s/api.db' % state_dir)


def add_cells(state_dir, count):
    """Map cells 2..count (SQLite files beside cell1); returns mappings."""
    from nube.db.cell import api as cell_api
    from nube.db import migration

    api = _api_db(state_dir)
    try:
        cells = [c for c in api.cell_mapping_get_all()
                 if c['name'] != 'cell0']
        for n in range(len(cells) + 1, count + 1):
            url = 'sqlite:///%s/cell%d.db' % (state_dir, n)
            cells.append(api.cell_mapping_create('cell%d' % n, 'inproc://',
                                                 url))
            db = cell_api.CellDatabase(url)
            try:
                migration.db_sync(db, 'cell')
            finally:
                db.dispose()
        return sorted(cells, key=lambda c: c['id'])[:count]
    finally:
        api.dispose()


def _instance_row(rng, index, now):
    created = now - datetime.timedelta(seconds=index)
    flavor = {'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
              'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
              'rxtx_factor': 1.0, 'extra_specs': {}}
    name = 'list-%06d' % index
    return {
        'uuid': str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        'project_id': PROJECT, 'user_id': 'admin', 'display_name': name,
        'display_description': None, 'hostname': name,
        'host': 'list-host-%d' % (index % 50),
        'node': 'list-host-%d' % (index % 50), 'vm_state': 'active',
        'task_state': None, 'power_state': 1,
        'image_ref': '00000000-0000-0000-0000-000000000042',
        'flavorid': '1', 'flavor': json.dumps(flavor), 'memory_mb': 512,
        'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
        'availability_zone': 'nova', 'config_drive': '',
        'reservation_id': 'r-%08x' % index, 'launch_index': 0,
        'launched_at': created, 'locked': False, 'progress': 0,
        'root_device_name': '/dev/vda',
        'system_metadata': json.dumps({'requested_networks': 'none'}),
        'created_at': created, 'updated_at': created, 'deleted': 0}


def populate(state_dir, cells, start, end, with_ips, seed=7):
    """Insert servers start..end-1, round-robin over ``cells``."""
    import sqlalchemy as sa

    from nube.db.api import models as api_models
    from nube.db.cell import api as cell_api
    from nube.db.cell import models

    rng = random.Random(seed * 1000003 + start)
    now = datetime.datetime(2025, 1, 1)
    per_cell = {c['id']: [] for c in cells}
    for index in range(start, end):
        cell = cells[index % len(cells)]
        per_cell[cell['id']].append((index, _instance_row(rng, index,
                                                          now)))
    mappings = []
    for cell in cells:
        indexed = per_cell[cell['id']]
        rows = [row for _index, row in indexed]
        if not rows:
            continue
        db = cell_api.CellDatabase(cell['database_connection'])
        try:
            with db.session() as session:
                session.execute(sa.insert(models.Instance), rows)
                if with_ips:
                    session.execute(sa.insert(models.FixedIp), [
                        _fixed_ip(row, index) for index, row in indexed])
        finally:
            db.dispose()
        mappings += [{'instance_uuid': r['uuid'], 'cell_id': cell['id'],
                      'project_id': PROJECT, 'user_id': 'admin',
                      'queued_for_delete': False,
                      'created_at': r['created_at']} for r in rows]
    api = _api_db(state_dir)
    try:
        with api.session() as session:
            session.execute(sa.insert(api_models.InstanceMapping), mappings)
    finally:
        api.dispose()


def _fixed_ip(row, ordinal):
    ordinal += 2
    return {'ordinal': ordinal,
            'address': '10.%d.%d.%d' % (ordinal >> 16 & 255,
                                         ordinal >> 8 & 255, ordinal & 255),
            'mac': 'fa:16:3e:%02x:%02x:%02x' % (
                ordinal >> 16 & 255, ordinal >> 8 & 255, ordinal & 255),
            'instance_uuid': row['uuid'], 'created_at': row['created_at']}


# -- measuring ---------------------------------------------------------------

def _get_all_stat(state_dir, newer_than):
    """(count, total s) of the API's api.get_all stage, from a timing
    file written after ``newer_than``."""
    for data in common.read_timings([state_dir], newer_than=newer_than,
                                    wait=4):
        stage = data.get('stages', {}).get('api.get_all')
        if stage:
            return stage['count'], stage['total_s']
    return 0, 0.0


def measure(client, state_dir, args, total):
    queries = [('detail', '/servers/detail'),
               ('detail?limit=100', '/servers/detail?limit=100')]
    result = {}
    for name, path in queries:
        body, _t = client.get(path)           # warm
        returned = len(body['servers'])
        before = _get_all_stat(state_dir, time.time())
        samples = []
        end = time.monotonic() + args.budget
        for _ in range(args.repeat):
            samples.append(client.get(path)[1])
            if time.monotonic() > end:
                break
        after = _get_all_stat(state_dir, time.time())
        result[name] = dict(common.latency_summary(samples),
                            returned=returned)
        if after[0] > before[0]:
            result[name]['server_ms'] = round(
                (after[1] - before[1]) / (after[0] - before[0]) * 1000, 2)
    samples = []
    end = time.monotonic() + args.budget
    for _ in range(max(1, args.repeat // 3)):
        started = time.perf_counter()
        servers = common.list_all(client)
        samples.append(time.perf_counter() - started)
        if len(servers) != total:
            raise common.BenchError('listed %d servers, expected %d' % (
                len(servers), total))
        if time.monotonic() > end:
            break
    result['all pages'] = dict(common.latency_summary(samples),
                               returned=total)
    return result


def run_cells(args, workdir, cell_count, deadline):
    state_dir = os.path.join(workdir, 'cells-%d' % cell_count)
    os.makedirs(state_dir)
    # First start creates, migrates and maps the databases.
    cloud = common.NubeAll(state_dir, fake_hosts=1)
    try:
        cloud.start(timeout=120)
    finally:
        cloud.stop()
    cells = add_cells(state_dir, cell_count)
    rows, done = [], 0
    for size in args.sizes:
        if time.monotonic() > deadline:
            print('--timeout reached; skipping %d servers' % size)
            break
        started = time.perf_counter()
        populate(state_dir, cells, done, size, args.with_ips)
        done = size
        print('%d cell(s): %d servers written in %.1f s' % (
            cell_count, size, time.perf_counter() - started), flush=True)
        for old in glob.glob(os.path.join(state_dir, 'timing-*.json')):
            os.unlink(old)    # the previous nube-all's
        cloud = common.NubeAll(state_dir, fake_hosts=1)
        try:
            cloud.start(timeout=120)
            result = measure(cloud.client, state_dir, args, size)
        finally:
            cloud.stop()
        rows.append({'cells': cell_count, 'servers': size,
                     'queries': result})
    return rows


def report(results, machine):
    rows = []
    for r in results:
        for name, q in r['queries'].items():
            rows.append([r['cells'], r['servers'], name, q['returned'],
                         q.get('p50_ms'), q.get('p95_ms'), q.get('max_ms'),
                         q.get('server_ms'),
                         NOVA.get(r['servers'], '-') if name == 'detail'
                         else '-',
                         GOAL_MS.get(r['servers'], '-') if name == 'detail'
                         else '-'])
    common.print_table(
        'list_servers: GET latency over HTTP (ms); server = mean of the '
        'API\'s api.get_all stage (load before %s)'
        % machine['loadavg'],
        ['cells', 'servers', 'query', 'returned', 'p50', 'p95', 'max',
         'server', 'Nova', 'goal'], rows)


def main(argv=None):
    args = parse_args(argv)
    machine = common.machine()
    deadline = time.monotonic() + args.timeout
    results = []
    with common.TempDir('nube-bench-list-', keep=args.keep) as workdir:
        try:
            for cell_count in args.cell_counts:
                results += run_cells(args, workdir, cell_count, deadline)
        except common.BenchError as exc:
            print('list_servers failed: %s' % exc, file=sys.stderr)
            return 1
    report(results, machine)
    common.write_json(args.json, {'results': results,
                                  'machine': machine,
                                  'args': vars(args)})
    return 0


if __name__ == '__main__':
    sys.exit(main())
