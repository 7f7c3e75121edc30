"""Revocation events in the APIs: the real keystonemiddleware answers from
its cache, KeystoneContext refuses what an event revokes; what the
listener keeps, replaces and drops; its start-up."""

import datetime
import json

from keystonemiddleware import auth_token
import pytest
import webob
import webob.dec

from nube.api import auth
from nube.api import revocation
from nube.identity import revoke
from nube import utils
from tests.functional import fixtures

IDENTITY = 'http://identity.invalid:5000'
NOW = utils.utcnow()
ISSUED = NOW - datetime.timedelta(minutes=1)


def _iso(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def token_body(audit_id='audit-1', user_id='user-1', project_id='proj-1',
               issued_at=ISSUED):
    """What nube-identity answers to GET /v3/auth/tokens."""
    domain = {'id': 'default', 'name': 'Default'}
    return {'token': {
        'methods': ['password'], 'audit_ids': [audit_id],
        'user': {'id': user_id, 'name': user_id, 'domain': domain,
                 'password_expires_at': None},
        'project': {'id': project_id, 'name': project_id, 'domain': domain},
        'is_domain': False, 'roles': [{'id': 'r1', 'name': 'member'}],
        'catalog': [], 'issued_at': _iso(issued_at),
        'expires_at': _iso(NOW + datetime.timedelta(hours=1))}}


class Clock:
    def __init__(self):
        self.value = 1000.0

    def __call__(self):
        return self.value


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def revs(clock):
    return revocation.Revocations(clock=clock, retention=10)


@webob.dec.wsgify
def whoami(req):
    ctx = req.environ[auth.ENV_CONTEXT]
    return webob.Response(json={'user': ctx.user_id,
                                'project': ctx.project_id})


@pytest.fixture
def api(revs):
    """The keystone strategy (auth_token + KeystoneContext) over whoami;
    the identity service does not exist: every answer is from the cache.
    """
    auth.set_authtoken_options({
        'www_authenticate_uri': IDENTITY, 'auth_url': IDENTITY + '/v3',
        'auth_type': 'password', 'username': 'nube', 'password': 'pw',
        'project_name': 'service', 'user_domain_name': 'Default',
        'project_domain_name': 'Default', 'token_cache_time': 300})
    app = auth_token.AuthProtocol(auth.KeystoneContext(whoami, revs),
                                  {'oslo_config_config': auth.CONF})
    # keystonemiddleware's own in-memory cache, filled as a validation
    # would fill it.
    app._token_cache.initialize({})

    def cache(token_id, body):
        app._token_cache.set(token_id, body)

    app.cache = cache
    yield app
    for name in ('www_authenticate_uri', 'auth_url', 'auth_type',
                 'username', 'password', 'project_name',
                 'user_domain_name', 'project_domain_name',
                 'token_cache_time'):
        auth.CONF.clear_override(name, group=auth.AUTHTOKEN_GROUP)


def call(app, token_id):
    req = webob.Request.blank('/servers',
                              headers={'X-Auth-Token': token_id})
    return req.get_response(app)


def event(issued_before=ISSUED, **fields):
    return dict(fields, issued_before=_iso(issued_before))


def test_cached_validation_is_refused_once_an_event_arrives(api, revs):
    api.cache('tok-1', token_body())
    api.cache('tok-2', token_body(audit_id='audit-2', user_id='user-2'))
    ok = call(api, 'tok-1')
    assert ok.status_int == 200, ok.text
    assert ok.json == {'user': 'user-1', 'project': 'proj-1'}

    revs.push([event(audit_id='audit-1')])
    refused = call(api, 'tok-1')
    assert refused.status_int == 401
    assert json.loads(refused.body)['error']['code'] == 401
    # One WWW-Authenticate, auth_token's, naming the identity service.
    assert refused.headers.getall('WWW-Authenticate') == [
        'Keystone uri="%s"' % IDENTITY]
    assert call(api, 'tok-2').status_int == 200


@pytest.mark.parametrize('fields', [
    {'user_id': 'user-1'},
    {'user_id': 'user-1', 'project_id': 'proj-1'},
    {'project_id': 'proj-1'},
])
def test_user_role_and_project_events(api, revs, fields):
    api.cache('tok-1', token_body())
    api.cache('tok-new', token_body(audit_id='audit-3',
                                    issued_at=NOW))
    api.cache('tok-other', token_body(audit_id='audit-4', user_id='user-9',
                                      project_id='proj-9'))
    assert call(api, 'tok-1').status_int == 200
    # The event is later than tok-1 and earlier than tok-new.
    revs.push([event(NOW - datetime.timedelta(seconds=1), **fields)])
    assert call(api, 'tok-1').status_int == 401
    assert call(api, 'tok-new').status_int == 200
    assert call(api, 'tok-other').status_int == 200


def test_pushed_events_are_dropped_after_the_retention(revs, clock):
    info = token_body()
    revs.push([event(user_id='user-1'), {'issued_before': 'garbage'},
               {'issued_before': _iso(NOW)}])     # malformed, empty
    assert len(revs) == 1 and revs.is_revoked(info)
    clock.value += 9
    assert revs.prune() == 0
    assert revs.is_revoked(info)
    clock.value += 2
    assert revs.prune() == 1
    assert len(revs) == 0 and not revs.is_revoked(info)


def test_the_list_replaces_listed_and_older_pushed_events(revs, clock):
    user_token = token_body()
    project_token = token_body(audit_id='a5', user_id='user-5',
                               project_id='proj-5')
    revs.push([event(user_id='user-1')])             # received at 1000
    # A list that left before the push cannot have it: both kept.
    revs.replace([event(project_id='proj-5')], started_at=999)
    assert revs.is_revoked(user_token) and revs.is_revoked(project_token)
    # A later list holds everything committed before it: it wins.
    revs.replace([event(project_id='proj-5')], started_at=1001)
    assert not revs.is_revoked(user_token)
    assert revs.is_revoked(project_token)
    revs.replace([], started_at=1002)
    assert len(revs) == 0
    assert revs.listed_at == 1002


def test_listener_lists_once_subscribed(overrides):
    """Some list is fetched after the subscription is in place, so what
    was revoked before it listened is not lost (whichever thread is
    first; with a fast bus the list at start may already be that one)."""
    revs = revocation.Revocations()
    subscribed_at_fetch = []
    listener = None

    def fetch():
        subscribed_at_fetch.append(listener.subscribed.is_set())
        return [event(user_id='user-1')]

    listener = revocation.Listener(revs, 'unit-listener',
                                   transport_url='inproc://', fetch=fetch)
    listener.start()
    try:
        assert listener.subscribed.wait(10)
        fixtures.poll(lambda: True in subscribed_at_fetch, 10,
                      interval=0.01, message='no list once subscribed')
        assert revs.is_revoked(token_body())
    finally:
        listener.stop()


def test_one_listener_per_process_and_the_switch(overrides):
    # No bus and no list: nothing to reach, only the bookkeeping.
    overrides('list_interval', 0, group='revocation')
    first = revocation.start_listener()
    try:
        assert first is not None
        assert first.revocations is revocation.REVOCATIONS
        assert revocation.start_listener() is first     # nube-all's APIs
        revocation.stop_listener()
        assert revocation._listener is first
    finally:
        revocation.stop_listener()
    assert revocation._listener is None
    assert first._stopping.is_set()
    overrides('enabled', False, group='revocation')
    assert revocation.start_listener() is None


def test_the_check_is_a_few_lookups(revs):
    """Thousands of events, none about this token: no time is parsed."""
    revs.push([event(user_id='u%d' % i) for i in range(5000)])
    info = token_body()
    info['token']['issued_at'] = 'not a time'   # parsing it would raise
    assert not revs.is_revoked(info)
    assert revoke.token_keys('a', 'u', 'p') == [
        ('a', None, None), (None, 'u', None), (None, 'u', 'p'),
        (None, None, 'p')]
