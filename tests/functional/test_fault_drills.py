"""Fault drills: storms of boots (and deletes) while a part of the cloud
dies or restarts, with every service its own process.

The cloud runs on a MariaDB server and a RabbitMQ node of its own
(private_servers.py), so that both can be restarted for real: three fake
computes whose spawns take a second, one scheduler, one conductor, the
API. Each drill posts a storm, hits the cloud with one fault once a
share of the storm has been accepted, and then checks the invariants:

- every accepted server ends ACTIVE within its deadline (none ERROR: each
  of these faults is one a retry can ride out), none left in BUILD;
- no 5xx from the API but a 503 with Retry-After in Nova's shape (the
  client waits and posts again, as it is told); no 202 that does not
  lead to a server;
- no host over capacity, and each hypervisor's usage equals the flavors
  of the servers on it.

Each drill prints its figures (doc/reliability.md records a run's).
Storms are sized to keep the module within a few minutes on two cores.
"""

import collections
import concurrent.futures
import json
import signal
import threading
import time

import pytest
import requests

from tests.functional import cloud as cloud_mod
from tests.functional import fixtures
from tests.functional import private_servers

IMAGE = '8b1a8c5e-3c7b-4c8f-9a4a-2f0d5c0a1b2c'
HOSTS = ('compute-1', 'compute-2', 'compute-3')
HOST_VCPUS = 48
FLAVOR_RAM = 64
STORM = 100
SETTLE_TIMEOUT = 150
POST_THREADS = 8

# Deadlines long enough for a retry to finish the work, short enough that
# a drill that loses a server fails within minutes.
DRILL_CONFIG = {
    'DEFAULT': {'service_down_time': 20},
    'conductor': {'scheduling_timeout': 40, 'spawning_timeout': 60,
                  'task_timeout': 60, 'call_attempt_timeout': 5,
                  'call_retry_window': 90},
    'compute': {'fake_vcpus': HOST_VCPUS, 'fake_spawn_seconds': 1.0,
                'unreported_retry_interval': 2},
    'scheduler': {'build_request_timeout': 90,
                  'build_request_recover_after': 10},
}
# Computes get no database options at all.
DB_DRILL_CONFIG = {'database': {'outage_wait_timeout': 20}}

_reason = private_servers.missing()
pytestmark = pytest.mark.skipif(_reason is not None,
                                reason=_reason or '')

REPORT = []


class DrillCloud(cloud_mod.Cloud):
    def prepare(self):
        super().prepare()
        self.base = cloud_mod._merge(self.base, DRILL_CONFIG)
        self.db_config = cloud_mod._merge(self.db_config, DRILL_CONFIG,
                                          DB_DRILL_CONFIG)

    def restart_service(self, name, sig=signal.SIGKILL, down_seconds=2.0):
        svc = self.services[name]
        started = time.monotonic()
        svc.kill(sig)
        svc.proc.wait(30)
        time.sleep(max(0.0, down_seconds - (time.monotonic() - started)))
        svc.start()
        return time.monotonic() - started


def _start(c):
    c.start_conductor()
    c.start_scheduler(1)
    for host in HOSTS:
        c.start_compute(host)
    c.start_api()
    c.wait_for_hypervisors(len(HOSTS))
    c.post('/flavors', {'flavor': {
        'name': 'drill', 'id': 'drill', 'ram': FLAVOR_RAM, 'vcpus': 1,
        'disk': 0}})


@pytest.fixture(scope='module')
def servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp('drill-servers')
    db = private_servers.PrivateMariaDB(workdir)
    rabbit = private_servers.PrivateRabbit(workdir)
    try:
        db.install()
        db.start()
        rabbit.start()
        yield db, rabbit
    finally:
        rabbit.destroy()
        db.destroy()


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request, servers):
    yield from cloud_mod.module_cloud(tmp_path_factory, request, _start,
                                      cls=DrillCloud, servers=servers)
    reporter = request.config.pluginmanager.get_plugin('terminalreporter')
    if reporter is not None and REPORT:
        reporter.write_line('')
        for line in REPORT:
            reporter.write_line('fault drill: ' + json.dumps(line))


