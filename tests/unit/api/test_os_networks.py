"""/os-networks through the compute API app and the real network API on a
SQLite API DB and cell DB: Nova's deprecated read proxy (fields per
caller, visibility, 404 from 2.36 on, 410 for the removed writes)."""

import pytest
import webob.exc

from nube.api import app as api_app
from nube.api.handlers import os_networks
from nube.cells import targeting
from nube import context
import nube.conf
from nube.db.api import api as api_db
from nube.db import migration
from nube.network import api as network_api
from nube import policy
from tests.unit.api import test_api_policy as keystone_tests

CONF = nube.conf.CONF
ADMIN = 'admin:admin'
ADMIN_CTXT = context.RequestContext(user_id='admin', project_id='admin',
                                    is_admin=True)
# Nova's body for 410: webob's explanation under computeFault.
GONE = {'computeFault': {'code': 410,
                         'message': webob.exc.HTTPGone.explanation}}

# The keystone-strategy app and its callers (admin, member, reader of
# project-a; a member of project-b).
keystone_app = keystone_tests.keystone_app
request_as = keystone_tests.request_as


class _Casts:
    """Refresh casts recorded, not sent (no nube-network runs here)."""

    def refresh(self, ctxt, network_ids):
        pass


@pytest.fixture
def cell(tmp_path, overrides, cell_db):
    """cell1 mapped in a fresh API DB; its networks made in place."""
    overrides('connection', 'sqlite:///%s' % (tmp_path / 'api.db'),
              group='api_database')
    api_db.reset()
    targeting.reset()
    database = api_db.get_database()
    migration.db_sync(database, 'api')
    cell_url = 'sqlite:///%s' % (tmp_path / 'cell.db')
    database.cell_mapping_create('cell1', 'fake://', cell_url)
    targeting._databases[cell_url] = cell_db
    nets = network_api.CellNetworks(cell_db)
    nets._rpc = _Casts()
    policy.reset()
    yield nets
    policy.reset()
    targeting._databases.pop(cell_url, None)
    targeting.reset()
    api_db.reset()


@pytest.fixture
def app(cell, compute_api, host_api, flavor_db):
    return api_app.create_app(compute_api=compute_api, host_api=host_api,
                              db=flavor_db)


def _network(nets, project, cidr=None, **values):
    ctxt = context.RequestContext(user_id='u-' + project, project_id=project,
                                  is_admin=project == 'admin')
    net = nets.create_network(ctxt, dict({'name': 'net-' + project},
                                         **values))
    if cidr:
        nets.create_subnet(ctxt, {'network_id': net['id'], 'cidr': cidr,
                                  'dns_nameservers': ['192.0.2.53']})
    return net


@pytest.fixture
def networks(cell):
    return {'own': _network(cell, 'demo', '10.1.0.0/24'),
            'shared': _network(cell, 'admin', '10.2.0.0/16', shared=True),
            'other': _network(cell, 'other', '10.3.0.0/24'),
            'bare': _network(cell, 'demo')}


def _by_id(result):
    return {net['id']: net for net in result.body['networks']}


def test_members_see_their_own_and_shared_networks(call, networks):
    result = call('GET', '/v2.1/os-networks')
    assert result.status == 200
    seen = _by_id(result)
    assert set(seen) == {networks[k]['id'] for k in ('own', 'shared',
                                                     'bare')}
    for net in seen.values():
        assert set(net) == set(os_networks.FIELDS)
    assert seen[networks['own']['id']] == {
        'id': networks['own']['id'], 'label': 'net-demo',
        'cidr': '10.1.0.0/24', 'netmask': '255.255.255.0',
        'gateway': '10.1.0.1', 'broadcast': '10.1.0.255',
        'dns1': '192.0.2.53', 'dns2': None, 'cidr_v6': None,
        'gateway_v6': None, 'netmask_v6': None}
    assert seen[networks['shared']['id']]['netmask'] == '255.255.0.0'
    # No subnet: nothing but the id and the label to tell.
    bare = seen[networks['bare']['id']]
    assert bare['label'] == 'net-demo' and bare['cidr'] is None


