"""Server groups on MariaDB, every service its own process: two
schedulers race to place 20 anti-affinity members created in parallel on
20 fake hosts, and the group's late check keeps them on 20 distinct
hosts; a 21st member finds no host and goes to ERROR naming the filter.
"""

import concurrent.futures

import pytest
import requests

from tests.functional import cloud as cloud_mod
from tests.functional import fixtures

IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b'
HOSTS = ['sg-%02d' % i for i in range(20)]
PROJECT = 'groups'


def _start(c):
    c.start_conductor()
    c.start_scheduler(1)
    c.start_scheduler(2)
    c.start_compute(HOSTS[0], extra={
        'compute': {'fake_hosts': ','.join(HOSTS[1:])}})
    c.start_api()
    c.wait_for_hypervisors(len(HOSTS))
    c.post('/flavors', {'flavor': {
        'name': 'g1', 'id': 'g1', 'ram': 64, 'vcpus': 1, 'disk': 0}})


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    yield from cloud_mod.module_cloud(tmp_path_factory, request, _start)


def _as(cloud, method, path, body=None, version='2.47'):
    """A request as a member (not admin) of PROJECT."""
    return requests.request(
        method, cloud.url('/v2.1' + path), json=body, timeout=60,
        headers={'X-Auth-Token': 'member-of-%s:%s' % (PROJECT, PROJECT),
                 'X-OpenStack-Nova-API-Version': version})


def _boot(cloud, group_id, name):
    return _as(cloud, 'POST', '/servers', {
        'server': {'name': name, 'imageRef': IMAGE, 'flavorRef': 'g1',
                   'networks': 'none'},
        'os:scheduler_hints': {'group': group_id}})


def _server(cloud, server_id):
    # Admin view: the host, and the fault's details.
    return cloud.get('/servers/%s' % server_id)['server']


def test_api_errors_as_nova(cloud):
    two = _as(cloud, 'POST', '/os-server-groups', {'server_group': {
        'name': 'x', 'policies': ['affinity', 'anti-affinity']}})
    assert two.status_code == 400, two.text
    bad = _as(cloud, 'POST', '/os-server-groups', {'server_group': {
        'name': 'x', 'policies': ['soft-affinity']}}, version='2.14')
    assert bad.status_code == 400, bad.text
    unknown = _boot(cloud, '5c1c1c1c-1c1c-4c1c-9c1c-1c1c1c1c1c1c', 'u')
    assert unknown.status_code == 400, unknown.text
    assert 'could not be found' in unknown.json()['badRequest']['message']


def test_twenty_anti_affinity_members_get_twenty_hosts(cloud):
    resp = cloud.session.put(
        cloud.url('/v2.1/os-quota-sets/' + PROJECT),
        json={'quota_set': {'server_group_members': 25}}, timeout=30)
    assert resp.status_code == 200, resp.text
    resp = _as(cloud, 'POST', '/os-server-groups', {'server_group': {
        'name': 'apart', 'policies': ['anti-affinity']}})
    assert resp.status_code == 200, resp.text
    group = resp.json()['server_group']
    assert group['policies'] == ['anti-affinity']
    assert group['project_id'] == PROJECT

    # In parallel: the casts land on both schedulers at once.
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(
            lambda i: _boot(cloud, group['id'], 'apart-%d' % i),
            range(20)))
    assert [a.status_code for a in answers] == [202] * 20, \
        [a.text for a in answers]
    ids = [a.json()['server']['id'] for a in answers]

    def all_active():
        servers = [_server(cloud, sid) for sid in ids]
        errors = [s.get('fault') for s in servers if s['status'] == 'ERROR']
        assert not errors, errors
        return all(s['status'] == 'ACTIVE' for s in servers) and servers
    servers = fixtures.poll(all_active, 120, interval=0.5,
                            message='20 members never all became ACTIVE')
    hosts = [s['OS-EXT-SRV-ATTR:host'] for s in servers]
    assert sorted(hosts) == HOSTS, hosts

    shown = _as(cloud, 'GET', '/os-server-groups/' + group['id'])
    assert shown.status_code == 200
    assert sorted(shown.json()['server_group']['members']) == sorted(ids)

    # No host is left for a 21st.
    last = _boot(cloud, group['id'], 'apart-20')
    assert last.status_code == 202, last.text
    last_id = last.json()['server']['id']

    def errored():
        server = _server(cloud, last_id)
        assert server['status'] != 'ACTIVE', server
        return server['status'] == 'ERROR' and server
    server = fixtures.poll(errored, 60, interval=0.5,
                           message='the 21st member never went to ERROR')
    fault = server['fault']
    assert fault['message'].startswith('No valid host was found.'), fault
    # The whole reason (the message keeps 255 characters of it).
    assert 'ServerGroupAntiAffinityFilter (start: 20, end: 0)' in \
        fault['details'], fault

    # A deleted member frees its host for the next one.
    assert _as(cloud, 'DELETE', '/servers/' + last_id).status_code == 204
    freed = servers[0]
    assert _as(cloud, 'DELETE', '/servers/' + freed['id']).status_code \
        == 204
    again = _boot(cloud, group['id'], 'apart-again')
    assert again.status_code == 202, again.text
    again_id = again.json()['server']['id']

    def active():
        server = _server(cloud, again_id)
        assert server['status'] != 'ERROR', server.get('fault')
        return server['status'] == 'ACTIVE' and server
    server = fixtures.poll(active, 60, interval=0.5,
                           message='the replacement never became ACTIVE')
    assert server['OS-EXT-SRV-ATTR:host'] == freed['OS-EXT-SRV-ATTR:host']

    members = _as(cloud, 'GET', '/os-server-groups/' + group['id']).json()[
        'server_group']['members']
    assert freed['id'] not in members and last_id not in members
    assert again_id in members
