"""Revocation on user disable, password change, deletion and unassignment,
across processes through the DB, and validation without DB queries."""

import contextlib

import sqlalchemy as sa

from nube.identity import password as passwords


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
