"""Servers: create/list/get/delete, actions, metadata and the waiters."""

import base64

import pytest

from nube.client import client as client_mod
from nube.client import exceptions
from tests.unit.client import fakes

IMAGE = '8f1c2a3e-1111-4222-8333-944455556666'


def test_create_body_and_answer(cloud, client):
    server = client.servers.create(
        'vm1', IMAGE, 'm1.tiny', networks='none', metadata={'k': 'v'},
        user_data='#!/bin/sh\necho hi\n', availability_zone='nova',
        key_name='key')
    assert server['adminPass'] == 'secret'
    sent = cloud.of('POST', '/servers')[0].json()['server']
    assert sent['imageRef'] == IMAGE
    assert sent['flavorRef'] == '1'       # found by name
    assert sent['networks'] == 'none'
    assert sent['metadata'] == {'k': 'v'}
    assert base64.b64decode(sent['user_data']) == b'#!/bin/sh\necho hi\n'
    assert 'min_count' not in sent
    # The image id looked like a uuid: no image API call was needed.
    assert not [r for r in cloud.requests if '/image/' in r.path]


def test_networks_list_and_auto(cloud, client):
    client.servers.create('a', IMAGE, '1')
    client.servers.create('b', IMAGE, '1', networks=[
        'net-uuid', {'port': 'p1'}])
    first, second = [r.json()['server'] for r in cloud.of('POST',
                                                          '/servers')]
    assert first['networks'] == 'auto'
    assert second['networks'] == [{'uuid': 'net-uuid'}, {'port': 'p1'}]


def test_networks_below_2_37(cloud):
    c = client_mod.Client(cloud.session(), region_name='RegionOne',
                          compute_microversion='2.30')
    c.servers.create('a', IMAGE, '1')
    assert 'networks' not in cloud.of('POST', '/servers')[0].json()[
        'server']
    with pytest.raises(exceptions.ClientException):
        c.servers.create('b', IMAGE, '1', networks='none')


def test_create_wait_reports_progress(cloud, client):
    seen = []
    server = client.servers.create(
        'vm1', IMAGE, '1', wait=True, interval=0,
        callback=lambda progress, body: seen.append(
            (progress, body['status'])))
    assert server['status'] == 'ACTIVE'
    assert server['adminPass'] == 'secret'
    assert seen == [(50, 'BUILD'), (50, 'BUILD'), (100, 'ACTIVE')]


def test_wait_raises_with_the_fault_on_error(client):
    with pytest.raises(exceptions.ResourceInErrorState) as info:
        client.servers.create('fail-1', IMAGE, '1', wait=True, interval=0)
    assert 'No valid host was found.' in str(info.value)
    assert info.value.details['status'] == 'ERROR'


def test_wait_times_out(cloud, client):
    cloud.build_polls = 10 ** 6
    server = client.servers.create('slow', IMAGE, '1')
    ticks = iter(range(100))
    from nube.client import waiters
    with pytest.raises(exceptions.Timeout) as info:
        waiters.poll(lambda: client.servers.get(server['id']),
                     lambda s: s['status'] == 'ACTIVE', timeout=5,
                     interval=1, sleep=lambda s: None,
                     clock=lambda: next(ticks))
    assert info.value.details['status'] == 'BUILD'
    # And through the manager: timeout 0 means one poll, then Timeout.
    with pytest.raises(exceptions.Timeout):
        client.servers.wait_for_status(server, timeout=0, interval=0)


def test_multiple_create_with_reservation_id(cloud, client):
    answer = client.servers.create('many', IMAGE, '1', min_count=2,
                                   max_count=3, return_reservation_id=True,
                                   wait=True, interval=0)
    assert answer['reservation_id'].startswith('r-')
    sent = cloud.of('POST', '/servers')[0].json()['server']
    assert (sent['min_count'], sent['max_count']) == (2, 3)
    statuses = [s['status'] for s in client.servers.list(name='many')]
    assert statuses == ['ACTIVE'] * 3


def test_list_follows_next_links(cloud, client):
    for i in range(5):
        client.servers.create('vm%d' % i, IMAGE, '1')
    names = sorted(s['name'] for s in client.servers.list())
    assert names == ['vm%d' % i for i in range(5)]
    pages = cloud.of('GET', '/servers/detail')
    assert len(pages) == 3
    assert pages[1].query['marker']
    client.servers.list(detailed=False, all_tenants=True)
    assert cloud.of('GET', '/servers')[-1].query['all_tenants'] == 'True'


