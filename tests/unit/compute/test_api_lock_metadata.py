"""Lock/unlock and server metadata through the HTTP app and the real
facade on SQLite (the harness of test_api_actions)."""

import json

import webob

from nube.compute import instance_ops
from nube.compute import states
import nube.conf
from tests.unit.compute import test_api_actions

CONF = nube.conf.CONF

ADMIN = 'admin:admin-project'

# The real-facade harness (fixture) of test_api_actions.
cloud = test_api_actions.cloud


def _call(cloud, method, path, body=None, token='u1:p1'):
    return cloud.request(method, path, body, token)


# -- lock / unlock ------------------------------------------------------------

def test_owner_lock_refuses_stop_until_unlocked(cloud):
    server = cloud.server()
    status, body = cloud.action(server['uuid'], {'lock': None})
    assert (status, body) == (202, None)
    locked = cloud.instance(server['uuid'])
    assert (locked['locked'], locked['locked_by']) == (True, 'owner')
    status, body = _call(cloud, 'GET', '/servers/%s' % server['uuid'])
    assert body['server']['status'] == 'ACTIVE'
    status, body = cloud.action(server['uuid'], {'os-stop': None})
    assert status == 409
    assert body['conflictingRequest']['message'] == (
        'Instance %s is locked' % server['uuid'])
    status, body = _call(cloud, 'DELETE', '/servers/%s' % server['uuid'])
    assert status == 409
    assert cloud.action(server['uuid'], {'unlock': None})[0] == 202
    unlocked = cloud.instance(server['uuid'])
    assert (unlocked['locked'], unlocked['locked_by']) == (False, None)
    assert cloud.action(server['uuid'], {'os-stop': None})[0] == 202
    cloud.wait()
    assert cloud.instance(server['uuid'])['vm_state'] == states.STOPPED


def test_lock_is_shown_from_2_9(cloud):
    server = cloud.server()
    cloud.action(server['uuid'], {'lock': {}})
    req = webob.Request.blank(
        '/v2.1/servers/%s' % server['uuid'],
        headers={'X-Auth-Token': 'u1:p1',
                 'OpenStack-API-Version': 'compute 2.9'})
    assert json.loads(req.get_response(cloud.app).body)['server'][
        'locked'] is True


def test_admin_acts_on_locked_server_and_owner_cannot_unlock_its_lock(
        cloud):
    server = cloud.server()
    assert cloud.action(server['uuid'], {'lock': None}, token=ADMIN)[0] \
        == 202
    assert cloud.instance(server['uuid'])['locked_by'] == 'admin'
    # The owner locking again does not take the admin's lock over.
    assert cloud.action(server['uuid'], {'lock': None})[0] == 202
    assert cloud.instance(server['uuid'])['locked_by'] == 'admin'
    status, body = cloud.action(server['uuid'], {'unlock': None})
    assert status == 403
    assert 'unlock_override' in body['forbidden']['message']
    assert cloud.instance(server['uuid'])['locked'] is True
    # Admins are not held back by a lock.
    assert cloud.action(server['uuid'], {'os-stop': None},
                        token=ADMIN)[0] == 202
    cloud.wait()
    assert cloud.action(server['uuid'], {'unlock': None},
                        token=ADMIN)[0] == 202
    assert cloud.instance(server['uuid'])['locked'] is False


def test_lock_unknown_or_foreign_server_is_404(cloud):
    server = cloud.server()
    status, _body = cloud.action(server['uuid'], {'lock': None},
                                 token='u2:p2')
    assert status == 404
    status, _body = cloud.action('1f0ac3f3-5c25-4a3b-8dd8-5b1e0a1b2c3d',
                                 {'unlock': None})
    assert status == 404
    assert cloud.instance(server['uuid'])['locked'] is False


def test_is_expected_locked_by():
    class Ctx:
        project_id = 'p1'
    inst = {'project_id': 'p1', 'locked_by': None}
    assert instance_ops.is_expected_locked_by(Ctx, inst)
    assert instance_ops.is_expected_locked_by(Ctx, dict(inst,
                                                        locked_by='owner'))
    assert not instance_ops.is_expected_locked_by(
        Ctx, dict(inst, locked_by='admin'))
    assert instance_ops.is_expected_locked_by(
        Ctx, dict(inst, project_id='p2', locked_by='admin'))


# -- metadata ----------------------------------------------------------------

def _meta(cloud, server_id, suffix='', method='GET', body=None,
          token='u1:p1'):
    return _call(cloud, method, '/servers/%s/metadata%s' % (server_id,
                                                            suffix),
                 body, token)


