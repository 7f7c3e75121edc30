"""/v2.0/floatingips (and the empty /v2.0/routers): shapes, association,
who may choose an address, lists, bad input."""

import uuid

import pytest

from nube.api import auth
from nube import context as nube_context
from nube.network.neutron import app as network_app
from tests.unit.network.neutron import ADMIN
from tests.unit.network.neutron import create
from tests.unit.network.neutron import make_caller
from tests.unit.network.neutron import network_with_subnet
import tests.unit.network.neutron as base

# Fixtures shared by the network API tests.
app = base.app
call = base.call
fake_api = base.fake_api
fresh_policy = base.fresh_policy

FIP_KEYS = {
    'id', 'tenant_id', 'project_id', 'floating_ip_address',
    'floating_network_id', 'router_id', 'port_id', 'fixed_ip_address',
    'status', 'description', 'tags', 'created_at', 'updated_at',
    'revision_number'}


@pytest.fixture
def public(call):
    """An admin's external network, 203.0.113.0/24."""
    net, _subnet = network_with_subnet(call, token=ADMIN,
                                       cidr='203.0.113.0/24',
                                       **{'router:external': True})
    return net


@pytest.fixture
def port(call):
    """alice's port on her own network, 10.0.0.x."""
    net, _subnet = network_with_subnet(call)
    return create(call, 'port', network_id=net['id'], device_id='vm-1',
                  device_owner='compute:nova')


def _fip(call, token='alice:p1', **values):
    result = call('POST', '/v2.0/floatingips', token=token,
                  body={'floatingip': values})
    assert result.status == 201, result.raw
    return result.body['floatingip']


def reader_caller(fake_api, project='p1'):
    """Calls as a reader of ``project`` (noauth2 makes members only)."""
    router = network_app.Router(network_app.Dependencies(fake_api))

    def as_reader(environ, start_response):
        environ[auth.ENV_CONTEXT] = nube_context.RequestContext(
            user_id='reader', project_id=project, roles=['reader'])
        return router(environ, start_response)
    return make_caller(network_app.Errors(as_reader))


def test_create_show_associate_disassociate_delete(call, fake_api, public,
                                                   port):
    fip = _fip(call, floating_network_id=public['id'], description='web')
    assert set(fip) == FIP_KEYS
    assert fip['floating_ip_address'].startswith('203.0.113.')
    assert (fip['port_id'], fip['fixed_ip_address'], fip['router_id'],
            fip['status'], fip['project_id']) == (None, None, None, 'DOWN',
                                                  'p1')
    # Nulls on create are no choice: the network API is not told.
    assert ('create_floatingip', {
        'floating_network_id': public['id'], 'description': 'web',
        'tenant_id': 'p1', 'project_id': 'p1'}) in fake_api.calls
    path = '/v2.0/floatingips/' + fip['id']
    assert call('GET', path).body == {'floatingip': fip}
    fixed = port['fixed_ips'][0]['ip_address']
    associated = call('PUT', path, body={'floatingip': {
        'port_id': port['id'].upper(), 'fixed_ip_address': fixed}})
    assert associated.status == 200, associated.raw
    assert fake_api.calls[-1] == ('update_floatingip', {
        'port_id': port['id'], 'fixed_ip_address': fixed})
    assert associated.body['floatingip']['port_id'] == port['id']
    assert associated.body['floatingip']['status'] == 'ACTIVE'
    released = call('PUT', path, body={'floatingip': {'port_id': None}})
    assert released.status == 200
    assert fake_api.calls[-1] == ('update_floatingip', {'port_id': None})
    assert released.body['floatingip']['fixed_ip_address'] is None
    assert call('DELETE', path).status == 204
    missing = call('GET', path)
    assert missing.status == 404
    assert missing.error['type'] == 'FloatingIPNotFound'
    assert call('DELETE', path).status == 404


def test_create_associated(call, public, port):
    fip = _fip(call, floating_network_id=public['id'], port_id=port['id'])
    assert fip['port_id'] == port['id']
    assert fip['fixed_ip_address'] == port['fixed_ips'][0]['ip_address']
    again = call('POST', '/v2.0/floatingips', body={'floatingip': {
        'floating_network_id': public['id'], 'port_id': port['id']}})
    assert again.status == 409
    assert again.error['type'] == 'FloatingIPPortAlreadyAssociated'


