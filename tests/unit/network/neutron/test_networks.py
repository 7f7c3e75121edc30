"""/v2.0/networks: shapes, policy on attributes, bulk, errors."""

import uuid

import pytest

from tests.unit.network.neutron import ADMIN
from tests.unit.network.neutron import create
import tests.unit.network.neutron as base

# Fixtures shared by the network API tests.
app = base.app
call = base.call
fake_api = base.fake_api
fresh_policy = base.fresh_policy

PROVIDER = ('provider:network_type', 'provider:physical_network',
            'provider:segmentation_id')


def test_create_show_list_update_delete(call, fake_api):
    result = call('POST', '/v2.0/networks',
                  body={'network': {'name': 'net1', 'description': 'd',
                                    'admin_state_up': False, 'mtu': 1400}})
    assert result.status == 201
    net = result.body['network']
    assert net['name'] == 'net1' and net['mtu'] == 1400
    assert net['tenant_id'] == net['project_id'] == 'p1'
    assert net['admin_state_up'] is False
    # Handed to the API with the caller's project filled in.
    assert fake_api.calls[-1] == ('create_network', {
        'name': 'net1', 'description': 'd', 'admin_state_up': False,
        'mtu': 1400, 'tenant_id': 'p1', 'project_id': 'p1'})

    shown = call('GET', '/v2.0/networks/' + net['id'])
    assert shown.status == 200
    assert shown.body['network'] == net

    listed = call('GET', '/v2.0/networks')
    assert listed.status == 200
    assert listed.body == {'networks': [net]}

    updated = call('PUT', '/v2.0/networks/' + net['id'],
                   body={'network': {'name': 'renamed',
                                     'admin_state_up': True}})
    assert updated.status == 200
    assert updated.body['network']['name'] == 'renamed'
    assert fake_api.calls[-1] == ('update_network', {
        'name': 'renamed', 'admin_state_up': True})

    deleted = call('DELETE', '/v2.0/networks/' + net['id'])
    assert deleted.status == 204
    assert deleted.raw == b''
    assert 'Content-Type' not in deleted.headers
    missing = call('GET', '/v2.0/networks/' + net['id'])
    assert missing.status == 404
    assert missing.error['type'] == 'NetworkNotFound'


def test_an_empty_network_body_is_fine(call):
    result = call('POST', '/v2.0/networks', body={'network': {}})
    assert result.status == 201


def test_ids_in_paths_are_case_insensitive(call):
    net = create(call, 'network', name='n')
    assert call('GET', '/v2.0/networks/' + net['id'].upper()).status == 200


def test_provider_attributes_are_for_admins_only(call):
    net = create(call, 'network', name='n')
    for attr in PROVIDER:
        assert attr not in net
        assert attr not in call('GET', '/v2.0/networks/' + net['id']).body[
            'network']
    as_admin = call('GET', '/v2.0/networks/' + net['id'], token=ADMIN)
    for attr in PROVIDER:
        assert attr in as_admin.body['network']
    # fields= cannot bring them back.
    fields = call('GET', '/v2.0/networks/%s?fields=provider:network_type'
                  '&fields=id' % net['id'])
    assert fields.body == {'network': {'id': net['id']}}


@pytest.mark.parametrize('attr,value', [
    ('provider:network_type', 'vlan'),
    ('provider:physical_network', 'physnet1'),
    ('provider:segmentation_id', 10),
    ('shared', True),
    ('router:external', True),
])
def test_admin_only_attributes_on_create(call, attr, value):
    result = call('POST', '/v2.0/networks', body={'network': {attr: value}})
    assert result.status == 403
    assert result.error == {
        'type': 'PolicyNotAuthorized', 'detail': '',
        'message': '(rule:create_network:%s) is disallowed by policy.'
                   % attr}
    assert call('POST', '/v2.0/networks', token=ADMIN,
                body={'network': {attr: value}}).status == 201


