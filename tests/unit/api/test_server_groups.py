"""/os-server-groups through the compute API app on a real (SQLite) API
DB: bodies, errors and status codes as Nova answers them up to 2.47."""

import json
import uuid

import pytest
import webob

from nube.api import app as api_app
from nube.compute import server_groups as group_api
from nube.db import migration
from nube.db.api import api as api_db
from nube.db.api import server_groups as groups_db
from nube import exception
from nube import quota
from tests.unit.api import fakes

ADMIN = 'admin:admin-project'
BOB = 'bob:other'


@pytest.fixture
def db(tmp_path):
    database = api_db.ApiDatabase('sqlite:///%s' % (tmp_path / 'api.db'))
    migration.db_sync(database, 'api')
    yield database
    database.dispose()


@pytest.fixture
def gcall(db):
    app = api_app.create_app(compute_api=fakes.FakeComputeAPI(),
                             host_api=fakes.FakeHostAPI(), db=db)

    def _call(method, path='', body=None, token='alice:demo', version=None,
              query=''):
        headers = {'X-Auth-Token': token}
        if version:
            headers['OpenStack-API-Version'] = 'compute %s' % version
        req = webob.Request.blank('/v2.1/os-server-groups' + path + query,
                                  method=method, headers=headers)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        resp = req.get_response(app)
        return resp.status_int, (json.loads(resp.body) if resp.body
                                 else None)

    return _call


def _create(gcall, name='g', policy='anti-affinity', **kwargs):
    return gcall('POST', body={'server_group': {'name': name,
                                                'policies': [policy]}},
                 **kwargs)


def _add_member(db, group_uuid, project_id='demo'):
    """A server in the group (with the instance mapping a boot writes)."""
    group = groups_db.get(db, group_uuid)
    server = str(uuid.uuid4())
    with db.transaction() as conn:
        conn.execute(api_db._MAPPINGS.insert(), {
            'instance_uuid': server, 'project_id': project_id,
            'user_id': 'alice', 'queued_for_delete': False})
        groups_db.add_members(conn, group['id'], [server])
    return server


def test_create_at_2_1_body_and_200(gcall):
    status, body = _create(gcall, name='web')
    assert status == 200
    group = body['server_group']
    assert set(group) == {'id', 'name', 'policies', 'metadata', 'members'}
    assert group['name'] == 'web'
    assert group['policies'] == ['anti-affinity']
    assert group['metadata'] == {}
    assert group['members'] == []
    uuid.UUID(group['id'])


def test_2_13_adds_project_and_user(gcall):
    status, body = _create(gcall, version='2.13')
    assert status == 200
    assert body['server_group']['project_id'] == 'demo'
    assert body['server_group']['user_id'] == 'alice'
    gid = body['server_group']['id']
    status, body = gcall('GET', '/' + gid, version='2.13')
    assert body['server_group']['project_id'] == 'demo'
    status, body = gcall('GET', '/' + gid, version='2.12')
    assert 'project_id' not in body['server_group']


@pytest.mark.parametrize('policy', ['soft-affinity', 'soft-anti-affinity'])
def test_soft_policies_from_2_15(gcall, policy):
    status, body = _create(gcall, policy=policy, version='2.14')
    assert status == 400
    assert 'is not one of' in body['badRequest']['message']
    status, body = _create(gcall, policy=policy, version='2.15')
    assert status == 200
    assert body['server_group']['policies'] == [policy]


@pytest.mark.parametrize('policies', [
    ['affinity', 'anti-affinity'],   # two policies
    ['anti-affinity', 'anti-affinity'],
    ['bogus'],
    [],
    'affinity',
])
def test_bad_policies_are_400(gcall, policies):
    status, body = gcall('POST', body={'server_group': {
        'name': 'g', 'policies': policies}}, version='2.15')
    assert status == 400, body
    assert body['badRequest']['code'] == 400


@pytest.mark.parametrize('group', [
    {'policies': ['affinity']},                     # no name
    {'name': '', 'policies': ['affinity']},
    {'name': 'x' * 256, 'policies': ['affinity']},
    {'name': ' lead', 'policies': ['affinity']},
    {'name': 'g', 'policies': ['affinity'], 'extra': 1},
    {'name': 'g'},
])
def test_bad_bodies_are_400(gcall, group):
    status, body = gcall('POST', body={'server_group': group})
    assert status == 400, body


def test_show_members_and_delete(gcall, db):
    gid = _create(gcall)[1]['server_group']['id']
    servers = [_add_member(db, gid) for _ in range(2)]
    status, body = gcall('GET', '/' + gid)
    assert status == 200
    assert body['server_group']['members'] == servers
    # A member whose server is gone (no mapping) is not shown, as Nova.
    with db.transaction() as conn:
        conn.execute(api_db._MAPPINGS.delete().where(
            api_db._MAPPINGS.c.instance_uuid == servers[0]))
    assert gcall('GET', '/' + gid)[1]['server_group']['members'] == \
        servers[1:]
    status, body = gcall('DELETE', '/' + gid)
    assert (status, body) == (204, None)
    status, body = gcall('GET', '/' + gid)
    assert status == 404
    assert body['itemNotFound']['message'] == (
        'Instance group %s could not be found.' % gid)
    assert gcall('DELETE', '/' + gid)[0] == 404


def test_other_projects_group_is_refused_admin_sees_it(gcall):
    gid = _create(gcall)[1]['server_group']['id']
    status, body = gcall('GET', '/' + gid, token=BOB)
    assert status == 403
    assert gcall('DELETE', '/' + gid, token=BOB)[0] == 403
    assert gcall('GET', '/' + gid, token=ADMIN)[0] == 200
    assert gcall('DELETE', '/' + gid, token=ADMIN)[0] == 204