def test_bulk_create(call, public):
    made = call('POST', '/v2.0/floatingips', body={'floatingips': [
        {'floating_network_id': public['id']},
        {'floating_network_id': public['id']}]})
    assert made.status == 201
    addresses = [f['floating_ip_address'] for f in made.body['floatingips']]
    assert len(set(addresses)) == 2


def test_only_admins_choose_the_address(call, public):
    body = {'floatingip': {'floating_network_id': public['id'],
                           'floating_ip_address': '203.0.113.50'}}
    refused = call('POST', '/v2.0/floatingips', body=body)
    assert refused.status == 403
    assert refused.error['message'] == \
        '(rule:create_floatingip:floating_ip_address) is disallowed by ' \
        'policy.'
    # A null address is no choice.
    assert _fip(call, floating_network_id=public['id'],
                floating_ip_address=None)
    fip = _fip(call, token=ADMIN, floating_network_id=public['id'],
               floating_ip_address='203.0.113.50', tenant_id='p1')
    assert fip['floating_ip_address'] == '203.0.113.50'
    assert fip['project_id'] == 'p1'
    taken = call('POST', '/v2.0/floatingips', token=ADMIN, body=body)
    assert taken.status == 409
    assert taken.error['type'] == 'IpAddressInUse'


def test_errors_of_the_network_api_pass_through(call, public):
    private = create(call, 'network', name='private')
    result = call('POST', '/v2.0/floatingips', body={'floatingip': {
        'floating_network_id': private['id']}})
    assert result.status == 400
    assert 'is not a valid external network' in result.error['message']
    result = call('POST', '/v2.0/floatingips', body={'floatingip': {
        'floating_network_id': str(uuid.uuid4())}})
    assert result.status == 404
    assert result.error['type'] == 'NetworkNotFound'
    result = call('POST', '/v2.0/floatingips', body={'floatingip': {
        'floating_network_id': public['id'], 'port_id': str(uuid.uuid4())}})
    assert result.status == 404
    assert result.error['type'] == 'PortNotFound'


def test_reader_sees_but_cannot_change(call, fake_api, public):
    fip = _fip(call, floating_network_id=public['id'])
    reader = reader_caller(fake_api)
    listed = reader('GET', '/v2.0/floatingips')
    assert [f['id'] for f in listed.body['floatingips']] == [fip['id']]
    assert reader('GET', '/v2.0/floatingips/' + fip['id']).status == 200
    for method, path, body in (
            ('POST', '/v2.0/floatingips',
             {'floatingip': {'floating_network_id': public['id']}}),
            ('PUT', '/v2.0/floatingips/' + fip['id'],
             {'floatingip': {'description': 'x'}}),
            ('DELETE', '/v2.0/floatingips/' + fip['id'], None)):
        result = reader(method, path, body=body)
        assert result.status == 403, (method, result.raw)
        assert result.error['type'] == 'PolicyNotAuthorized'


def test_other_projects_floating_ips_are_404s(call, public):
    fip = _fip(call, floating_network_id=public['id'])
    path = '/v2.0/floatingips/' + fip['id']
    for method, body in (('GET', None), ('DELETE', None),
                         ('PUT', {'floatingip': {'description': 'x'}})):
        assert call(method, path, token='bob:p2', body=body).status == 404
    assert call('GET', '/v2.0/floatingips', token='bob:p2').body == {
        'floatingips': []}


def test_filters_fields_and_sorting(call, fake_api, public, port):
    one = _fip(call, floating_network_id=public['id'], port_id=port['id'])
    two = _fip(call, floating_network_id=public['id'], description='spare')
    listed = call('GET', '/v2.0/floatingips?port_id=%s&fields=id'
                  '&fields=port_id' % port['id'])
    assert listed.body == {'floatingips': [{'id': one['id'],
                                            'port_id': port['id']}]}
    assert fake_api.calls[-1] == ('list_floatingips',
                                  {'port_id': [port['id']]})
    for query, expected in (
            ('status=DOWN', [two]),
            ('floating_ip_address=%s' % two['floating_ip_address'], [two]),
            ('fixed_ip_address=%s' % one['fixed_ip_address'], [one]),
            ('description=spare', [two]),
            ('floating_network_id=%s' % public['id'], [one, two]),
            ('router_id=%s' % uuid.uuid4(), [])):
        result = call('GET', '/v2.0/floatingips?sort_key=description'
                      '&sort_dir=asc&' + query)
        assert [f['id'] for f in result.body['floatingips']] == \
            [f['id'] for f in expected], query
    page = call('GET', '/v2.0/floatingips?limit=1&sort_key=description'
                '&sort_dir=desc')
    assert [f['id'] for f in page.body['floatingips']] == [two['id']]
    assert page.body['floatingips_links'][0]['rel'] == 'next'
    bad_sort = call('GET', '/v2.0/floatingips?sort_key=tags&sort_dir=asc')
    assert bad_sort.status == 400


