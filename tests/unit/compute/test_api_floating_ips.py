"""os-floating-ip-pools, os-floating-ips and the addFloatingIp and
removeFloatingIp actions through the HTTP app, the real facade and the
real network API on SQLite (the cloud of test_api_actions): addresses
are allocated from an external network, associated with a server's
port (its addresses show them) and released again."""

import json

from keystonemiddleware import auth_token
import pytest
import webob

from nube.api import app as api_app
from nube import context
from nube.network import api as network_api
from nube import policy
from tests.unit.compute import test_api_actions
from tests.unit.conductor import fakes

cloud = test_api_actions.cloud
HOST = test_api_actions.HOST

ADMIN = context.RequestContext(user_id='admin', project_id='admin',
                               is_admin=True)
P1 = context.RequestContext(user_id='u1', project_id='p1')
PUBLIC_CIDR = '203.0.113.0/29'   # five addresses: .2 to .6


def call(cloud, method, path, body=None, token='u1:p1', version=None,
         app=None, headers=None):
    """(status, JSON body or None) of a /v2.1 request at ``version``."""
    all_headers = dict(headers or {})
    if token is not None:
        all_headers['X-Auth-Token'] = token
    if version is not None:
        all_headers['OpenStack-API-Version'] = 'compute %s' % version
    req = webob.Request.blank('/v2.1' + path, method=method,
                              headers=all_headers)
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = 'application/json'
    response = req.get_response(app or cloud.app)
    return response.status_int, (json.loads(response.body)
                                 if response.body else None)


def action(cloud, server_id, body, **kwargs):
    return call(cloud, 'POST', '/servers/%s/action' % server_id, body,
                **kwargs)


@pytest.fixture
def networks(cloud):
    """An external network 'public' (the pool) and p1's 'private'."""
    api = network_api.API()
    public = api.create_network(ADMIN, {'name': 'public',
                                        'router:external': True})
    api.create_subnet(ADMIN, {'network_id': public['id'],
                              'cidr': PUBLIC_CIDR})
    private = api.create_network(P1, {'name': 'private'})
    api.create_subnet(P1, {'network_id': private['id'],
                           'cidr': '10.70.0.0/24'})
    return {'public': public, 'private': private}


def server_on(cloud, net_id):
    """An ACTIVE server of p1 on HOST with a port on ``net_id`` (its
    build allocates the port through the conductor)."""
    requested = [{'uuid': net_id}]
    node = cloud.cell_db.compute_nodes_get_by_host(HOST)[0]
    inst = fakes.claim_instance(cloud.cell_db, node,
                                requested_networks=requested)
    cloud.api_db.build_create([{'instance': inst, 'spec': {}}])
    assert cloud.api_db.build_request_complete(inst['uuid'],
                                               cloud.cell['id'])
    cloud.manager.build_and_run_instance(
        P1, inst, {'requested_networks': requested}, [])
    cloud.wait()
    built = cloud.cell_db.instance_get(inst['uuid'])
    assert built['vm_state'] == 'active' and built['fixed_ips']
    return built


@pytest.fixture
def keystone(cloud, monkeypatch, overrides):
    """request(role, method, path, body=None, version=None) with the
    keystone strategy: callers of project p1 with exactly that role."""
    monkeypatch.setattr(auth_token, 'AuthProtocol', lambda app, conf: app)
    overrides('auth_strategy', 'keystone', group='api')
    policy.reset()
    app = api_app.create_app(compute_api=cloud.facade, db=cloud.api_db)

    def request(role, method, path, body=None, version=None):
        headers = {'X-Identity-Status': 'Confirmed',
                   'X-User-Id': 'u1', 'X-Project-Id': 'p1',
                   'X-Roles': role}
        return call(cloud, method, path, body, token='token-' + role,
                    version=version, app=app, headers=headers)
    yield request
    policy.reset()


def _allocate(cloud, pool='public', **kwargs):
    status, body = call(cloud, 'POST', '/os-floating-ips', {'pool': pool},
                        **kwargs)
    assert status == 200, body
    return body['floating_ip']


# -- pools and allocation -----------------------------------------------------