def test_get_by_id_then_exact_name(cloud, client):
    made = client.servers.create('web', IMAGE, '1')
    client.servers.create('web-2', IMAGE, '1')
    assert client.servers.get(made['id'])['id'] == made['id']
    assert client.servers.get('web')['id'] == made['id']
    assert cloud.of('GET', '/servers/detail')[-1].query['name'] == '^web$'
    with pytest.raises(exceptions.NotFoundByName) as info:
        client.servers.get('nothing')
    assert info.value.http_status == 404
    client.servers.create('web', IMAGE, '1')
    with pytest.raises(exceptions.NoUniqueMatch):
        client.servers.get('web')


def test_delete_and_wait(cloud, client):
    server = client.servers.create('gone', IMAGE, '1')
    seen = []
    client.servers.delete('gone', wait=True, interval=0,
                          callback=lambda p, body: seen.append(
                              body['status']))
    assert cloud.of('DELETE', '/servers/' + server['id'])
    assert seen[-1] == 'DELETED'
    assert server['id'] not in cloud.servers


def test_actions(cloud, client):
    server = client.servers.create('act', IMAGE, '1', wait=True,
                                   interval=0)
    client.servers.stop(server)
    client.servers.start(server['id'])
    client.servers.reboot(server, hard=True)
    client.servers.reboot(server)
    assert cloud.servers[server['id']]['actions'] == [
        {'os-stop': None}, {'os-start': None},
        {'reboot': {'type': 'HARD'}}, {'reboot': {'type': 'SOFT'}}]
    assert client.servers.console_output(server, length=2) == \
        'line 3\nline 4'
    assert client.servers.console_output(server).count('\n') == 4


def test_force_delete_and_restore(cloud, client):
    server = client.servers.create('fd', IMAGE, '1')
    client.servers.restore(server)
    client.servers.force_delete(server, wait=True, interval=0)
    assert server['id'] not in cloud.servers
    assert [r.json() for r in cloud.of('POST', '/action')] == [
        {'restore': None}, {'forceDelete': None}]


def test_lock_and_unlock(cloud, client):
    server = client.servers.create('lk', IMAGE, '1')
    client.servers.lock(server)
    client.servers.unlock(server['id'])
    assert cloud.servers[server['id']]['actions'] == [
        {'lock': None}, {'unlock': None}]


def test_replace_metadata(cloud, client):
    server = client.servers.create('rm', IMAGE, '1', metadata={'a': '1'})
    assert client.servers.replace_metadata(server, {'b': '2'}) == {
        'b': '2'}
    assert cloud.of('PUT', '/metadata')[0].json() == {
        'metadata': {'b': '2'}}
    assert client.servers.get_metadata(server) == {'b': '2'}


def test_action_conflict_is_typed(client):
    server = client.servers.create('early', IMAGE, '1')
    with pytest.raises(exceptions.Conflict) as info:
        client.servers.stop(server)
    assert "while it is in vm_state building" in info.value.message


def test_metadata_and_update(cloud, client):
    server = client.servers.create('md', IMAGE, '1', metadata={'a': '1'})
    assert client.servers.set_metadata(server, {'b': '2'}) == {
        'a': '1', 'b': '2'}
    client.servers.delete_metadata(server, ['a'])
    assert client.servers.get_metadata(server) == {'b': '2'}
    assert client.servers.update(server, name='md2')['name'] == 'md2'


def test_flavor_lookup_failure_is_typed(client):
    with pytest.raises(exceptions.NotFoundByName):
        client.servers.create('x', IMAGE, 'no-such-flavor')


def test_image_by_name_uses_the_image_api(cloud, client):
    image = client.images.create('cirros')
    client.servers.create('x', 'cirros', '1')
    assert cloud.of('POST', '/servers')[0].json()['server'][
        'imageRef'] == image['id']


def test_unreachable_session_is_connection_failed():
    cloud = fakes.FakeCloud()
    session = cloud.session()
    session.fake_adapter.connect_failures = 100
    c = client_mod.Client(session, region_name='RegionOne',
                          connect_retries=0)
    with pytest.raises(exceptions.ConnectionFailed):
        c.servers.list()