def test_defaults_of_shared_and_external_need_no_admin(call):
    result = call('POST', '/v2.0/networks', body={'network': {
        'shared': False, 'router:external': False}})
    assert result.status == 201


@pytest.mark.parametrize('attr', ['shared', 'router:external'])
def test_admin_only_attributes_on_update(call, attr):
    net = create(call, 'network', name='n')
    result = call('PUT', '/v2.0/networks/' + net['id'],
                  body={'network': {attr: False}})
    assert result.status == 403
    assert result.error['message'] == \
        '(rule:update_network:%s) is disallowed by policy.' % attr
    assert call('PUT', '/v2.0/networks/' + net['id'], token=ADMIN,
                body={'network': {attr: True}}).status == 200


def test_project_in_body(call, fake_api):
    other = call('POST', '/v2.0/networks',
                 body={'network': {'tenant_id': 'p2'}})
    assert other.status == 403
    assert other.error['message'] == \
        '(rule:create_network) is disallowed by policy.'
    own = call('POST', '/v2.0/networks', body={'network': {
        'project_id': 'p1', 'tenant_id': 'p1'}})
    assert own.status == 201
    mismatch = call('POST', '/v2.0/networks', token=ADMIN, body={
        'network': {'project_id': 'p1', 'tenant_id': 'p2'}})
    assert mismatch.status == 400
    assert mismatch.error['type'] == 'InvalidInput'
    by_admin = call('POST', '/v2.0/networks', token=ADMIN,
                    body={'network': {'project_id': 'p2'}})
    assert by_admin.status == 201
    assert by_admin.body['network']['tenant_id'] == 'p2'
    assert by_admin.body['network']['project_id'] == 'p2'


def test_other_projects_networks(call):
    private = create(call, 'network', token='bob:p2', name='private')
    shared = create(call, 'network', token=ADMIN, name='shared',
                    shared=True, tenant_id='p2')
    names = {n['name'] for n in call('GET', '/v2.0/networks').body[
        'networks']}
    assert names == {'shared'}
    # Invisible: 404 for show, update and delete alike.
    for method in ('GET', 'PUT', 'DELETE'):
        result = call(method, '/v2.0/networks/' + private['id'],
                      body={'network': {'name': 'x'}} if method == 'PUT'
                      else None)
        assert result.status == 404, method
        assert result.error['type'] == 'NetworkNotFound'
    # Visible but not ours: 403.
    assert call('GET', '/v2.0/networks/' + shared['id']).status == 200
    update = call('PUT', '/v2.0/networks/' + shared['id'],
                  body={'network': {'name': 'x'}})
    assert update.status == 403
    assert update.error['message'] == \
        '(rule:update_network) is disallowed by policy.'
    delete = call('DELETE', '/v2.0/networks/' + shared['id'])
    assert delete.status == 403


def test_in_use_is_a_409_passed_through(call, fake_api):
    net = create(call, 'network', name='n')
    create(call, 'port', network_id=net['id'])
    result = call('DELETE', '/v2.0/networks/' + net['id'])
    assert result.status == 409
    assert result.error['type'] == 'NetworkInUse'
    assert net['id'] in result.error['message']


def test_bulk_create(call):
    result = call('POST', '/v2.0/networks', body={'networks': [
        {'name': 'a'}, {'name': 'b'}]})
    assert result.status == 201
    assert [n['name'] for n in result.body['networks']] == ['a', 'b']
    assert len(call('GET', '/v2.0/networks').body['networks']) == 2


def test_bulk_create_is_all_or_nothing(call, fake_api):
    fake_api.fail_create = 'bad'
    result = call('POST', '/v2.0/networks', body={'networks': [
        {'name': 'a'}, {'name': 'b'}, {'name': 'bad'}, {'name': 'c'}]})
    assert result.status == 409
    assert result.error['type'] == 'VlanIdInUse'
    assert fake_api.networks == {}
    deletes = [c for c in fake_api.calls if c[0] == 'delete_network']
    assert len(deletes) == 2


