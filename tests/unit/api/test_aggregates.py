"""/os-aggregates through the compute API app on real SQLite databases:
an API DB and two cells, Nova's bodies and errors."""

import json
import uuid

import pytest
import webob

from nube.api import app as api_app
from nube.cells import targeting
from nube.compute import host_api as host_api_mod
from nube.compute import states
from nube.db import migration
from nube.db.api import aggregates as aggregates_db
from nube.db.api import api as api_db
from tests.unit.api import fakes

ADMIN = 'admin:admin-project'


@pytest.fixture
def cloud(tmp_path):
    """API DB; cell1 knows host1 (mapped) and busy1 (mapped, one server);
    cell2 knows host2 only by its compute service (not mapped)."""
    db = api_db.ApiDatabase('sqlite:///%s' % (tmp_path / 'api.db'))
    migration.db_sync(db, 'api')
    cells = {}
    for name in ('cell1', 'cell2'):
        url = 'sqlite:///%s' % (tmp_path / (name + '.db'))
        cells[name] = db.cell_mapping_create(name, 'fake:///', url)
        migration.db_sync(targeting.cell_database(cells[name]), 'cell')
    cell1 = targeting.cell_database(cells['cell1'])
    cell2 = targeting.cell_database(cells['cell2'])
    for host in ('host1', 'busy1'):
        cell1.service_heartbeat(host, 'nube-compute', topic='compute')
        db.host_mapping_create(host, cells['cell1']['id'])
    cell2.service_heartbeat('host2', 'nube-compute', topic='compute')
    cell1.instance_create({
        'uuid': str(uuid.uuid4()), 'project_id': 'p', 'user_id': 'u',
        'display_name': 'vm', 'host': 'busy1', 'node': 'busy1',
        'vm_state': states.ACTIVE, 'memory_mb': 1, 'vcpus': 1,
        'root_gb': 0, 'ephemeral_gb': 0})
    yield db
    for cell in cells.values():
        targeting.cell_database(cell).dispose()
    targeting.reset()
    db.dispose()


@pytest.fixture
def acall(cloud):
    app = api_app.create_app(compute_api=fakes.FakeComputeAPI(),
                             host_api=fakes.FakeHostAPI(), db=cloud)

    def _call(method, path, body=None, token=ADMIN, version=None,
              prefix='/v2.1'):
        headers = {'X-Auth-Token': token}
        if version:
            headers['OpenStack-API-Version'] = 'compute %s' % version
        req = webob.Request.blank(prefix + '/os-aggregates' + path,
                                  method=method, headers=headers)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        resp = req.get_response(app)
        return resp.status_int, (json.loads(resp.body) if resp.body
                                 else None)

    return _call


def _create(acall, name='agg1', zone=None):
    body = {'aggregate': {'name': name}}
    if zone is not None:
        body['aggregate']['availability_zone'] = zone
    status, result = acall('POST', '', body)
    assert status == 200, result
    return result['aggregate']


def _action(acall, agg_id, name, **args):
    return acall('POST', '/%s/action' % agg_id, {name: args})


def test_create_show_list_with_nova_fields(acall):
    created = _create(acall, zone='az1')
    assert set(created) == {'availability_zone', 'created_at', 'deleted',
                            'deleted_at', 'id', 'name', 'updated_at'}
    assert created['availability_zone'] == 'az1'
    assert created['deleted'] is False
    status, shown = acall('GET', '/%s' % created['id'])
    assert status == 200
    assert shown['aggregate']['hosts'] == []
    assert shown['aggregate']['metadata'] == {'availability_zone': 'az1'}
    assert 'uuid' not in shown['aggregate']
    status, listed = acall('GET', '', version='2.41')
    assert [a['name'] for a in listed['aggregates']] == ['agg1']
    assert uuid.UUID(listed['aggregates'][0]['uuid'])


def test_create_answers_uuid_from_2_41(acall):
    status, body = acall('POST', '', {'aggregate': {'name': 'a'}},
                         version='2.41')
    assert status == 200 and uuid.UUID(body['aggregate']['uuid'])


def test_duplicate_name_is_409(acall):
    _create(acall)
    status, body = acall('POST', '', {'aggregate': {'name': 'agg1'}})
    assert status == 409
    assert body['conflictingRequest']['message'] == \
        'Aggregate agg1 already exists.'