def test_metadata_replace_merge_show_delete(cloud):
    uuid = cloud.server()['uuid']
    assert _meta(cloud, uuid) == (200, {'metadata': {}})
    status, body = _meta(cloud, uuid, method='PUT',
                         body={'metadata': {'key1': 'value1',
                                            'key2': 'value2'}})
    assert (status, body) == (200, {'metadata': {'key1': 'value1',
                                                 'key2': 'value2'}})
    status, body = _meta(cloud, uuid, method='POST',
                         body={'metadata': {'key1': 'alt1',
                                            'key3': 'value3'}})
    assert (status, body) == (200, {'metadata': {
        'key1': 'alt1', 'key2': 'value2', 'key3': 'value3'}})
    # An empty update keeps everything.
    status, body = _meta(cloud, uuid, method='POST', body={'metadata': {}})
    assert len(body['metadata']) == 3
    status, body = _meta(cloud, uuid, '/nova.x:y', method='PUT',
                         body={'meta': {'nova.x:y': 'alt'}})
    assert (status, body) == (200, {'meta': {'nova.x:y': 'alt'}})
    assert _meta(cloud, uuid, '/key2') == (200, {'meta': {'key2': 'value2'}})
    assert _meta(cloud, uuid, '/key1', method='DELETE') == (204, None)
    assert _meta(cloud, uuid, '/key1')[0] == 404
    assert cloud.instance(uuid)['metadata'] == {
        'key2': 'value2', 'key3': 'value3', 'nova.x:y': 'alt'}
    # Replacing drops what is not named.
    status, body = _meta(cloud, uuid, method='PUT',
                         body={'metadata': {'meta2': 'data2'}})
    assert body == {'metadata': {'meta2': 'data2'}}
    assert cloud.instance(uuid)['metadata'] == {'meta2': 'data2'}
    status, body = _call(cloud, 'GET', '/servers/%s' % uuid)
    assert body['server']['metadata'] == {'meta2': 'data2'}


def test_metadata_errors(cloud):
    uuid = cloud.server()['uuid']
    missing = '1f0ac3f3-5c25-4a3b-8dd8-5b1e0a1b2c3d'
    for method, suffix, body in (
            ('GET', '', None), ('POST', '', {'metadata': {'a': 'b'}}),
            ('PUT', '', {'metadata': {'a': 'b'}}),
            ('PUT', '/a', {'meta': {'a': 'b'}}), ('DELETE', '/a', None),
            ('GET', '/a', None)):
        assert _meta(cloud, missing, suffix, method, body)[0] == 404, method
    # Another project's server is 404 too.
    assert _meta(cloud, uuid, token='u2:p2')[0] == 404
    for body in ({'metadata': {'': 'blank'}},
                 {'metadata': {'k' * 256: 'v'}},
                 {'metadata': {'k': 'v' * 256}},
                 {'metadata': {'bad/key': 'v'}},
                 {'metadata': {'k': 1}},
                 {'meta': {'a': 'b'}}, {}):
        status, reply = _meta(cloud, uuid, method='PUT', body=body)
        assert status == 400, body
        assert 'badRequest' in reply
    status, reply = _meta(cloud, uuid, '/key', method='PUT',
                          body={'meta': {'other': 'v'}})
    assert (status, reply['badRequest']['message']) == (
        400, 'Request body and URI mismatch')
    status, reply = _meta(cloud, uuid, '/a', method='PUT',
                          body={'meta': {'a': 'b', 'c': 'd'}})
    assert status == 400
    status, reply = _meta(cloud, uuid, '/nokey', method='DELETE')
    assert (status, reply['itemNotFound']['message']) == (
        404, 'Metadata item was not found')
    assert cloud.instance(uuid)['metadata'] == {}


def test_metadata_item_limit_is_403(cloud):
    uuid = cloud.server()['uuid']
    many = {'key%d' % n: 'v' for n in range(CONF.quota.metadata_items)}
    assert _meta(cloud, uuid, method='PUT', body={'metadata': many})[0] \
        == 200
    for method in ('PUT', 'POST'):
        status, body = _meta(cloud, uuid, method=method, body={
            'metadata': dict(many, extra='v')})
        assert status == 403, method
        assert body['forbidden']['message'] == (
            'Maximum number of metadata items exceeds 128')
    status, body = _meta(cloud, uuid, '/extra', method='PUT',
                         body={'meta': {'extra': 'v'}})
    assert status == 403
    assert len(cloud.instance(uuid)['metadata']) == 128


def test_metadata_of_locked_or_busy_server_is_409(cloud):
    uuid = cloud.server()['uuid']
    _meta(cloud, uuid, method='PUT', body={'metadata': {'a': '1'}})
    cloud.action(uuid, {'lock': None})
    status, body = _meta(cloud, uuid, method='POST',
                         body={'metadata': {'b': '2'}})
    assert status == 409
    assert body['conflictingRequest']['message'] == (
        'Instance %s is locked' % uuid)
    assert _meta(cloud, uuid, '/a', method='DELETE')[0] == 409
    # Reading is fine, and admins may change a locked server's metadata.
    assert _meta(cloud, uuid)[1] == {'metadata': {'a': '1'}}
    assert _meta(cloud, uuid, method='POST', body={'metadata': {'b': '2'}},
                 token=ADMIN)[0] == 200
    cloud.action(uuid, {'unlock': None}, token=ADMIN)
    cloud.cell_db.instance_update(uuid,
                                  {'task_state': states.POWERING_OFF})
    status, body = _meta(cloud, uuid, method='PUT',
                         body={'metadata': {}})
    assert status == 409
    assert 'task_state powering-off' in body['conflictingRequest']['message']
    assert cloud.instance(uuid)['metadata'] == {'a': '1', 'b': '2'}

