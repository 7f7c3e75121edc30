"""Revocation on user disable, password change, deletion and unassignment,
across processes through the DB, and validation without DB queries; the
index the APIs share, GET /v3/OS-REVOKE/events, and events over the bus."""

import contextlib
import datetime

import pytest
import sqlalchemy as sa

from nube.api import revocation as api_revocation
from nube.identity import password as passwords
from nube.identity import revoke
from nube.identity import revoke_notifier
from tests.functional import fixtures


@contextlib.contextmanager
def count_queries(db):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, 'before_cursor_execute', record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, 'before_cursor_execute', record)


def _admin_patch(cloud, user_id, values):
    return cloud.request('PATCH', '/v3/users/%s' % user_id,
                         {'user': values}, token=cloud.token())


def test_disabling_a_user_revokes_their_tokens(cloud):
    user, _ = cloud.make_user('hal', 'pw-hal')
    token = cloud.token('hal', 'pw-hal', project='demo')
    assert _admin_patch(cloud, user['id'], {'enabled': False}).status == 200
    assert cloud.validate(token, caller=cloud.token()).status == 404
    assert cloud.auth('hal', 'pw-hal', project='demo').status == 401
    # Enabled again: old tokens stay revoked, new ones work.
    _admin_patch(cloud, user['id'], {'enabled': True})
    cloud.clock.advance(0.001)
    assert cloud.validate(token, caller=cloud.token()).status == 404
    assert cloud.validate(cloud.token('hal', 'pw-hal',
                                      project='demo')).status == 200


def test_admin_password_change_revokes(cloud):
    user, _ = cloud.make_user('ivy', 'pw-ivy')
    token = cloud.token('ivy', 'pw-ivy', project='demo')
    assert _admin_patch(cloud, user['id'], {'password': 'new'}).status == 200
    assert cloud.validate(token, caller=cloud.token()).status == 404
    assert cloud.auth('ivy', 'pw-ivy', project='demo').status == 401
    cloud.clock.advance(0.001)
    fresh = cloud.token('ivy', 'new', project='demo')
    assert cloud.validate(fresh).status == 200


def test_self_service_password_change(cloud):
    user, _ = cloud.make_user('jon', 'pw-jon')
    token = cloud.token('jon', 'pw-jon', project='demo')
    path = '/v3/users/%s/password' % user['id']
    wrong = cloud.request('POST', path, {'user': {
        'original_password': 'guess', 'password': 'x'}})
    assert wrong.status == 401
    assert cloud.validate(token).status == 200
    done = cloud.request('POST', path, {'user': {
        'original_password': 'pw-jon', 'password': 'pw-jon-2'}})
    assert done.status == 204
    assert cloud.validate(token, caller=cloud.token()).status == 404
    cloud.clock.advance(0.001)
    assert cloud.validate(cloud.token('jon', 'pw-jon-2',
                                      project='demo')).status == 200
    stored = cloud.db.get('user', user['id'])['password_hash']
    assert passwords.check_password('pw-jon-2', stored)


def test_deleting_user_or_project_revokes(cloud):
    user, project = cloud.make_user('kim', 'pw-kim', project='kp')
    token = cloud.token('kim', 'pw-kim', project='kp')
    admin = cloud.token()
    assert cloud.request('DELETE', '/v3/projects/%s' % project['id'],
                         token=admin).status == 204
    assert cloud.validate(token, caller=admin).status == 404
    user2, _ = cloud.make_user('lou', 'pw-lou')
    token2 = cloud.token('lou', 'pw-lou', project='demo')
    assert cloud.request('DELETE', '/v3/users/%s' % user2['id'],
                         token=admin).status == 204
    assert cloud.validate(token2, caller=admin).status == 404


def test_removing_the_role_revokes_that_project_only(cloud):
    user, demo = cloud.make_user('max', 'pw-max')
    manager = cloud.deps.manager
    other = manager.create_project({'name': 'other'})
    member = cloud.ids['role_ids']['member']
    manager.grant(user['id'], other['id'], member)
    on_demo = cloud.token('max', 'pw-max', project='demo')
    on_other = cloud.token('max', 'pw-max', project='other')
    admin = cloud.token()
    path = '/v3/projects/%s/users/%s/roles/%s' % (demo['id'], user['id'],
                                                  member)
    assert cloud.request('DELETE', path, token=admin).status == 204
    assert cloud.validate(on_demo, caller=admin).status == 404
    assert cloud.validate(on_other, caller=admin).status == 200