@pytest.mark.parametrize('body', [
    {'aggregate': {'name': 'a', 'availability_zone': 'a:b'}},
    {'aggregate': {'name': ''}},
    {'aggregate': {'name': 'x' * 256}},
    {'aggregate': {'name': ' lead'}},
    {'aggregate': {'name': 'a', 'extra': 1}},
    {'aggregate': {'availability_zone': 'z'}},
    {},
])
def test_create_bad_bodies_are_400(acall, body):
    status, _body = acall('POST', '', body)
    assert status == 400


def test_legacy_v2_strips_names(acall):
    status, body = acall('POST', '', {'aggregate': {
        'name': ' spaced ', 'availability_zone': ' z1 '}}, prefix='/v2')
    assert status == 200, body
    assert body['aggregate']['name'] == 'spaced'
    assert body['aggregate']['availability_zone'] == 'z1'


def test_non_admin_is_403(acall):
    status, body = acall('GET', '', token='alice:demo')
    assert status == 403
    status, body = acall('POST', '', {'aggregate': {'name': 'a'}},
                         token='alice:demo')
    assert status == 403


def test_unknown_and_malformed_ids(acall):
    assert acall('GET', '/999')[0] == 404
    status, body = acall('GET', '/abc')
    assert status == 400
    assert 'id must be an integer' in body['badRequest']['message']
    assert acall('DELETE', '/99999999999')[0] == 404


def test_update_name_and_zone(acall):
    agg = _create(acall, zone='az1')
    _create(acall, name='other')
    status, body = acall('PUT', '/%s' % agg['id'],
                         {'aggregate': {'name': 'renamed',
                                        'availability_zone': 'az2'}})
    assert status == 200
    assert body['aggregate']['name'] == 'renamed'
    assert body['aggregate']['availability_zone'] == 'az2'
    assert body['aggregate']['updated_at'] is not None
    status, body = acall('PUT', '/%s' % agg['id'],
                         {'aggregate': {'name': 'other'}})
    assert status == 409
    status, body = acall('PUT', '/%s' % agg['id'], {'aggregate': {}})
    assert status == 400
    status, body = acall('PUT', '/%s' % agg['id'],
                         {'aggregate': {'availability_zone': None}})
    assert status == 400
    assert 'does not support empty named availability zone' in \
        body['badRequest']['message']


def test_add_and_remove_hosts_of_two_cells(acall, cloud):
    agg = _create(acall, zone='az1')
    status, body = _action(acall, agg['id'], 'add_host', host='host1')
    assert status == 200
    status, body = _action(acall, agg['id'], 'add_host', host='host2')
    assert status == 200
    assert body['aggregate']['hosts'] == ['host1', 'host2']
    status, body = _action(acall, agg['id'], 'add_host', host='host1')
    assert status == 409
    assert body['conflictingRequest']['message'] == \
        'Aggregate %s already has host host1.' % agg['id']
    status, body = _action(acall, agg['id'], 'add_host', host='nohost')
    assert status == 404
    assert body['itemNotFound']['message'] == \
        'Compute host nohost could not be found.'
    status, body = _action(acall, agg['id'], 'remove_host', host='host2')
    assert status == 200 and body['aggregate']['hosts'] == ['host1']
    status, body = _action(acall, agg['id'], 'remove_host', host='host2')
    assert status == 404
    assert body['itemNotFound']['message'] == \
        'Cannot remove host host2 in aggregate %s' % agg['id']
    assert _action(acall, 999, 'add_host', host='host1')[0] == 404


