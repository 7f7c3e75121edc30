"""The compute API behind the keystone strategy: contexts from
keystonemiddleware's headers, and the policy applied per endpoint.

keystonemiddleware itself is replaced by a pass-through here (the
functional isolation test runs the real one against nube-identity), except
in the tests that check it refuses requests without a token.
"""

import json

from keystonemiddleware import auth_token
import pytest
import webob

from nube.api import app as api_app
from nube.api import auth
from nube import exception
from nube import policy
from tests.unit.api import fakes

OWN = 'project-a'
OTHER = 'project-b'


class ScopedComputeAPI(fakes.FakeComputeAPI):
    """The fake facade with the real one's visibility: non-admins find
    only their project's servers (404 otherwise)."""

    def _visible(self, ctxt, server_id):
        instance = self.instances.get(server_id)
        if instance is None or (not ctxt.is_admin and
                                instance['project_id'] != ctxt.project_id):
            raise exception.InstanceNotFound(instance_id=server_id)
        return instance

    def get(self, ctxt, server_id):
        self._visible(ctxt, server_id)
        return super().get(ctxt, server_id)

    def update(self, ctxt, server_id, updates):
        self._visible(ctxt, server_id)
        return super().update(ctxt, server_id, updates)

    def delete(self, ctxt, server_id):
        self._visible(ctxt, server_id)
        return super().delete(ctxt, server_id)

    def get_all(self, ctxt, search_opts, **kwargs):
        result = super().get_all(ctxt, search_opts, **kwargs)
        if ctxt.is_admin and search_opts.get('all_tenants'):
            return result
        return [i for i in result if i['project_id'] == ctxt.project_id]

    def _action(self, name, ctxt, server_id):
        self.calls.append((name, server_id))
        self._visible(ctxt, server_id)

    def stop(self, ctxt, server_id):
        self._action('stop', ctxt, server_id)

    def start(self, ctxt, server_id):
        self._action('start', ctxt, server_id)

    def reboot(self, ctxt, server_id, reboot_type):
        self._action('reboot', ctxt, server_id)

    def get_console_output(self, ctxt, server_id, length=None):
        self._action('get_console_output', ctxt, server_id)
        return 'console'


@pytest.fixture
def compute_api():
    return ScopedComputeAPI()


@pytest.fixture
def keystone_app(monkeypatch, overrides, compute_api, host_api, flavor_db):
    """The API with auth_strategy keystone; auth_token passes through."""
    monkeypatch.setattr(auth_token, 'AuthProtocol',
                        lambda app, conf: app)
    overrides('auth_strategy', 'keystone', group='api')
    policy.reset()
    yield api_app.create_app(compute_api=compute_api, host_api=host_api,
                             db=flavor_db)
    policy.reset()


ACTORS = {
    'admin': ('admin', 'admin-project'),
    'member': ('member', OWN),
    'reader': ('reader', OWN),
    'other-member': ('member', OTHER),
}


@pytest.fixture
def request_as(keystone_app):
    def _request(actor, method, path, body=None, version=None):
        role, project = ACTORS[actor]
        headers = {'X-Identity-Status': 'Confirmed',
                   'X-User-Id': 'user-' + actor, 'X-Project-Id': project,
                   'X-Roles': role, 'X-Auth-Token': 'token-of-' + actor}
        if version:
            headers['OpenStack-API-Version'] = 'compute ' + version
        req = webob.Request.blank(path, method=method, headers=headers)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        resp = req.get_response(keystone_app)
        return resp.status_int, (json.loads(resp.body) if resp.body
                                 else None)
    return _request


@pytest.fixture
def server(compute_api):
    return compute_api.add(project_id=OWN, user_id='user-member')


def _forbidden(rule):
    return {'forbidden': {'code': 403, 'message':
                          "Policy doesn't allow %s to be performed." % rule}}


def test_context_comes_from_the_headers(request_as, compute_api, server):
    status, body = request_as('reader', 'GET', '/v2.1/servers/' +
                              server['uuid'])
    assert status == 200
    assert body['server']['id'] == server['uuid']
    # Readers are no admins: no host attributes.
    assert 'OS-EXT-SRV-ATTR:host' not in body['server']
    status, body = request_as('admin', 'GET',
                              '/v2.1/servers/' + server['uuid'])
    assert body['server']['OS-EXT-SRV-ATTR:host'] == 'compute1'


def test_unconfirmed_identity_is_401(keystone_app):
    req = webob.Request.blank('/v2.1/servers', headers={
        'X-Identity-Status': 'Invalid', 'X-User-Id': 'u',
        'X-Project-Id': OWN, 'X-Roles': 'admin'})
    resp = req.get_response(keystone_app)
    assert resp.status_int == 401
    assert resp.json['error']['code'] == 401