@pytest.mark.parametrize('values,message', [
    ({}, "Failed to parse request. Required attribute 'floating_network_id' "
         "not specified"),
    ({'floating_network_id': 'public'},
     "Invalid input for floating_network_id. Reason: 'public' is not a "
     "valid UUID."),
    ({'port_id': 'p'}, 'Invalid input for port_id'),
    ({'port_id': 5}, 'Invalid input for port_id'),
    ({'subnet_id': 'abc'}, 'Invalid input for subnet_id'),
    ({'floating_ip_address': '203.0.113.256'},
     "Invalid input for floating_ip_address. Reason: '203.0.113.256' is not "
     "a valid IP address."),
    ({'floating_ip_address': '2001:db8::5'}, 'IPv6 is not supported by nube'),
    ({'floating_ip_address': ['203.0.113.5']},
     'Invalid input for floating_ip_address'),
    ({'fixed_ip_address': '10.0.0.5/24'},
     'Invalid input for fixed_ip_address'),
    ({'fixed_ip_address': 'x' * 65}, 'exceeds maximum length of 64'),
    ({'description': 'd' * 256}, 'Invalid input for description'),
    ({'tenant_id': 'p1', 'project_id': 'p2'},
     "'project_id' and 'tenant_id' do not match"),
    ({'dns_name': 'www'}, "Unrecognized attribute(s) 'dns_name'"),
    ({'status': 'ACTIVE'}, "Attribute 'status' not allowed in POST"),
    ({'router_id': None}, "Attribute 'router_id' not allowed in POST"),
])
def test_bad_creates(call, fake_api, public, values, message):
    body = dict({'floating_network_id': public['id']}, **values)
    if not values:
        body = {}
    fake_api.calls.clear()
    result = call('POST', '/v2.0/floatingips', token=ADMIN,
                  body={'floatingip': body})
    assert result.status == 400, result.raw
    assert message in result.error['message']
    assert not [c for c in fake_api.calls if c[0].startswith('create')]


@pytest.mark.parametrize('values,message', [
    ({'floating_network_id': str(uuid.uuid4())},
     'Cannot update read-only attribute floating_network_id'),
    ({'floating_ip_address': '203.0.113.9'},
     'Cannot update read-only attribute floating_ip_address'),
    ({'subnet_id': str(uuid.uuid4())},
     'Cannot update read-only attribute subnet_id'),
    ({'port_id': 'nope'}, 'Invalid input for port_id'),
    ({'fixed_ip_address': 10}, 'Invalid input for fixed_ip_address'),
    ({'colour': 'red'}, "Unrecognized attribute(s) 'colour'"),
])
def test_bad_updates(call, public, values, message):
    fip = _fip(call, floating_network_id=public['id'])
    result = call('PUT', '/v2.0/floatingips/' + fip['id'],
                  body={'floatingip': values})
    assert result.status == 400, result.raw
    assert message in result.error['message']


def test_ids_that_are_not_uuids_name_nothing(call):
    result = call('GET', '/v2.0/floatingips/203.0.113.5')
    assert result.status == 404
    assert result.error['type'] == 'FloatingIPNotFound'


def test_routers_are_an_empty_read_only_collection(call):
    assert call('GET', '/v2.0/routers').body == {'routers': []}
    assert call('GET', '/v2.0/routers.json?name=r1').body == {'routers': []}
    one = call('GET', '/v2.0/routers/' + str(uuid.uuid4()))
    assert one.status == 404
    assert one.error['type'] == 'RouterNotFound'
    made = call('POST', '/v2.0/routers', body={'router': {}})
    assert made.status == 405
    assert made.headers['Allow'] == 'GET'
    assert call('GET', '/v2.0/routers', token=None).status == 401


def test_extensions_name_floating_ips_and_security_groups(call):
    for alias, name in (('router', 'Neutron L3 Router'),
                        ('security-group', 'security-group')):
        result = call('GET', '/v2.0/extensions/' + alias)
        assert result.status == 200
        assert result.body['extension']['name'] == name
