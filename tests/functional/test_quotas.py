"""Quotas on MariaDB with every service its own process: concurrent creates
of one project never pass its limit, and what fits of a multi-create is
built."""

import concurrent.futures

import pytest
import requests

from tests.functional import cloud as cloud_mod
from tests.functional import fixtures

IMAGE = '8b1a8c5e-3c7b-4c8f-9a4a-2f0d5c0a1b2c'


def _start(c):
    c.start_conductor()
    c.start_scheduler(1)
    c.start_scheduler(2)
    c.start_compute('compute-1', cpus=64, memory_mb=65536)
    c.start_api()
    c.wait_for_hypervisors(1)
    c.post('/flavors', {'flavor': {
        'name': 'q1', 'id': 'q1', 'ram': 64, 'vcpus': 1, 'disk': 0}})


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    yield from cloud_mod.module_cloud(tmp_path_factory, request, _start)


def _as(cloud, project, method, path, body=None):
    """A request as a member (not admin) of ``project``."""
    return requests.request(
        method, cloud.url('/v2.1' + path), json=body, timeout=60,
        headers={'X-Auth-Token': 'member-of-%s:%s' % (project, project),
                 'X-OpenStack-Nova-API-Version': '2.47'})


def _set_quota(cloud, project, **limits):
    resp = cloud.session.put(cloud.url('/v2.1/os-quota-sets/' + project),
                             json={'quota_set': limits}, timeout=30)
    assert resp.status_code == 200, resp.text
    for name, value in limits.items():
        assert resp.json()['quota_set'][name] == value


def _boot(cloud, project, name, **extra):
    server = dict({'name': name, 'imageRef': IMAGE, 'flavorRef': 'q1',
                   'networks': 'none'}, **extra)
    return _as(cloud, project, 'POST', '/servers', {'server': server})


def _servers(cloud, project):
    resp = _as(cloud, project, 'GET', '/servers/detail')
    assert resp.status_code == 200, resp.text
    return resp.json()['servers']


def test_twenty_concurrent_boots_against_a_quota_of_ten(cloud):
    _set_quota(cloud, 'race', instances=10)
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(
            lambda i: _boot(cloud, 'race', 'race-%d' % i), range(20)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [202] * 10 + [403] * 10, [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 403):
        fault = refused.json()['forbidden']
        assert fault['code'] == 403
        assert fault['message'].startswith(
            'Quota exceeded for instances: Requested 1, but already used '
            '10 of 10 instances'), fault
    accepted = {a.json()['server']['id'] for a in answers
                if a.status_code == 202}

    def all_active():
        servers = _servers(cloud, 'race')
        assert not [s for s in servers if s['status'] == 'ERROR']
        return (len(servers) == 10 and
                all(s['status'] == 'ACTIVE' for s in servers) and servers)
    servers = fixtures.poll(all_active, 90, interval=0.25,
                            message='10 servers never all became ACTIVE')
    assert {s['id'] for s in servers} == accepted

    limits = _as(cloud, 'race', 'GET', '/limits').json()['limits']
    assert limits['absolute']['maxTotalInstances'] == 10
    assert limits['absolute']['totalInstancesUsed'] == 10
    assert limits['absolute']['totalCoresUsed'] == 10

    # A deleted server gives its place back at once.
    victim = servers[0]['id']
    assert _as(cloud, 'race', 'DELETE', '/servers/' + victim).status_code \
        == 204
    again = _boot(cloud, 'race', 'race-again')
    assert again.status_code == 202, again.text
    assert _boot(cloud, 'race', 'race-over').status_code == 403


def test_multi_create_builds_what_fits(cloud):
    _set_quota(cloud, 'multi', instances=5, cores=4)
    # max_count 8, min_count 2: the cores (4 of 1 vCPU) allow four.
    resp = _boot(cloud, 'multi', 'many', min_count=2, max_count=8)
    assert resp.status_code == 202, resp.text
    servers = fixtures.poll(
        lambda: (len(_servers(cloud, 'multi')) >= 4 and
                 _servers(cloud, 'multi')), 30, interval=0.25,
        message='the servers that fit never showed')
    assert len(servers) == 4
    refused = _boot(cloud, 'multi', 'more', min_count=1, max_count=1)
    assert refused.status_code == 403
    assert 'cores' in refused.json()['forbidden']['message']