class Storm:
    """Posts ``count`` boots from a few threads; a 503 is waited out as
    its Retry-After says (up to 30 tries), anything else is recorded."""

    def __init__(self, cloud, label, count=STORM):
        self.cloud = cloud
        self.label = label
        self.count = count
        self.statuses = collections.Counter()
        self.bad = []
        self.ids = []
        self.accepted = 0
        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)

    def _post(self, index):
        body = {'server': {'name': '%s-%d' % (self.label, index),
                           'imageRef': IMAGE, 'flavorRef': 'drill',
                           'networks': 'auto'}}
        for _attempt in range(30):
            try:
                resp = self.cloud.session.post(
                    self.cloud.url('/v2.1/servers'), json=body, timeout=90)
            except requests.RequestException as exc:
                with self._lock:
                    self.statuses['no answer'] += 1
                    self.bad.append(repr(exc))
                return None
            with self._lock:
                self.statuses[resp.status_code] += 1
            if resp.status_code == 503:
                self._check_unavailable(resp)
                time.sleep(min(float(resp.headers.get('Retry-After', 1)),
                               2.0))
                continue
            if resp.status_code != 202:
                with self._lock:
                    self.bad.append((resp.status_code, resp.text[:300]))
                return None
            with self._progress:
                self.accepted += 1
                self._progress.notify_all()
            return resp.json()['server']['id']
        return None

    def _check_unavailable(self, resp):
        try:
            body = resp.json()
        except ValueError:
            body = None
        fault = body.get('serviceUnavailable') if isinstance(
            body, dict) else None
        if not resp.headers.get('Retry-After') or not isinstance(
                fault, dict) or fault.get('code') != 503:
            with self._lock:
                self.bad.append(('503 not in shape', dict(resp.headers),
                                 resp.text[:300]))

    def wait_accepted(self, share, timeout=120):
        target = int(self.count * share)
        with self._progress:
            self._progress.wait_for(lambda: self.accepted >= target,
                                    timeout)

    def run(self, fault=None, fault_at=0.3):
        """Post the storm; ``fault()`` runs once ``fault_at`` of it was
        accepted. Returns the fault's result."""
        outcome = {}

        def hit():
            self.wait_accepted(fault_at)
            outcome['fault_seconds'] = round(fault(), 2)

        hitter = threading.Thread(target=hit) if fault else None
        started = time.monotonic()
        if hitter:
            hitter.start()
        with concurrent.futures.ThreadPoolExecutor(POST_THREADS) as pool:
            self.ids = [i for i in pool.map(self._post, range(self.count))
                        if i]
        if hitter:
            hitter.join(180)
            assert not hitter.is_alive(), 'the fault never finished'
        outcome['post_seconds'] = round(time.monotonic() - started, 2)
        return outcome


def _all_servers(cloud):
    resp = cloud.session.get(cloud.url('/v2.1/servers/detail?limit=1000'),
                             timeout=30)
    if resp.status_code != 200:
        return None
    return {s['id']: s for s in resp.json()['servers']}


def _settle(cloud, ids, timeout=SETTLE_TIMEOUT):
    """Every server in a final state; returns them by id."""
    def final():
        servers = _all_servers(cloud)
        if servers is None:
            return None
        if any(servers.get(i, {}).get('status') in (None, 'BUILD')
               for i in ids):
            return None
        if any(s['status'] == 'BUILD' for s in servers.values()):
            return None
        return servers
    return fixtures.poll(final, timeout, interval=0.5,
                         message='servers still in BUILD after %ds' %
                         timeout)


def _check_usage(cloud, servers):
    """No host over capacity; usage equals the flavors of its servers
    (usage is recounted every couple of seconds: poll)."""
    per_host = collections.Counter(
        s['OS-EXT-SRV-ATTR:host'] for s in servers.values()
        if s['OS-EXT-SRV-ATTR:host'])

    def consistent():
        hvs = cloud.hypervisors()
        if any(hv['state'] != 'up' for hv in hvs):
            return False   # every compute heartbeats again after a fault
        for hv in hvs:
            assert hv['vcpus_used'] <= hv['vcpus'], hv
            assert hv['memory_mb_used'] <= hv['memory_mb'], hv
        return all(
            hv['running_vms'] == per_host[hv['hypervisor_hostname']] and
            hv['memory_mb_used'] ==
            FLAVOR_RAM * per_host[hv['hypervisor_hostname']]
            for hv in hvs) and hvs
    hvs = fixtures.poll(consistent, 30, interval=0.5,
                        message='hypervisor usage does not match servers '
                                '%s' % dict(per_host))
    return {hv['hypervisor_hostname']: hv['running_vms'] for hv in hvs}


def _delete_all(cloud, ids):
    with concurrent.futures.ThreadPoolExecutor(POST_THREADS) as pool:
        list(pool.map(lambda i: cloud.session.delete(
            cloud.url('/v2.1/servers/%s' % i), timeout=60), ids))

    def gone():
        servers = _all_servers(cloud)
        return servers is not None and not servers
    fixtures.poll(gone, SETTLE_TIMEOUT, interval=0.5,
                  message='servers were not all deleted')
    _check_usage(cloud, {})