def test_unscoped_token_is_403(keystone_app):
    req = webob.Request.blank('/v2.1/servers', headers={
        'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u',
        'X-Roles': ''})
    resp = req.get_response(keystone_app)
    assert resp.status_int == 403
    assert resp.json['forbidden']['code'] == 403


@pytest.mark.parametrize('method,suffix,body,rule', [
    ('DELETE', '', None, 'os_compute_api:servers:delete'),
    ('PUT', '', {'server': {'name': 'x'}}, 'os_compute_api:servers:update'),
    ('POST', '/action', {'os-stop': None}, 'os_compute_api:servers:stop'),
    ('POST', '/action', {'os-start': None}, 'os_compute_api:servers:start'),
    ('POST', '/action', {'reboot': {'type': 'HARD'}},
     'os_compute_api:servers:reboot'),
    ('POST', '/action', {'os-getConsoleOutput': {}},
     'os_compute_api:os-console-output'),
])
def test_readers_may_not_change_servers(request_as, compute_api, server,
                                        method, suffix, body, rule):
    path = '/v2.1/servers/%s%s' % (server['uuid'], suffix)
    assert request_as('reader', method, path, body) == (403,
                                                        _forbidden(rule))
    # Another project's member and reader do not even find it (Nova: 404).
    status, error = request_as('other-member', method, path, body)
    assert status == 404
    assert error['itemNotFound']['code'] == 404
    assert server['uuid'] in compute_api.instances
    status, _body = request_as('member', method, path, body)
    assert status in (200, 202, 204)


def test_admin_acts_on_any_project(request_as, compute_api, server):
    status, _body = request_as('admin', 'POST', '/v2.1/servers/%s/action'
                               % server['uuid'], {'os-stop': None})
    assert status == 202
    status, _body = request_as('admin', 'DELETE',
                               '/v2.1/servers/' + server['uuid'])
    assert status == 204
    assert server['uuid'] not in compute_api.instances


def test_other_project_cannot_see_a_server(request_as, server):
    status, body = request_as('other-member', 'GET',
                              '/v2.1/servers/' + server['uuid'])
    assert status == 404
    for path in ('/v2.1/servers', '/v2.1/servers/detail'):
        status, body = request_as('other-member', 'GET', path)
        assert status == 200
        assert body['servers'] == []


def test_create_needs_a_member(request_as, compute_api):
    body = {'server': {'name': 'vm', 'imageRef': fakes.IMAGE,
                       'flavorRef': '42', 'networks': 'none'}}
    assert request_as('reader', 'POST', '/v2.1/servers', body,
                      version='2.37') == (
        403, _forbidden('os_compute_api:servers:create'))
    status, created = request_as('member', 'POST', '/v2.1/servers', body,
                                 version='2.37')
    assert status == 202
    forced = {'server': dict(body['server'],
                             availability_zone='nova:compute1')}
    assert request_as('member', 'POST', '/v2.1/servers', forced,
                      version='2.37') == (
        403, _forbidden('os_compute_api:servers:create:forced_host'))


@pytest.mark.parametrize('path,rule', [
    ('/v2.1/servers?all_tenants=1',
     'os_compute_api:servers:index:get_all_tenants'),
    ('/v2.1/servers/detail?all_tenants=true',
     'os_compute_api:servers:detail:get_all_tenants'),
    ('/v2.1/os-services', 'os_compute_api:os-services:list'),
    ('/v2.1/os-hypervisors', 'os_compute_api:os-hypervisors:list'),
    ('/v2.1/os-hypervisors/detail',
     'os_compute_api:os-hypervisors:list-detail'),
    ('/v2.1/os-hypervisors/statistics',
     'os_compute_api:os-hypervisors:statistics'),
    ('/v2.1/os-hypervisors/1', 'os_compute_api:os-hypervisors:show'),
    ('/v2.1/os-hypervisors/compute/search',
     'os_compute_api:os-hypervisors:search'),
    ('/v2.1/os-hypervisors/compute/servers',
     'os_compute_api:os-hypervisors:servers'),
    ('/v2.1/os-availability-zone/detail',
     'os_compute_api:os-availability-zone:detail'),
    ('/v2.1/limits?tenant_id=' + OWN, 'os_compute_api:limits:other_project'),
])
def test_admin_only_reads(request_as, path, rule):
    for actor in ('member', 'reader'):
        assert request_as(actor, 'GET', path) == (403, _forbidden(rule))
    status, _body = request_as('admin', 'GET', path)
    assert status == 200