def test_other_process_applies_events_after_refresh(identity_factory,
                                                    overrides):
    """Process B learns of A's revocation at its next reload, and
    validates without touching the database in between."""
    overrides('revocation_refresh_interval', 5, group='identity')
    a = identity_factory()
    b = identity_factory()
    token = a.token()
    assert b.validate(token).status == 200       # warms B's caches
    with count_queries(b.db) as statements:
        for _ in range(3):
            assert b.validate(token).status == 200
    assert statements == []

    assert a.request('DELETE', '/v3/auth/tokens', token=token,
                     headers={'X-Subject-Token': token}).status == 204
    assert a.validate(token, caller=a.token()).status == 404
    a.clock.advance(4)
    assert b.validate(token).status == 200       # not reloaded yet
    a.clock.advance(1)
    with count_queries(b.db) as statements:
        # The caller is the revoked token itself: 401.
        assert b.validate(token).status == 401
    assert any('revocation_events' in s for s in statements)


def test_role_lookups_are_cached_for_cache_time(identity_factory,
                                                overrides):
    overrides('cache_time', 30, group='identity')
    overrides('revocation_refresh_interval', 3600, group='identity')
    a = identity_factory()
    b = identity_factory()
    user, project = a.make_user('ned', 'pw-ned')
    token = a.token('ned', 'pw-ned', project='demo')
    assert [r['name'] for r in b.validate(token).body['token']['roles']] \
        == ['member']
    a.deps.manager.grant(user['id'], project['id'],
                         a.ids['role_ids']['reader'])
    # A sees its own change at once; B within cache_time.
    assert len(a.validate(token).body['token']['roles']) == 2
    assert len(b.validate(token).body['token']['roles']) == 1
    b.clock.advance(30)
    assert len(b.validate(token).body['token']['roles']) == 2


def test_old_events_are_pruned(cloud, overrides):
    overrides('token_expiration', 60, group='identity')
    overrides('allow_expired_window', 0, group='identity')
    user, _ = cloud.make_user('oli', 'pw-oli')
    cloud.deps.revocations.revoke(user_id=user['id'])
    assert len(cloud.db.revocation_list()) == 1
    cloud.clock.advance(120)
    cloud.deps.revocations.revoke(audit_id='x' * 22)
    assert [e['audit_id'] for e in cloud.db.revocation_list()] == ['x' * 22]


# -- the index both identity and the APIs match tokens with ----------------

T0 = datetime.datetime(2030, 1, 1, 12, 0, 0)


def _index(*events):
    index = {}
    for event in events:
        revoke.merge(index, dict({'audit_id': None, 'user_id': None,
                                  'project_id': None}, **event))
    return index


@pytest.mark.parametrize('event, token, revoked', [
    ({'audit_id': 'a1'}, ('a1', 'u1', 'p1'), True),
    ({'audit_id': 'a1'}, ('a2', 'u1', 'p1'), False),
    ({'user_id': 'u1'}, ('a1', 'u1', 'p1'), True),
    ({'user_id': 'u1'}, ('a1', 'u1', None), True),
    ({'user_id': 'u1'}, ('a1', 'u2', 'p1'), False),
    ({'user_id': 'u1', 'project_id': 'p1'}, ('a1', 'u1', 'p1'), True),
    ({'user_id': 'u1', 'project_id': 'p1'}, ('a1', 'u1', 'p2'), False),
    ({'user_id': 'u1', 'project_id': 'p1'}, ('a1', 'u2', 'p1'), False),
    ({'user_id': 'u1', 'project_id': 'p1'}, ('a1', 'u1', None), False),
    ({'project_id': 'p1'}, ('a1', 'u2', 'p1'), True),
    ({'project_id': 'p1'}, ('a1', 'u2', None), False),
])
def test_matching_by_each_kind_of_event(event, token, revoked):
    index = _index(dict(event, issued_before=T0))
    assert revoke.matches(index, *token, issued_at=T0) is revoked
    # Tokens issued after the event are never revoked by it.
    later = T0 + datetime.timedelta(microseconds=1)
    assert revoke.matches(index, *token, issued_at=later) is False


def test_index_keeps_the_latest_event_per_key_and_parses_lazily():
    index = _index({'user_id': 'u1', 'issued_before': T0},
                   {'user_id': 'u1',
                    'issued_before': T0 - datetime.timedelta(hours=1)})
    assert index == {(None, 'u1', None): T0}
    assert not revoke.merge(index, {'issued_before': T0})   # names nothing
    asked = []

    def issued_at():
        asked.append(1)
        return T0

    assert not revoke.matches(index, 'a9', 'u9', 'p9', issued_at)
    assert asked == []          # no key matched: no time was parsed
    assert revoke.matches(index, 'a9', 'u1', 'p9', issued_at)
    assert asked == [1]


def test_wire_format_round_trip():
    event = {'audit_id': None, 'user_id': 'u1', 'project_id': 'p1',
             'issued_before': T0.replace(microsecond=123456)}
    wire = revoke.to_wire(event)
    assert wire == {'user_id': 'u1', 'project_id': 'p1',
                    'issued_before': '2030-01-01T12:00:00.123456Z'}
    assert revoke.from_wire(wire) == event
    assert revoke.parse_time('2030-01-01T13:00:00+01:00') == T0
    with pytest.raises(ValueError):
        revoke.from_wire({'issued_before': 'yesterday'})