def test_bulk_create_checks_every_item_before_creating(call, fake_api):
    result = call('POST', '/v2.0/networks', body={'networks': [
        {'name': 'a'}, {'name': 'b', 'shared': True}]})
    assert result.status == 403
    invalid = call('POST', '/v2.0/networks', body={'networks': [
        {'name': 'a'}, {'name': 'b', 'mtu': 1}]})
    assert invalid.status == 400
    assert not [c for c in fake_api.calls if c[0] == 'create_network']


@pytest.mark.parametrize('body,message', [
    ({'networks': []}, 'Resources required'),
    ({'networks': {'name': 'a'}}, 'Resources required'),
    ({'networks': [{}] * 101}, 'At most 100 networks'),
    ({'net': {}}, "Unable to find 'network' in request body"),
    ([], "Unable to find 'network' in request body"),
    ({'network': 'x'}, 'must be a JSON object'),
    ({'network': {'foo': 1, 'bar': 2}}, "Unrecognized attribute(s) "
                                        "'bar, foo'"),
    ({'network': {'status': 'DOWN'}}, "Attribute 'status' not allowed "
                                      "in POST"),
    ({'network': {'id': str(uuid.uuid4())}}, "Attribute 'id' not allowed "
                                             "in POST"),
    ({'network': {'name': 5}}, 'Invalid input for name. Reason: '),
    ({'network': {'admin_state_up': 'yes'}},
     'Invalid input for admin_state_up'),
    ({'network': {'mtu': 67}}, "Invalid input for mtu. Reason: '67' is "
                               "too small - must be at least '68'."),
    ({'network': {'mtu': 9001}}, 'Invalid input for mtu'),
    ({'network': {'description': 'd' * 256}},
     'exceeds maximum length of 255'),
])
def test_bad_create_bodies(call, body, message):
    result = call('POST', '/v2.0/networks', body=body)
    assert result.status == 400, result.raw
    assert message in result.error['message']
    assert result.error['type'] in ('HTTPBadRequest', 'InvalidInput')


@pytest.mark.parametrize('network,message', [
    ({'provider:network_type': 'vxlan'},
     'Invalid input for provider:network_type'),
    ({'provider:segmentation_id': 4095},
     'Invalid input for provider:segmentation_id'),
    ({'provider:segmentation_id': 0},
     'Invalid input for provider:segmentation_id'),
    ({'provider:network_type': 'flat', 'provider:segmentation_id': 5},
     'segmentation_id specified for flat network'),
])
def test_bad_provider_attributes(call, network, message):
    result = call('POST', '/v2.0/networks', token=ADMIN,
                  body={'network': network})
    assert result.status == 400
    assert message in result.error['message']


@pytest.mark.parametrize('network,message', [
    ({'id': str(uuid.uuid4())}, 'Cannot update read-only attribute id'),
    ({'tenant_id': 'p2'}, 'Cannot update read-only attribute tenant_id'),
    ({'provider:network_type': 'vlan'},
     'Cannot update read-only attribute provider:network_type'),
    ({'bogus': 1}, "Unrecognized attribute(s) 'bogus'"),
])
def test_bad_update_bodies(call, network, message):
    net = create(call, 'network', name='n')
    result = call('PUT', '/v2.0/networks/' + net['id'], token=ADMIN,
                  body={'network': network})
    assert result.status == 400
    assert result.error['message'] == message


def test_update_and_delete_of_nothing(call):
    missing = str(uuid.uuid4())
    for method in ('GET', 'PUT', 'DELETE'):
        result = call(method, '/v2.0/networks/' + missing,
                      body={'network': {'name': 'x'}} if method == 'PUT'
                      else None)
        assert result.status == 404
        assert result.error['message'] == \
            'Network %s could not be found.' % missing


def test_names_in_paths_are_404(call):
    create(call, 'network', name='byname')
    result = call('GET', '/v2.0/networks/byname')
    assert result.status == 404
    assert result.error['type'] == 'NetworkNotFound'