def test_pools_are_the_external_networks(cloud, networks):
    status, body = call(cloud, 'GET', '/os-floating-ip-pools')
    assert (status, body) == (200, {'floating_ip_pools': [
        {'name': 'public'}]})


def test_allocate_show_list_release(cloud, networks):
    fip = _allocate(cloud)
    assert fip == {'id': fip['id'], 'ip': '203.0.113.2', 'pool': 'public',
                   'fixed_ip': None, 'instance_id': None}
    assert call(cloud, 'GET', '/os-floating-ips/' + fip['id']) == (
        200, {'floating_ip': fip})
    assert call(cloud, 'GET', '/os-floating-ips') == (
        200, {'floating_ips': [fip]})
    # Another project sees neither the address nor the list entry.
    status, body = call(cloud, 'GET', '/os-floating-ips/' + fip['id'],
                        token='u2:p2')
    assert (status, body['itemNotFound']['message']) == (
        404, 'Floating IP not found for ID %s' % fip['id'])
    assert call(cloud, 'GET', '/os-floating-ips', token='u2:p2') == (
        200, {'floating_ips': []})
    assert call(cloud, 'DELETE', '/os-floating-ips/' + fip['id']) == (
        202, None)
    status, body = call(cloud, 'GET', '/os-floating-ips/' + fip['id'])
    assert status == 404
    assert call(cloud, 'DELETE', '/os-floating-ips/' + fip['id'])[0] == 404
    # The address is free again.
    assert _allocate(cloud)['ip'] == '203.0.113.2'


@pytest.mark.parametrize('body', [None, {}, {'pool': None}])
def test_allocate_without_a_pool_takes_the_first(cloud, networks, body):
    status, result = call(cloud, 'POST', '/os-floating-ips', body)
    assert status == 200, result
    assert result['floating_ip']['pool'] == 'public'


def test_pool_by_id_and_unknown_pool(cloud, networks):
    assert _allocate(cloud, pool=networks['public']['id'])['pool'] == \
        'public'
    for pool in ('nope', 'private', networks['private']['id']):
        status, body = call(cloud, 'POST', '/os-floating-ips',
                            {'pool': pool})
        assert (status, body) == (404, {'itemNotFound': {
            'code': 404, 'message': 'Floating IP pool not found.'}})


def test_no_pool_at_all_is_404(cloud):
    status, body = call(cloud, 'POST', '/os-floating-ips', None)
    assert status == 404
    assert body['itemNotFound']['message'] == 'Floating IP pool not found.'


def test_over_quota_is_403(cloud, networks, overrides):
    overrides('floating_ips', 1, group='quota')
    _allocate(cloud)
    status, body = call(cloud, 'POST', '/os-floating-ips',
                        {'pool': 'public'})
    assert (status, body) == (403, {'forbidden': {
        'code': 403, 'message': 'IP allocation over quota in pool '
                                'public.'}})
    status, body = call(cloud, 'POST', '/os-floating-ips')
    assert (status, body['forbidden']['message']) == (
        403, 'IP allocation over quota.')


def test_exhausted_pool_is_404(cloud, networks, overrides):
    overrides('floating_ips', -1, group='quota')
    ips = [_allocate(cloud)['ip'] for _ in range(5)]
    assert ips == ['203.0.113.%d' % n for n in range(2, 7)]
    status, body = call(cloud, 'POST', '/os-floating-ips',
                        {'pool': 'public'})
    assert (status, body['itemNotFound']['message']) == (
        404, 'No more floating IPs in pool public.')


def test_bad_allocate_bodies_are_400(cloud, networks):
    for body in ({'pool': 5}, {'pool': 'p' * 256}, {'pool': ['public']},
                 [], 'public'):
        status, result = call(cloud, 'POST', '/os-floating-ips', body)
        assert (status, list(result)) == (400, ['badRequest']), body
    assert call(cloud, 'GET', '/os-floating-ips')[1] == {'floating_ips': []}


def test_unknown_ids_are_404(cloud, networks):
    for fip_id in ('nope', 'f' * 300, '0' * 36):
        for method in ('GET', 'DELETE'):
            status, body = call(cloud, method, '/os-floating-ips/' + fip_id)
            assert (status, body['itemNotFound']['message']) == (
                404, 'Floating IP not found for ID %s' % fip_id)