def test_all_tenants_lists_every_project_for_admins(request_as, compute_api,
                                                    server):
    compute_api.add(project_id=OTHER)
    status, body = request_as('admin', 'GET', '/v2.1/servers?all_tenants=1')
    assert len(body['servers']) == 2
    status, body = request_as('member', 'GET', '/v2.1/servers')
    assert [s['id'] for s in body['servers']] == [server['uuid']]


def test_admin_filters_are_dropped_for_users(request_as, compute_api):
    request_as('member', 'GET', '/v2.1/servers?host=compute1')
    assert 'host' not in compute_api.last('get_all')[1]['search_opts']
    request_as('admin', 'GET', '/v2.1/servers?host=compute1')
    assert compute_api.last('get_all')[1]['search_opts']['host'] == \
        'compute1'
    status, _body = request_as('reader', 'GET',
                               '/v2.1/servers?sort_key=host')
    assert status == 403


def test_flavors(request_as, flavor_db):
    body = {'flavor': {'name': 'f', 'ram': 64, 'vcpus': 1, 'disk': 1,
                       'id': 'f1'}}
    for actor in ('member', 'reader'):
        assert request_as(actor, 'POST', '/v2.1/flavors', body) == (
            403, _forbidden('os_compute_api:os-flavor-manage:create'))
        assert request_as(actor, 'DELETE', '/v2.1/flavors/42') == (
            403, _forbidden('os_compute_api:os-flavor-manage:delete'))
        status, listed = request_as(actor, 'GET', '/v2.1/flavors')
        assert status == 200 and listed['flavors']
        status, specs = request_as(actor, 'GET',
                                   '/v2.1/flavors/42/os-extra_specs')
        assert status == 200
        assert request_as(actor, 'POST', '/v2.1/flavors/42/os-extra_specs',
                          {'extra_specs': {'k': 'v'}}) == (
            403, _forbidden('os_compute_api:os-flavor-extra-specs:create'))
    assert request_as('admin', 'POST', '/v2.1/flavors', body)[0] == 200
    assert request_as('admin', 'DELETE', '/v2.1/flavors/f1')[0] == 202
    assert 'f1' not in flavor_db.flavors


def test_limits_and_zones_for_everyone(request_as):
    for actor in ('member', 'reader', 'admin'):
        assert request_as(actor, 'GET', '/v2.1/limits')[0] == 200
        assert request_as(actor, 'GET', '/v2.1/os-availability-zone')[0] \
            == 200


def test_policy_file_can_open_an_admin_endpoint(request_as, monkeypatch):
    enforcer = policy.init()
    monkeypatch.setitem(enforcer.rules, 'os_compute_api:os-services:list',
                        enforcer.rules['project_reader_or_admin'])
    assert request_as('reader', 'GET', '/v2.1/os-services')[0] == 200


# -- the real auth_token in front ---------------------------------------------

@pytest.fixture
def real_keystone_app(overrides, compute_api, host_api, flavor_db):
    overrides('auth_strategy', 'keystone', group='api')
    auth.set_authtoken_options({
        'www_authenticate_uri': 'http://identity.invalid:5000',
        'auth_url': 'http://identity.invalid:5000/v3',
        'auth_type': 'password', 'username': 'nube', 'password': 'pw',
        'project_name': 'service', 'user_domain_name': 'Default',
        'project_domain_name': 'Default'})
    yield api_app.create_app(compute_api=compute_api, host_api=host_api,
                             db=flavor_db)
    for name in ('www_authenticate_uri', 'auth_url', 'auth_type',
                 'username', 'password', 'project_name',
                 'user_domain_name', 'project_domain_name'):
        auth.CONF.clear_override(name, group=auth.AUTHTOKEN_GROUP)


def test_auth_token_refuses_requests_without_token(real_keystone_app,
                                                   compute_api):
    # Identity headers a client sends are stripped, never trusted.
    req = webob.Request.blank('/v2.1/servers', headers={
        'X-User-Id': 'admin', 'X-Project-Id': OWN, 'X-Roles': 'admin',
        'X-Identity-Status': 'Confirmed'})
    resp = req.get_response(real_keystone_app)
    assert resp.status_int == 401
    assert resp.headers['WWW-Authenticate'] == \
        'Keystone uri="http://identity.invalid:5000"'
    assert compute_api.calls == []
    # Version documents stay public, as in Nova.
    assert webob.Request.blank('/v2.1').get_response(
        real_keystone_app).status_int == 200
