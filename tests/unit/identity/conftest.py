"""Fixtures: nube-identity on SQLite with a movable clock, bootstrapped."""

import datetime
import json

import pytest
import webob

from nube.db.identity import api as identity_db
from nube.db import migration
from nube.identity import app as identity_app
from nube.identity import bootstrap
from nube.identity import fernet
from nube.identity import manage


ADMIN_PASSWORD = 'sekrit-admin'


class Clock:
    """A clock tests move by hand instead of sleeping."""

    def __init__(self):
        self.value = datetime.datetime(2030, 1, 1, 12, 0, 0)

    def __call__(self):
        return self.value

    def advance(self, seconds):
        self.value += datetime.timedelta(seconds=seconds)


class Result:
    def __init__(self, response):
        self.response = response
        self.status = response.status_int
        self.headers = response.headers
        self.body = json.loads(response.body) if response.body else None


class Cloud:
    """The app plus shortcuts for requests and tokens."""

    def __init__(self, app, db, keys_path, clock, ids):
        self.app = app
        self.db = db
        self.keys_path = keys_path
        self.clock = clock
        self.ids = ids
        self.deps = app.deps

    def request(self, method, path, body=None, token=None, headers=None):
        req = webob.Request.blank(path, method=method,
                                  base_url='http://id.example:5000')
        if body is not None:
            req.body = (body if isinstance(body, bytes)
                        else json.dumps(body).encode())
            req.content_type = 'application/json'
        if token is not None:
            req.headers['X-Auth-Token'] = token
        for name, value in (headers or {}).items():
            req.headers[name] = value
        return Result(req.get_response(self.app))

    def auth(self, username='admin', password=ADMIN_PASSWORD,
             project='admin', query=''):
        scope = {'project': {'name': project, 'domain': {'id': 'default'}}} \
            if project else None
        body = {'auth': {'identity': {'methods': ['password'], 'password': {
            'user': {'name': username, 'domain': {'name': 'Default'},
                     'password': password}}}}}
        if scope:
            body['auth']['scope'] = scope
        return self.request('POST', '/v3/auth/tokens' + query, body)

    def token(self, *args, **kwargs):
        result = self.auth(*args, **kwargs)
        assert result.status == 201, result.body
        return result.headers['X-Subject-Token']

    def validate(self, subject, caller=None):
        return self.request('GET', '/v3/auth/tokens',
                            token=caller or subject,
                            headers={'X-Subject-Token': subject})

    def make_user(self, name, password, project='demo', role='member'):
        """A user with ``role`` on ``project`` (created when missing)."""
        manager = self.deps.manager
        found = manager.find('project', name=project, domain_id='default')
        project_ref = found or manager.create_project({'name': project})
        user = manager.create_user({'name': name, 'password': password})
        role_ref = manager.find('role', name=role)
        manager.grant(user['id'], project_ref['id'], role_ref['id'])
        return user, project_ref


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def identity_factory(tmp_path, overrides, clock):
    """Build identity apps over one database and key repository."""
    overrides('password_hash_cost', 4, group='identity')
    db = identity_db.IdentityDatabase(
        'sqlite:///%s' % (tmp_path / 'identity.db'))
    migration.db_sync(db, 'identity')
    keys_path = str(tmp_path / 'keys')
    fernet.setup(keys_path)
    ids = bootstrap.bootstrap(
        manage.make_manager(db), ADMIN_PASSWORD,
        urls=bootstrap.default_urls('cloud.example'), report=lambda m: None)

    def make():
        app = identity_app.create_app(
            db=db, keys=fernet.KeyRepository(keys_path), now=clock)
        return Cloud(app, db, keys_path, clock, ids)

    yield make
    db.dispose()


@pytest.fixture
def cloud(identity_factory):
    return identity_factory()