# -- association --------------------------------------------------------------

def test_associate_shows_in_addresses_and_disassociate_removes(cloud,
                                                               networks):
    server = server_on(cloud, networks['private']['id'])
    uuid = server['uuid']
    fixed = server['fixed_ips'][0]
    fip = _allocate(cloud)
    assert action(cloud, uuid, {'addFloatingIp': {
        'address': fip['ip']}}) == (202, None)
    status, body = call(cloud, 'GET', '/servers/' + uuid)
    assert status == 200
    assert body['server']['addresses'] == {'private': [
        {'version': 4, 'addr': fixed['address'], 'OS-EXT-IPS:type': 'fixed',
         'OS-EXT-IPS-MAC:mac_addr': fixed['mac']},
        {'version': 4, 'addr': fip['ip'], 'OS-EXT-IPS:type': 'floating',
         'OS-EXT-IPS-MAC:mac_addr': fixed['mac']}]}
    # The list shows it too (the cell's bulk join).
    detail = call(cloud, 'GET', '/servers/detail')[1]['servers']
    assert detail[0]['addresses'] == body['server']['addresses']
    shown = call(cloud, 'GET', '/os-floating-ips/' + fip['id'])[1]
    assert shown['floating_ip'] == dict(fip, fixed_ip=fixed['address'],
                                        instance_id=uuid)

    assert action(cloud, uuid, {'removeFloatingIp': {
        'address': fip['ip']}}) == (202, None)
    body = call(cloud, 'GET', '/servers/' + uuid)[1]
    assert [a['OS-EXT-IPS:type'] for a in
            body['server']['addresses']['private']] == ['fixed']
    shown = call(cloud, 'GET', '/os-floating-ips/' + fip['id'])[1]
    assert shown['floating_ip'] == fip
    # Not associated (any more): Nova's 409.
    status, body = action(cloud, uuid, {'removeFloatingIp': {
        'address': fip['ip']}})
    assert (status, body['conflictingRequest']['message']) == (
        409, 'Floating IP %s is not associated with instance %s.' % (
            fip['ip'], uuid))


def test_associate_with_the_fixed_address_named(cloud, networks):
    server = server_on(cloud, networks['private']['id'])
    fixed = server['fixed_ips'][0]['address']
    fip = _allocate(cloud)
    assert action(cloud, server['uuid'], {'addFloatingIp': {
        'address': fip['ip'], 'fixed_address': fixed}})[0] == 202
    status, body = action(cloud, server['uuid'], {'addFloatingIp': {
        'address': fip['ip'], 'fixed_address': '10.70.0.99'}})
    assert (status, body['badRequest']['message']) == (
        400, 'Specified fixed address not assigned to instance')


def test_releasing_an_associated_address_disassociates_it(cloud, networks):
    server = server_on(cloud, networks['private']['id'])
    fip = _allocate(cloud)
    action(cloud, server['uuid'], {'addFloatingIp': {'address': fip['ip']}})
    assert call(cloud, 'DELETE', '/os-floating-ips/' + fip['id'])[0] == 202
    addresses = call(cloud, 'GET', '/servers/' + server['uuid'])[1][
        'server']['addresses']
    assert len(addresses['private']) == 1


def test_associate_errors(cloud, networks):
    server = server_on(cloud, networks['private']['id'])
    status, body = action(cloud, server['uuid'], {'addFloatingIp': {
        'address': '203.0.113.5'}})
    assert (status, body) == (404, {'itemNotFound': {
        'code': 404, 'message': 'floating IP not found'}})
    # Another project's address is not found either.
    other = _allocate(cloud, token='u2:p2')
    status, body = action(cloud, server['uuid'], {'addFloatingIp': {
        'address': other['ip']}})
    assert status == 404
    # A server without a port has nothing to translate to.
    bare = cloud.server()
    fip = _allocate(cloud)
    status, body = action(cloud, bare['uuid'], {'addFloatingIp': {
        'address': fip['ip']}})
    assert (status, body['badRequest']['message']) == (
        400, 'No fixed IPs associated to instance')
    status, body = action(cloud, bare['uuid'], {'removeFloatingIp': {
        'address': '203.0.113.6'}})
    assert (status, body['itemNotFound']['message']) == (
        404, 'floating IP not found')
    # Someone else's server is not found.
    status, body = action(cloud, server['uuid'], {'addFloatingIp': {
        'address': other['ip']}}, token='u2:p2')
    assert status == 404 and 'itemNotFound' in body


