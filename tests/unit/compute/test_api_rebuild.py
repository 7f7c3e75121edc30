"""The rebuild action through the HTTP app, the real facade (SQLite) and a
real ComputeManager with the fake driver (the harness of
test_api_actions): task states, driver calls, stopped servers, errors."""

import json

import webob

from nube.compute import states
from nube import context
from nube.network import api as network_api
from tests.unit.compute import test_api_actions

NEW_IMAGE = '9a1b7c3e-2f4d-4e5a-8b6c-7d8e9f0a1b2c'

# The real-facade harness (fixture) of test_api_actions.
cloud = test_api_actions.cloud


def _rebuild(cloud, server_id, version=None, token='u1:p1', **params):
    headers = {'X-Auth-Token': token}
    if version:
        headers['OpenStack-API-Version'] = 'compute %s' % version
    req = webob.Request.blank('/v2.1/servers/%s/action' % server_id,
                              method='POST', headers=headers)
    req.body = json.dumps({'rebuild': dict(
        {'imageRef': NEW_IMAGE}, **params)}).encode()
    req.content_type = 'application/json'
    resp = req.get_response(cloud.app)
    return resp, (json.loads(resp.body) if resp.body else None)


def _record_driver(cloud):
    """Record destroy/spawn with the task state the DB had at the time."""
    calls = []
    driver = cloud.manager.driver
    destroy, spawn = driver.destroy, driver.spawn

    def recording_destroy(ctxt, instance, network_info):
        calls.append(('destroy', cloud.instance(instance['uuid'])[
            'task_state'], [n['address'] for n in network_info]))
        return destroy(ctxt, instance, network_info)

    def recording_spawn(ctxt, instance, image_meta, network_info):
        calls.append(('spawn', cloud.instance(instance['uuid'])[
            'task_state'], image_meta['id']))
        return spawn(ctxt, instance, image_meta, network_info)

    driver.destroy, driver.spawn = recording_destroy, recording_spawn
    return calls


def test_rebuild_respawns_with_new_image_name_and_metadata(cloud):
    server = cloud.server()
    uuid = server['uuid']
    network_api.CellNetworks(cloud.cell_db).allocate_for_instance(
        context.get_admin_context(), cloud.instance(uuid), 'auto', 'host1')
    address = cloud.instance(uuid)['fixed_ips'][0]['address']
    cloud.cell_db.instance_update(uuid, {'metadata': {'old': 'x'}})
    calls = _record_driver(cloud)
    resp, body = _rebuild(cloud, uuid, name='renamed',
                          metadata={'rebuild': 'server'},
                          adminPass='rebuildPassw0rd',
                          accessIPv4='192.0.2.9')
    assert resp.status_int == 202
    assert resp.headers['Location'].endswith('/servers/%s' % uuid)
    shown = body['server']
    assert shown['id'] == uuid
    assert shown['image']['id'] == NEW_IMAGE
    assert shown['name'] == 'renamed'
    assert shown['adminPass'] == 'rebuildPassw0rd'
    assert shown['metadata'] == {'rebuild': 'server'}
    assert shown['accessIPv4'] == '192.0.2.9'
    assert shown['status'] == 'REBUILD'
    # The PUT /servers/{id} shape: no extended attributes.
    assert 'OS-EXT-STS:task_state' not in shown
    cloud.wait()
    assert calls == [('destroy', states.REBUILDING, [address]),
                     ('spawn', states.REBUILD_SPAWNING, NEW_IMAGE)]
    after = cloud.instance(uuid)
    assert (after['vm_state'], after['task_state'], after['power_state']) \
        == (states.ACTIVE, None, states.RUNNING)
    assert after['image_ref'] == NEW_IMAGE
    assert after['display_name'] == 'renamed'
    assert after['metadata'] == {'rebuild': 'server'}
    assert [ip['address'] for ip in after['fixed_ips']] == [address]
    assert after['host'] == server['host']