# -- GET /v3/OS-REVOKE/events and the bus ---------------------------------

def test_os_revoke_events_lists_for_admins_and_services(cloud):
    user, demo = cloud.make_user('pia', 'pw-pia')
    token = cloud.token('pia', 'pw-pia', project='demo')
    admin = cloud.token()
    assert cloud.request('DELETE', '/v3/auth/tokens', token=token,
                         headers={'X-Subject-Token': token}).status == 204
    cloud.deps.manager.ungrant(user['id'], demo['id'],
                               cloud.ids['role_ids']['member'])
    listed = cloud.request('GET', '/v3/OS-REVOKE/events', token=admin)
    assert listed.status == 200
    events = listed.body['events']
    audit_id = cloud.validate(admin).body['token']['audit_ids'][0]
    assert audit_id not in [e.get('audit_id') for e in events]
    assert {'user_id': user['id'], 'project_id': demo['id']} in [
        {k: v for k, v in e.items() if k != 'issued_before'}
        for e in events]
    assert len([e for e in events if 'audit_id' in e]) == 1
    other, _ = cloud.make_user('quin', 'pw-quin')
    member = cloud.token('quin', 'pw-quin', project='demo')
    assert cloud.request('GET', '/v3/OS-REVOKE/events',
                         token=member).status == 403
    assert cloud.request('GET', '/v3/OS-REVOKE/events').status == 401


@pytest.fixture
def bus_listeners():
    """Start API-side listeners on the in-process bus; stopped after."""
    started = []

    def start(name, fetch=None):
        revs = api_revocation.Revocations()
        listener = api_revocation.Listener(revs, name, transport_url=BUS,
                                           fetch=fetch)
        listener.start()
        started.append(listener)
        assert listener.subscribed.wait(10)
        return revs, listener

    yield start
    for listener in started:
        listener.stop()


BUS = 'inproc://'


def test_every_revocation_reaches_every_listener_over_the_bus(
        cloud, bus_listeners, overrides):
    """identity -> fanout cast -> each API process's index, for each kind
    of revocation; the index then refuses the validation keystonemiddleware
    cached (the body of GET /v3/auth/tokens)."""
    overrides('list_interval', 0, group='revocation')     # the bus alone
    cloud.deps.revocations.publisher = revoke_notifier.Publisher(BUS)
    first, _ = bus_listeners('unit-api-1')
    second, _ = bus_listeners('unit-image-api-1')
    admin = cloud.token()
    manager = cloud.deps.manager

    def cached(name):
        user, project = cloud.make_user(name, 'pw-' + name, project=name)
        token = cloud.token(name, 'pw-' + name, project=name)
        info = cloud.validate(token, caller=admin).body
        assert not first.is_revoked(info)
        return user, project, token, info

    def wait_refused(info):
        for revs in (first, second):
            fixtures.poll(lambda: revs.is_revoked(info), 10,
                          interval=0.01, message='event never arrived')

    user, project, token, info = cached('tok')
    cloud.request('DELETE', '/v3/auth/tokens', token=token,
                  headers={'X-Subject-Token': token})
    wait_refused(info)
    user, project, token, info = cached('dis')
    manager.update_user(user['id'], {'enabled': False})
    wait_refused(info)
    user, project, token, info = cached('gone')
    manager.delete_user(user['id'])
    wait_refused(info)
    user, project, token, info = cached('role')
    manager.ungrant(user['id'], project['id'],
                    cloud.ids['role_ids']['member'])
    wait_refused(info)
    user, project, token, info = cached('proj')
    manager.update_project(project['id'], {'enabled': False})
    wait_refused(info)
    # Tokens nobody revoked stay good.
    assert not first.is_revoked(cloud.validate(admin).body)
    assert cloud.deps.revocations.publisher.sent >= 1


def test_a_listener_lists_what_it_missed(cloud, bus_listeners):
    """Revoked while no API listened: the list fetched at start has it."""
    user, _ = cloud.make_user('rex', 'pw-rex')
    token = cloud.token('rex', 'pw-rex', project='demo')
    admin = cloud.token()
    info = cloud.validate(token, caller=admin).body
    cloud.deps.manager.update_user(user['id'], {'enabled': False})

    def fetch():
        result = cloud.request('GET', '/v3/OS-REVOKE/events', token=admin)
        assert result.status == 200
        return result.body['events']

    revs, listener = bus_listeners('unit-late-api', fetch=fetch)
    fixtures.poll(lambda: listener.lists, 10, interval=0.01)
    assert revs.is_revoked(info)
    assert not revs.is_revoked(cloud.validate(admin).body)