BAD_ACTION_BODIES = [
    {'addFloatingIp': {}},
    {'addFloatingIp': None},
    {'addFloatingIp': {'address': 'nope'}},
    {'addFloatingIp': {'address': 5}},
    {'addFloatingIp': {'address': '203.0.113.2', 'fixed_address': 'x'}},
    {'addFloatingIp': {'address': '203.0.113.2', 'other': 1}},
    {'addFloatingIp': {'address': '1' * 100}},
    {'removeFloatingIp': {}},
    {'removeFloatingIp': {'address': '203.0.113'}},
    {'removeFloatingIp': {'address': '203.0.113.2', 'x': 1}},
]


def test_bad_action_bodies_are_400(cloud, networks):
    server = server_on(cloud, networks['private']['id'])
    for body in BAD_ACTION_BODIES:
        status, result = action(cloud, server['uuid'], body)
        assert (status, list(result)) == (400, ['badRequest']), body


# -- microversions and policy -------------------------------------------------

def test_proxies_are_gone_from_2_36(cloud, networks):
    fip = _allocate(cloud)
    for method, path, body in (
            ('GET', '/os-floating-ip-pools', None),
            ('GET', '/os-floating-ips', None),
            ('POST', '/os-floating-ips', {'pool': 'public'}),
            ('GET', '/os-floating-ips/' + fip['id'], None),
            ('DELETE', '/os-floating-ips/' + fip['id'], None)):
        for version in ('2.36', '2.47'):
            status, result = call(cloud, method, path, body,
                                  version=version)
            assert (status, result) == (404, {'itemNotFound': {
                'code': 404, 'message': 'The resource could not be '
                                        'found.'}}), (method, path)
        assert call(cloud, method, path, body, version='2.35')[0] in (
            200, 202), (method, path)


def test_actions_are_gone_from_2_44(cloud, networks):
    server = server_on(cloud, networks['private']['id'])
    fip = _allocate(cloud)
    add = {'addFloatingIp': {'address': fip['ip']}}
    remove = {'removeFloatingIp': {'address': fip['ip']}}
    for body in (add, remove, {'addFloatingIp': None}):
        status, result = action(cloud, server['uuid'], body, version='2.44')
        assert status == 404, result
    assert action(cloud, server['uuid'], add, version='2.43')[0] == 202
    assert action(cloud, server['uuid'], remove, version='2.43')[0] == 202


def test_readers_list_but_may_not_allocate_or_associate(cloud, networks,
                                                        keystone):
    server = server_on(cloud, networks['private']['id'])
    fip = _allocate(cloud)
    assert keystone('reader', 'GET', '/os-floating-ip-pools')[0] == 200
    status, body = keystone('reader', 'GET', '/os-floating-ips')
    assert (status, [f['id'] for f in body['floating_ips']]) == (
        200, [fip['id']])
    assert keystone('reader', 'GET',
                    '/os-floating-ips/' + fip['id'])[0] == 200
    for method, path, body, rule in (
            ('POST', '/os-floating-ips', {'pool': 'public'}, 'create'),
            ('DELETE', '/os-floating-ips/' + fip['id'], None, 'delete'),
            ('POST', '/servers/%s/action' % server['uuid'],
             {'addFloatingIp': {'address': fip['ip']}}, 'add'),
            ('POST', '/servers/%s/action' % server['uuid'],
             {'removeFloatingIp': {'address': fip['ip']}}, 'remove')):
        status, result = keystone('reader', method, path, body)
        assert (status, result) == (403, {'forbidden': {
            'code': 403, 'message': "Policy doesn't allow "
            "os_compute_api:os-floating-ips:%s to be performed." % rule}})
    assert keystone('member', 'POST', '/servers/%s/action' % server['uuid'],
                    {'addFloatingIp': {'address': fip['ip']}})[0] == 202