def test_rebuild_generates_a_password_and_keeps_metadata(cloud):
    uuid = cloud.server()['uuid']
    cloud.cell_db.instance_update(uuid, {'metadata': {'keep': 'me'}})
    resp, body = _rebuild(cloud, uuid)
    assert resp.status_int == 202
    assert len(body['server']['adminPass']) == 12
    cloud.wait()
    assert cloud.instance(uuid)['metadata'] == {'keep': 'me'}


def test_stopped_server_stays_stopped(cloud):
    uuid = cloud.server()['uuid']
    assert cloud.action(uuid, {'os-stop': None})[0] == 202
    cloud.wait()
    resp, body = _rebuild(cloud, uuid)
    assert resp.status_int == 202
    assert body['server']['status'] == 'REBUILD'
    cloud.wait()
    after = cloud.instance(uuid)
    assert (after['vm_state'], after['task_state'], after['power_state']) \
        == (states.STOPPED, None, states.SHUTDOWN)
    assert after['image_ref'] == NEW_IMAGE


def test_locked_busy_or_missing_server(cloud):
    uuid = cloud.server()['uuid']
    cloud.action(uuid, {'lock': None})
    resp, body = _rebuild(cloud, uuid)
    assert resp.status_int == 409
    assert body['conflictingRequest']['message'] == \
        'Instance %s is locked' % uuid
    cloud.action(uuid, {'unlock': None})
    cloud.cell_db.instance_update(uuid, {'task_state': states.REBOOTING})
    resp, body = _rebuild(cloud, uuid)
    assert resp.status_int == 409
    assert 'task_state rebooting' in body['conflictingRequest']['message']
    assert _rebuild(cloud, '1f0ac3f3-5c25-4a3b-8dd8-5b1e0a1b2c3d')[
        0].status_int == 404
    assert _rebuild(cloud, uuid, token='u2:p2')[0].status_int == 404
    assert cloud.instance(uuid)['image_ref'] == 'img-1'
    assert cloud.compute_rpc.calls == []


def test_invalid_bodies_are_400(cloud):
    uuid = cloud.server()['uuid']
    for params in ({'imageRef': 'not-a-uuid'}, {'bogus': 1},
                   {'name': ''}, {'metadata': {'k': 1}},
                   {'description': 'only from 2.19'}):
        resp, body = _rebuild(cloud, uuid, **params)
        assert resp.status_int == 400, params
        assert 'badRequest' in body
    too_many = {'k%d' % n: 'v' for n in range(129)}
    resp, body = _rebuild(cloud, uuid, metadata=too_many)
    assert resp.status_int == 403
    assert cloud.instance(uuid)['task_state'] is None


def test_description_from_2_19(cloud):
    uuid = cloud.server()['uuid']
    resp, body = _rebuild(cloud, uuid, version='2.19', description='d')
    assert resp.status_int == 202
    assert body['server']['description'] == 'd'
    cloud.wait()
    assert cloud.instance(uuid)['display_description'] == 'd'


def test_failed_spawn_is_error_with_fault(cloud):
    uuid = cloud.server()['uuid']

    def broken_spawn(*args):
        raise RuntimeError('disk on fire')

    cloud.manager.driver.spawn = broken_spawn
    assert _rebuild(cloud, uuid)[0].status_int == 202
    cloud.wait()
    after = cloud.instance(uuid)
    assert (after['vm_state'], after['task_state']) == (states.ERROR, None)
    assert 'disk on fire' in after['fault']['message']


def test_compute_restart_errors_an_interrupted_rebuild(cloud):
    uuid = cloud.server()['uuid']
    cloud.cell_db.instance_update(uuid,
                                  {'task_state': states.REBUILD_SPAWNING})
    cloud.manager.init_host()
    after = cloud.instance(uuid)
    assert (after['vm_state'], after['task_state']) == (states.ERROR, None)
    assert after['fault']['message'] == 'Compute restarted during rebuild'
