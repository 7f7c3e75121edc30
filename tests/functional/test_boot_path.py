"""The whole build path with every service its own process, on MariaDB and
RabbitMQ: three libvirt test:/// computes of different sizes, two racing
schedulers, a conductor and the API."""

import concurrent.futures
import signal

import pytest

from tests.functional import cloud as cloud_mod
from tests.functional import fixtures

IMAGE = '8b1a8c5e-3c7b-4c8f-9a4a-2f0d5c0a1b2c'
# vCPU is the binding limit: 6 + 10 + 16 = 32 places for 30 servers.
HOSTS = {'compute-1': 6, 'compute-2': 10, 'compute-3': 16}


def _start(c):
    c.start_conductor()
    c.start_scheduler(1)
    c.start_scheduler(2)
    for host, cpus in HOSTS.items():
        c.start_compute(host, cpus=cpus, memory_mb=65536)
    c.start_api()
    c.wait_for_hypervisors(len(HOSTS))
    c.post('/flavors', {'flavor': {
        'name': 'f1', 'id': 'f1', 'ram': 64, 'vcpus': 1, 'disk': 0}})
    c.post('/flavors', {'flavor': {
        'name': 'too-big', 'id': 'too-big', 'ram': 64, 'vcpus': 64,
        'disk': 0}})


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    yield from cloud_mod.module_cloud(tmp_path_factory, request, _start)


def _boot(cloud, name, flavor='f1', **extra):
    body = {'server': dict({'name': name, 'imageRef': IMAGE,
                            'flavorRef': flavor, 'networks': 'auto'},
                           **extra)}
    return cloud.post('/servers', body, expect=(202,))['server']['id']


def _statuses(cloud):
    return {s['id']: s for s in cloud.get('/servers/detail')['servers']}


def test_thirty_concurrent_boots_list_and_delete(cloud):
    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        ids = list(pool.map(lambda i: _boot(cloud, 'storm-%d' % i),
                            range(30)))
    assert len(set(ids)) == 30

    def all_active():
        servers = _statuses(cloud)
        bad = [s for s in servers.values() if s['status'] == 'ERROR']
        assert not bad, [(s['name'], s.get('fault')) for s in bad]
        return (len(servers) == 30 and
                all(s['status'] == 'ACTIVE' for s in servers.values()) and
                servers)
    servers = fixtures.poll(all_active, 90, interval=0.25,
                            message='30 servers never all became ACTIVE')

    # Real fixed addresses, all different; task_state back to null.
    addrs = [s['addresses']['private'][0]['addr'] for s in servers.values()]
    assert len(set(addrs)) == 30
    assert all(s['OS-EXT-STS:task_state'] is None for s in servers.values())

    # Claims never exceed any host's capacity, and match what runs there.
    per_host = {}
    for s in servers.values():
        per_host[s['OS-EXT-SRV-ATTR:host']] = per_host.get(
            s['OS-EXT-SRV-ATTR:host'], 0) + 1
    for hv in cloud.hypervisors():
        host = hv['hypervisor_hostname']
        assert hv['vcpus'] == HOSTS[host]
        assert hv['vcpus_used'] <= hv['vcpus'], hv
        assert per_host.get(host, 0) <= HOSTS[host]
        assert hv['running_vms'] == per_host.get(host, 0), hv

    # Paginated listing returns each server exactly once.
    seen, marker = [], None
    for _page in range(20):
        query = '/servers?limit=7' + ('&marker=%s' % marker if marker else '')
        page = cloud.get(query)
        seen.extend(s['id'] for s in page['servers'])
        if not page.get('servers_links'):
            break
        marker = page['servers'][-1]['id']
    assert sorted(seen) == sorted(ids)

    # Delete everything; usage returns to zero everywhere.
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda i: cloud.delete('/servers/%s' % i), ids))
    fixtures.poll(lambda: not cloud.get('/servers')['servers'], 60,
                  interval=0.25, message='servers were not all deleted')

    def released():
        hvs = cloud.hypervisors()
        return all(h['vcpus_used'] == 0 and h['memory_mb_used'] == 0 and
                   h['running_vms'] == 0 for h in hvs)
    fixtures.poll(released, 30, message='usage did not return to zero')


def test_flavor_no_host_fits_gives_error_with_filter_fault(cloud):
    server_id = _boot(cloud, 'too-big', flavor='too-big')

    def errored():
        server = cloud.get('/servers/%s' % server_id)['server']
        return server['status'] == 'ERROR' and server
    server = fixtures.poll(errored, 30, message='never went to ERROR')
    message = server['fault']['message']
    assert 'No valid host was found' in message
    assert 'ResourceFilter (start: 3, end: 0)' in message
    cloud.delete('/servers/%s' % server_id)
    fixtures.poll(lambda: cloud.session.get(
        cloud.url('/v2.1/servers/%s' % server_id)).status_code == 404, 30,
        message='errored server was not deleted')


def test_killed_compute_leaves_nothing_in_build(cloud):
    """A compute dies with a build on its way: ERROR within the deadline."""
    cloud.services['compute-1'].kill(signal.SIGKILL)
    server_id = _boot(cloud, 'orphan', availability_zone='nova:compute-1')

    def settled():
        server = cloud.get('/servers/%s' % server_id)['server']
        return server['status'] != 'BUILD' and server
    # scheduling_timeout is 8 s, service_down_time 6 s, reaper every 1 s.
    server = fixtures.poll(settled, 45, interval=0.25,
                           message='server stayed in BUILD')
    assert server['status'] == 'ERROR'
    assert server['OS-EXT-SRV-ATTR:host'] == 'compute-1'
    fault = server['fault']['message']
    assert 'Timed out' in fault or 'down' in fault, fault

    # Deleting it works although its compute is gone (local delete).
    cloud.delete('/servers/%s' % server_id)
    fixtures.poll(lambda: cloud.session.get(
        cloud.url('/v2.1/servers/%s' % server_id)).status_code == 404, 30,
        message='server on a dead compute was not deleted')
    hv = [h for h in cloud.hypervisors()
          if h['hypervisor_hostname'] == 'compute-1'][0]
    assert hv['vcpus_used'] == 0