def _drill(cloud, label, fault, fault_at=0.3):
    storm = Storm(cloud, label)
    outcome = storm.run(fault, fault_at=fault_at)
    started = time.monotonic()
    servers = _settle(cloud, storm.ids)
    settle = round(time.monotonic() - started, 2)
    states = collections.Counter(servers[i]['status'] for i in storm.ids)
    errors = {i: (servers[i].get('fault') or {}).get('message')
              for i in storm.ids if servers[i]['status'] == 'ERROR'}
    extra = sorted(set(servers) - set(storm.ids))
    per_host = _check_usage(cloud, servers)
    figures = dict(drill=label, posted=storm.count,
                   accepted=len(storm.ids),
                   http={str(k): v for k, v in storm.statuses.items()},
                   states=dict(states), settle_seconds=settle,
                   per_host=per_host, **outcome)
    REPORT.append(figures)
    print(json.dumps(figures))
    assert storm.bad == [], storm.bad
    assert len(storm.ids) == storm.count
    assert errors == {}, errors
    assert states == {'ACTIVE': storm.count}, states
    assert extra == [], [servers[i] for i in extra]
    _delete_all(cloud, storm.ids)
    return figures


def test_storm_without_a_fault(cloud):
    """The baseline the drills compare with."""
    _drill(cloud, 'baseline', None)


def test_compute_killed_and_restarted_during_boot_storm(cloud):
    _drill(cloud, 'kill-compute',
           lambda: cloud.restart_service('compute-2', down_seconds=2.0))


def test_conductor_killed_and_restarted_during_boot_storm(cloud):
    _drill(cloud, 'kill-conductor',
           lambda: cloud.restart_service('conductor', down_seconds=2.0))


def test_scheduler_killed_and_restarted_during_boot_storm(cloud):
    _drill(cloud, 'kill-scheduler',
           lambda: cloud.restart_service('scheduler-1', down_seconds=2.0))


def test_broker_restarted_during_boot_storm(cloud):
    _drill(cloud, 'restart-rabbitmq',
           lambda: cloud.rabbit.restart(down_seconds=5.0))


def test_database_restarted_during_boot_storm(cloud):
    _drill(cloud, 'restart-mariadb',
           lambda: cloud.db_server.restart(down_seconds=3.0))


def _server_variable(cloud, name, conn=None):
    if conn is None:
        return int(cloud.db_server._execute(
            "SHOW GLOBAL STATUS LIKE %s", (name,))[0][1])
    with conn.cursor() as cur:
        cur.execute("SHOW GLOBAL STATUS LIKE %s", (name,))
        return int(cur.fetchall()[0][1])


def test_storm_on_a_database_server_with_no_connection_to_spare(cloud):
    """max_connections just above what the services hold open: a build
    that finds the server full waits for a connection (1040 is retried
    within [database] pool_wait_timeout) instead of failing."""
    # The test's own connection is opened first and kept: the services'
    # pools may take every slot during the storm and keep them after it.
    admin = cloud.db_server.connect()
    try:
        in_use = _server_variable(cloud, 'Threads_connected', admin)
        refused = _server_variable(cloud,
                                   'Connection_errors_max_connections', admin)
        with admin.cursor() as cur:
            cur.execute('SET GLOBAL max_connections = %d' % (in_use + 2))
        try:
            figures = _drill(cloud, 'full-mariadb', None)
            figures['refused_connections'] = _server_variable(
                cloud, 'Connection_errors_max_connections', admin) - refused
            figures['max_connections'] = in_use + 2
        finally:
            with admin.cursor() as cur:
                cur.execute('SET GLOBAL max_connections = %d' %
                            cloud.db_server.max_connections)
    finally:
        admin.close()
    print(json.dumps(figures))
    # The server really refused connections during the storm.
    assert figures['refused_connections'] > 0, figures


def test_compute_killed_during_delete_storm(cloud):
    """Deletes sent while a compute is dead finish when it is back."""
    storm = Storm(cloud, 'delete-storm', count=60)
    storm.run()
    servers = _settle(cloud, storm.ids)
    assert collections.Counter(
        servers[i]['status'] for i in storm.ids) == {'ACTIVE': 60}
    on_host = [i for i in storm.ids
               if servers[i]['OS-EXT-SRV-ATTR:host'] == 'compute-1']
    assert on_host, 'no server landed on compute-1'

    svc = cloud.services['compute-1']
    svc.kill(signal.SIGKILL)
    svc.proc.wait(30)
    started = time.monotonic()
    statuses = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(POST_THREADS) as pool:
        for resp in pool.map(lambda i: cloud.session.delete(
                cloud.url('/v2.1/servers/%s' % i), timeout=60), storm.ids):
            statuses[resp.status_code] += 1
    svc.start()

    def gone():
        servers = _all_servers(cloud)
        return servers is not None and not servers
    fixtures.poll(gone, SETTLE_TIMEOUT, interval=0.5,
                  message='deletes did not all finish')
    figures = dict(drill='kill-compute-during-deletes', servers=60,
                   on_dead_host=len(on_host),
                   http={str(k): v for k, v in statuses.items()},
                   settle_seconds=round(time.monotonic() - started, 2))
    REPORT.append(figures)
    print(json.dumps(figures))
    assert set(statuses) <= {202, 204}, statuses
    _check_usage(cloud, {})