def test_host_cannot_be_in_two_zones(acall):
    one = _create(acall, name='one', zone='az1')
    two = _create(acall, name='two', zone='az2')
    plain = _create(acall, name='plain')
    assert _action(acall, one['id'], 'add_host', host='host1')[0] == 200
    status, body = _action(acall, two['id'], 'add_host', host='host1')
    assert status == 409
    assert body['conflictingRequest']['message'] == (
        "Cannot add host to aggregate %s. Reason: One or more hosts already "
        "in availability zone(s) ['az1']." % two['id'])
    # No zone, or the same zone: fine.
    assert _action(acall, plain['id'], 'add_host', host='host1')[0] == 200
    same = _create(acall, name='same', zone='az1')
    assert _action(acall, same['id'], 'add_host', host='host1')[0] == 200
    # Giving 'plain' another zone now conflicts, by update and metadata.
    status, body = acall('PUT', '/%s' % plain['id'],
                         {'aggregate': {'availability_zone': 'az3'}})
    assert status == 400
    assert 'already in availability zone(s)' in \
        body['badRequest']['message']
    status, body = _action(acall, plain['id'], 'set_metadata',
                           metadata={'availability_zone': 'az3'})
    assert status == 400
    assert body['badRequest']['message'].startswith(
        'Cannot update metadata of aggregate %s.' % plain['id'])


def test_hosts_with_servers_keep_their_zone(acall):
    agg = _create(acall, zone='az1')
    status, body = _action(acall, agg['id'], 'add_host', host='busy1')
    assert status == 409
    assert "would change from 'None' to 'az1'" in \
        body['conflictingRequest']['message']
    plain = _create(acall, name='plain')
    assert _action(acall, plain['id'], 'add_host', host='busy1')[0] == 200
    status, body = _action(acall, plain['id'], 'set_metadata',
                           metadata={'availability_zone': 'az9'})
    assert status == 400
    assert 'One or more hosts contain instances in this zone' in \
        body['badRequest']['message']
    assert _action(acall, plain['id'], 'remove_host',
                   host='busy1')[0] == 200


def test_set_metadata_merges_and_null_deletes(acall):
    agg = _create(acall)
    status, body = _action(acall, agg['id'], 'set_metadata',
                           metadata={'ssd': 'true', 'gpu': '2'})
    assert status == 200
    assert body['aggregate']['metadata'] == {'ssd': 'true', 'gpu': '2'}
    status, body = _action(acall, agg['id'], 'set_metadata',
                           metadata={'ssd': None, 'gpu': '4',
                                     'missing': None})
    assert body['aggregate']['metadata'] == {'gpu': '4'}
    status, body = _action(acall, agg['id'], 'set_metadata',
                           metadata={'availability_zone': 'az5'})
    assert body['aggregate']['availability_zone'] == 'az5'
    too_many = {'k%d' % i: 'v' for i in range(1000)}
    assert _action(acall, agg['id'], 'set_metadata',
                   metadata=too_many)[0] == 400
    assert _action(acall, agg['id'], 'set_metadata',
                   metadata={'bad/key': 'v'})[0] == 400


def test_actions_malformed(acall):
    agg = _create(acall)
    path = '/%s/action' % agg['id']
    assert acall('POST', path, {'nope': {}})[1]['badRequest'][
        'message'] == 'There is no such action: nope'
    assert acall('POST', path, {'add_host': {}, 'remove_host': {}})[0] == 400
    assert acall('POST', path, {'add_host': {'host': 'a b'}})[0] == 400


def test_delete_refuses_hosts(acall):
    agg = _create(acall)
    _action(acall, agg['id'], 'add_host', host='host1')
    status, body = acall('DELETE', '/%s' % agg['id'])
    assert status == 400
    assert body['badRequest']['message'] == (
        'Cannot remove host from aggregate %s. Reason: Host aggregate is '
        'not empty.' % agg['id'])
    _action(acall, agg['id'], 'remove_host', host='host1')
    status, body = acall('DELETE', '/%s' % agg['id'])
    assert (status, body) == (200, None)
    assert acall('GET', '/%s' % agg['id'])[0] == 404


def test_availability_zones_follow_aggregates(acall, cloud, monkeypatch):
    monkeypatch.setattr(api_db, 'get_database', lambda: cloud)
    agg = _create(acall, zone='az1')
    _action(acall, agg['id'], 'add_host', host='host2')
    zones = {z['name']: sorted(z['hosts'])
             for z in host_api_mod.HostAPI().availability_zones(None)}
    assert zones['az1'] == ['host2']
    assert 'host2' not in zones.get('nova', [])
    assert 'host1' in zones['nova']
    assert cloud.aggregate_host_metadata() == {
        'host2': [{'availability_zone': 'az1'}]}
    assert aggregates_db.host_zones(cloud) == {'host2': {'az1'}}