def test_admins_see_every_network_with_the_admin_fields(call, networks):
    seen = _by_id(call('GET', '/v2.1/os-networks', token=ADMIN))
    assert set(seen) == {net['id'] for net in networks.values()}
    own = seen[networks['own']['id']]
    assert set(own) == set(os_networks.FIELDS + os_networks.ADMIN_FIELDS)
    assert own['project_id'] == 'demo' and own['mtu'] == 1500
    assert own['dhcp_start'] == '10.1.0.2'
    assert own['created_at'] == networks['own']['created_at']
    for unknown in ('vlan', 'bridge', 'multi_host', 'enable_dhcp',
                    'deleted', 'vpn_public_port', 'host'):
        assert own[unknown] is None
    # The types Nova's response schema allows: strings or null, but for
    # two integers.
    for net in seen.values():
        for field, value in net.items():
            allowed = (int,) if field in ('mtu', 'vpn_public_port') else \
                (str,)
            assert value is None or isinstance(value, allowed), field


def test_show_follows_the_network_apis_visibility(call, networks):
    own = call('GET', '/v2.1/os-networks/' + networks['own']['id'])
    assert own.status == 200
    assert own.body['network']['gateway'] == '10.1.0.1'
    assert 'project_id' not in own.body['network']
    shared = call('GET', '/v2.1/os-networks/' + networks['shared']['id'])
    assert shared.status == 200
    not_found = {'itemNotFound': {'code': 404,
                                  'message': 'Network not found'}}
    for net_id in (networks['other']['id'], 'no-such-network'):
        result = call('GET', '/v2.1/os-networks/' + net_id)
        assert (result.status, result.body) == (404, not_found)
    admin = call('GET', '/v2.1/os-networks/' + networks['other']['id'],
                 token=ADMIN)
    assert admin.body['network']['project_id'] == 'other'
    in_path = call('GET', '/v2.1/demo/os-networks/' + networks['own']['id'])
    assert in_path.body == own.body


@pytest.mark.parametrize('path', ['/v2.1/os-networks',
                                  '/v2.1/os-networks/{own}'])
def test_removed_at_2_36(call, networks, path):
    path = path.format(own=networks['own']['id'])
    assert call('GET', path, version='2.35').status == 200
    assert call('GET', path.replace('/v2.1', '/v2')).status == 200
    for version in ('2.36', 'latest'):
        result = call('GET', path, version=version)
        assert result.status == 404
        assert result.body == {'itemNotFound': {
            'code': 404, 'message': 'The resource could not be found.'}}


@pytest.mark.parametrize('method,path,body', [
    ('POST', '/v2.1/os-networks', {'network': {'label': 'new',
                                               'cidr': '10.9.0.0/24'}}),
    ('POST', '/v2.1/os-networks/add', {'id': None}),
    ('DELETE', '/v2.1/os-networks/{own}', None),
] + [('POST', '/v2.1/os-networks/{own}/action', {name: None})
     for name in os_networks.REMOVED_ACTIONS])
@pytest.mark.parametrize('version', ['2.1', '2.36'])
def test_removed_writes_are_gone(call, networks, method, path, body,
                                 version):
    path = path.format(own=networks['own']['id'])
    result = call(method, path, body=body, version=version)
    assert (result.status, result.body) == (410, GONE)
    assert call('GET', '/v2.1/os-networks/' + networks['own']['id']).status \
        == 200


def test_action_bodies_are_read_as_novas(call, networks):
    path = '/v2.1/os-networks/%s/action' % networks['own']['id']
    unknown = call('POST', path, body={'reboot': None})
    assert unknown.status == 400
    assert unknown.body['badRequest']['message'] == \
        'There is no such action: reboot'
    for body in ({}, {'disassociate': None, 'associate_host': 'h'}, []):
        result = call('POST', path, body=body)
        assert result.status == 400
        assert result.body['badRequest']['message'] == \
            'Malformed request body'


@pytest.mark.parametrize('rule,path', [
    ('list', '/v2.1/os-networks'), ('show', '/v2.1/os-networks/{own}')])
def test_policy_decides_who_may_ask(call, networks, monkeypatch, rule,
                                    path):
    path = path.format(own=networks['own']['id'])
    enforcer = policy.init()
    monkeypatch.setitem(enforcer.rules, os_networks.policies.NETWORKS % rule,
                        enforcer.rules['context_is_admin'])
    refused = call('GET', path)
    assert (refused.status, refused.body) == (403, {'forbidden': {
        'code': 403, 'message': "Policy doesn't allow "
        "os_compute_api:os-networks:%s to be performed." % rule}})
    assert call('GET', path, token=ADMIN).status == 200


def test_readers_may_list_by_default(cell, request_as):
    net = _network(cell, keystone_tests.OWN, '10.4.0.0/24')
    status, body = request_as('reader', 'GET', '/v2.1/os-networks')
    assert status == 200
    assert [n['id'] for n in body['networks']] == [net['id']]
    status, _body = request_as('other-member', 'GET',
                               '/v2.1/os-networks/' + net['id'])
    assert status == 404