def test_list_own_project_all_projects_for_admin(gcall):
    mine = [_create(gcall, name='m%d' % i)[1]['server_group']['id']
            for i in range(3)]
    theirs = _create(gcall, name='t', token=BOB)[1]['server_group']['id']
    status, body = gcall('GET')
    assert status == 200
    assert [g['id'] for g in body['server_groups']] == mine
    # all_projects means nothing to a non-admin.
    body = gcall('GET', query='?all_projects=True')[1]
    assert [g['id'] for g in body['server_groups']] == mine
    body = gcall('GET', query='?all_projects=True', token=ADMIN)[1]
    assert [g['id'] for g in body['server_groups']] == mine + [theirs]
    body = gcall('GET', token=ADMIN)[1]
    assert body['server_groups'] == []


def test_list_limit_and_offset(gcall):
    ids = [_create(gcall, name='g%d' % i)[1]['server_group']['id']
           for i in range(5)]
    body = gcall('GET', query='?limit=2')[1]
    assert [g['id'] for g in body['server_groups']] == ids[:2]
    body = gcall('GET', query='?limit=2&offset=3')[1]
    assert [g['id'] for g in body['server_groups']] == ids[3:5]
    body = gcall('GET', query='?offset=4')[1]
    assert [g['id'] for g in body['server_groups']] == ids[4:]
    for bad in ('?limit=x', '?limit=-1', '?offset=-1', '?offset=y'):
        assert gcall('GET', query=bad)[0] == 400, bad


def test_quota_on_groups_is_403(gcall, db):
    quota.update_project(db, 'demo', {'server_groups': 2})
    for i in range(2):
        assert _create(gcall, name='g%d' % i)[0] == 200
    status, body = _create(gcall, name='over')
    assert status == 403
    assert body['forbidden']['message'] == \
        'Quota exceeded, too many server groups.'
    # Another project has its own count.
    assert _create(gcall, token=BOB)[0] == 200
    assert groups_db.count_groups(db, 'demo') == 2


def test_user_quota_on_groups(gcall, db):
    quota.update_project(db, 'demo', {'server_groups': 1}, user_id='alice')
    assert _create(gcall)[0] == 200
    assert _create(gcall)[0] == 403
    assert _create(gcall, token='carol:demo')[0] == 200


def test_quota_recheck_undoes_a_create_that_raced(db, monkeypatch):
    """Two creates both passed the first check: the second count sees
    both and the later one is undone."""
    quota.update_project(db, 'demo', {'server_groups': 1})
    api = group_api.ServerGroupAPI(db)
    ctxt = _Ctxt()
    groups_db.create(db, {'name': 'rival', 'policy': 'affinity',
                          'project_id': 'demo', 'user_id': 'alice'})
    real = api._check_quota
    calls = []

    def first_passes(project_id, user_id, delta):
        calls.append(delta)
        if delta == 1:
            return None
        return real(project_id, user_id, delta)

    monkeypatch.setattr(api, '_check_quota', first_passes)
    with pytest.raises(group_api.GroupQuotaExceeded):
        api.create(ctxt, 'late', 'affinity')
    assert calls == [1, 0]
    assert [g['name'] for g in groups_db.get_all(db, 'demo')] == ['rival']


class _Ctxt:
    project_id = 'demo'
    user_id = 'alice'
    is_admin = False


def test_get_for_build_unknown_or_foreign_group_is_400(db):
    api = group_api.ServerGroupAPI(db)
    with pytest.raises(exception.Invalid) as info:
        api.get_for_build(_Ctxt(), str(uuid.uuid4()))
    assert info.value.code == 400
    foreign = groups_db.create(db, {'name': 'x', 'policy': 'affinity',
                                    'project_id': 'other', 'user_id': 'bob'})
    with pytest.raises(exception.Invalid):
        api.get_for_build(_Ctxt(), foreign['uuid'])
    mine = groups_db.create(db, {'name': 'y', 'policy': 'affinity',
                                 'project_id': 'demo', 'user_id': 'alice'})
    assert group_api.spec_view(api.get_for_build(_Ctxt(), mine['uuid'])) \
        == {'uuid': mine['uuid'], 'id': mine['id'], 'policy': 'affinity',
            'rules': {}}


def test_db_members_hosts_and_removal(db):
    group = groups_db.create(db, {'name': 'g', 'policy': 'anti-affinity',
                                  'project_id': 'demo', 'user_id': 'alice'})
    uuids = [str(uuid.uuid4()) for _ in range(3)]
    with db.transaction() as conn:
        groups_db.add_members(conn, group['id'], uuids)
        assert groups_db.count_members(conn, group['id']) == 3
        assert groups_db.member_hosts(conn, group['id']) == {}
        groups_db.set_member_host(conn, uuids[0], 'h1')
        groups_db.set_member_host(conn, uuids[1], 'h1')
        assert groups_db.lock_group(conn, group['id'])
        assert groups_db.member_hosts(conn, group['id']) == {'h1': 2}
    assert groups_db.group_of_member(db, uuids[2])['uuid'] == group['uuid']
    assert groups_db.remove_member(db, uuids[0])
    assert not groups_db.remove_member(db, uuids[0])
    with db.transaction() as conn:
        assert groups_db.member_hosts(conn, group['id']) == {'h1': 1}
        assert groups_db.count_members(conn, group['id']) == 2
    groups_db.delete(db, group['uuid'])
    with db.transaction() as conn:
        assert groups_db.count_members(conn, group['id']) == 0
        assert not groups_db.lock_group(conn, group['id'])
