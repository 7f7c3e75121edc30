"""One nube-compute process serving several fake hosts, on real MariaDB
and RabbitMQ: each host is a compute service of its own, kept up by the
process's gathered heartbeats (conductor RPC 1.1), and builds on any of
them finish through the 1.1 compare-and-swap that asks for no row back."""

import pytest

from nube.db import migration
from nube.db.cell import api as cell_api
from tests.functional import cloud as cloud_mod
from tests.functional import fixtures

HOSTS = ['fh-0', 'fh-1', 'fh-2']


def _start(c):
    c.start_conductor()
    c.start_scheduler(1)
    c.start_compute(HOSTS[0], extra={
        'compute': {'fake_hosts': ','.join(HOSTS[1:])}})
    c.start_api()
    c.wait_for_hypervisors(len(HOSTS))
    c.post('/flavors', {'flavor': {
        'name': 'f1', 'id': 'f1', 'ram': 64, 'vcpus': 1, 'disk': 0}})


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    yield from cloud_mod.module_cloud(tmp_path_factory, request, _start)


def _compute_services(cloud):
    return {s['host']: s for s in cloud.get('/os-services')['services']
            if s['binary'] == 'nube-compute'}


def test_every_fake_host_keeps_heartbeating(cloud):
    first = _compute_services(cloud)
    assert sorted(first) == HOSTS
    assert all(s['state'] == 'up' for s in first.values()), first
    seen = first
    # report_interval is 1 s: two rounds of gathered heartbeats must
    # move every host's updated_at on.
    for _round in range(2):
        before = seen

        def all_moved():
            now = _compute_services(cloud)
            return all(now[h]['updated_at'] and
                       now[h]['updated_at'] > (before[h]['updated_at'] or '')
                       for h in HOSTS) and now
        seen = fixtures.poll(all_moved, 20, interval=0.25,
                             message='a fake host stopped heartbeating')
        assert all(s['state'] == 'up' for s in seen.values()), seen


def test_build_on_each_fake_host_goes_active(cloud):
    ids = {}
    for host in HOSTS:
        body = cloud.post('/servers', {'server': {
            'name': 'on-' + host, 'flavorRef': 'f1',
            'imageRef': '70a599e0-31e7-49b7-b260-868f441e862b',
            'networks': 'none', 'availability_zone': 'nova:' + host}})
        ids[host] = body['server']['id']

    def all_active():
        servers = {h: cloud.get('/servers/%s' % sid)['server']
                   for h, sid in ids.items()}
        errors = [s.get('fault') for s in servers.values()
                  if s['status'] == 'ERROR']
        assert not errors, errors
        return all(s['status'] == 'ACTIVE' for s in servers.values()) and \
            servers
    servers = fixtures.poll(all_active, 60, interval=0.25,
                            message='builds on fake hosts never finished')
    for host, server in servers.items():
        assert server['OS-EXT-SRV-ATTR:host'] == host
        assert server['OS-EXT-STS:task_state'] is None
        assert server['OS-EXT-STS:power_state'] == 1
        assert server['OS-SRV-USG:launched_at']
    for sid in ids.values():
        cloud.delete('/servers/%s' % sid)


def test_heartbeat_many_counts_every_host_on_mariadb(database_factory):
    db = cell_api.CellDatabase(database_factory('cell')['cell'])
    try:
        migration.db_sync(db, 'cell')
        db.service_heartbeat('h1', 'nube-compute', topic='compute')
        # Twice within a second: every host counts both times.
        for _ in range(2):
            assert db.service_heartbeat_many(['h1', 'h2'], 'nube-compute',
                                             'compute') == 2
        counts = {s['host']: s['report_count']
                  for s in db.service_get_all(binary='nube-compute')}
        assert counts == {'h1': 3, 'h2': 2}
    finally:
        db.dispose()
