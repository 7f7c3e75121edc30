"""Lists: filters, fields=, sorting, limit/marker/page_reverse, links."""

from urllib import parse as urlparse
import uuid

import pytest

from tests.unit.network.neutron import ADMIN
from tests.unit.network.neutron import create
from tests.unit.network.neutron import network_with_subnet
import tests.unit.network.neutron as base

# Fixtures shared by the network API tests.
app = base.app
call = base.call
fake_api = base.fake_api
fresh_policy = base.fresh_policy


@pytest.fixture
def five(call):
    """Networks n0..n4 (ids in creation order are random)."""
    return [create(call, 'network', name='n%d' % i, mtu=1400 + i % 2)
            for i in range(5)]


def _names(result):
    assert result.status == 200, result.raw
    return [n['name'] for n in result.body['networks']]


def _last_filters(fake_api, verb='list_networks'):
    return [c for c in fake_api.calls if c[0] == verb][-1][1]


def _query(href):
    return urlparse.parse_qs(urlparse.urlsplit(href).query)


def test_fields_keeps_only_the_named(call, five):
    result = call('GET', '/v2.0/networks?fields=name&fields=mtu')
    assert result.body['networks'][0].keys() == {'name', 'mtu'}
    nothing = call('GET', '/v2.0/networks?fields=nosuchfield')
    assert nothing.body['networks'] == [{}] * 5
    shown = call('GET', '/v2.0/networks/%s?fields=id&fields=nope'
                 % five[0]['id'])
    assert shown.body == {'network': {'id': five[0]['id']}}


def test_sorting(call, five):
    assert _names(call('GET', '/v2.0/networks?sort_key=name&sort_dir=asc')
                  ) == ['n0', 'n1', 'n2', 'n3', 'n4']
    assert _names(call('GET', '/v2.0/networks?sort_key=name&sort_dir=desc')
                  ) == ['n4', 'n3', 'n2', 'n1', 'n0']
    assert _names(call('GET', '/v2.0/networks?sort_key=mtu&sort_dir=desc'
                       '&sort_key=name&sort_dir=asc')) == \
        ['n1', 'n3', 'n0', 'n2', 'n4']


def test_default_order_is_by_id(call, five):
    ids = [n['id'] for n in call('GET', '/v2.0/networks').body['networks']]
    assert ids == sorted(n['id'] for n in five)


@pytest.mark.parametrize('query,message', [
    ('sort_key=name', 'The number of sort_keys and sort_dirs must be same'),
    ('sort_dir=asc', 'The number of sort_keys and sort_dirs must be same'),
    ('sort_key=bogus&sort_dir=asc', "['bogus'] is invalid attribute for "
                                    "sort_keys"),
    ('sort_key=subnets&sort_dir=asc', 'is invalid attribute for sort_keys'),
    ('sort_key=provider:network_type&sort_dir=asc',
     'is invalid attribute for sort_keys'),
    ('sort_key=name&sort_dir=up', "['up'] is invalid value for sort_dirs, "
                                  "valid value is 'asc' and 'desc'"),
])
def test_bad_sorting(call, five, query, message):
    result = call('GET', '/v2.0/networks?' + query)
    assert result.status == 400
    assert message in result.error['message']


def test_limit_marker_and_links(call, five):
    page1 = call('GET', '/v2.0/networks?limit=2&sort_key=name&sort_dir=asc')
    assert _names(page1) == ['n0', 'n1']
    links = {link['rel']: link['href']
             for link in page1.body['networks_links']}
    assert set(links) == {'next', 'previous'}
    assert links['next'].startswith('http://localhost/v2.0/networks?')
    following = _query(links['next'])
    assert following['marker'] == [five[1]['id']]
    assert following['limit'] == ['2']
    assert following['sort_key'] == ['name']
    assert 'page_reverse' not in following
    assert _query(links['previous'])['page_reverse'] == ['True']
    assert _query(links['previous'])['marker'] == [five[0]['id']]

    path = links['next'][len('http://localhost'):]
    page2 = call('GET', path)
    assert _names(page2) == ['n2', 'n3']
    page3 = call('GET', [link['href'] for link in page2.body[
        'networks_links'] if link['rel'] == 'next'][0][len(
            'http://localhost'):])
    assert _names(page3) == ['n4']
    # The short last page: no next link, but a previous one.
    assert [link['rel'] for link in page3.body['networks_links']] == \
        ['previous']


def test_page_reverse(call, five):
    result = call('GET', '/v2.0/networks?limit=2&sort_key=name&sort_dir=asc'
                  '&marker=%s&page_reverse=True' % five[3]['id'])
    assert _names(result) == ['n1', 'n2']
    rels = [link['rel'] for link in result.body['networks_links']]
    assert rels == ['next', 'previous']
    start = call('GET', '/v2.0/networks?limit=2&sort_key=name&sort_dir=asc'
                 '&marker=%s&page_reverse=true' % five[1]['id'])
    assert _names(start) == ['n0']
    assert [link['rel'] for link in start.body['networks_links']] == \
        ['next']


def test_marker_filtered_out_still_places_the_page(call, five):
    result = call('GET', '/v2.0/networks?limit=5&sort_key=name&sort_dir=asc'
                  '&mtu=1400&marker=%s' % five[1]['id'])
    assert _names(result) == ['n2', 'n4']


def test_unknown_markers_are_404(call, five):
    for marker in (str(uuid.uuid4()), 'not-an-id'):
        result = call('GET', '/v2.0/networks?limit=1&marker=' + marker)
        assert result.status == 404
        assert result.error['type'] == 'NetworkNotFound'


def test_an_invisible_marker_is_404(call, five):
    other = create(call, 'network', token='bob:p2', name='x')
    result = call('GET', '/v2.0/networks?marker=' + other['id'])
    assert result.status == 404


@pytest.mark.parametrize('limit', ['-1', 'abc', '1.5', '1e3', 'x' * 5000,
                                   '9' * 5000])
def test_bad_limits(call, limit):
    result = call('GET', '/v2.0/networks?limit=' + limit)
    assert result.status == 400
    assert result.error['message'].startswith('Bad limit request: Limit '
                                              'must be an integer 0 or '
                                              'greater')
    assert len(result.error['message']) < 200


def test_limit_is_cut_to_max_page_size(call, five, overrides):
    overrides('max_page_size', 3, group='network_api')
    big = call('GET', '/v2.0/networks?limit=99999999999999999999')
    assert len(big.body['networks']) == 3
    assert {link['rel'] for link in big.body['networks_links']} == \
        {'next', 'previous'}
    # No limit asked: the page is max_page_size long, with a way on.
    unasked = call('GET', '/v2.0/networks')
    assert len(unasked.body['networks']) == 3
    assert [link['rel'] for link in unasked.body['networks_links']] == \
        ['next']
    rest = call('GET', unasked.body['networks_links'][0]['href'][
        len('http://localhost'):])
    assert len(rest.body['networks']) == 2
    assert 'networks_links' not in rest.body


def test_no_links_when_everything_fits(call, five):
    result = call('GET', '/v2.0/networks')
    assert 'networks_links' not in result.body
    zero = call('GET', '/v2.0/networks?limit=0')
    assert len(zero.body['networks']) == 5
    assert 'networks_links' not in zero.body


def test_filters_reach_the_api_as_neutron_values(call, fake_api, five):
    call('GET', '/v2.0/networks?name=n1&name=n2&shared=false'
                '&admin_state_up=1&router:external=False&mtu=1400'
                '&unknown=1&name=&fields=id&limit=3')
    assert _last_filters(fake_api) == {
        'name': ['n1', 'n2'], 'shared': [False], 'admin_state_up': [True],
        'router:external': [False], 'mtu': ['1400']}


def test_filters_select(call, five):
    assert _names(call('GET', '/v2.0/networks?name=n1&name=n3')) == \
        sorted(['n1', 'n3'], key=lambda name: next(
            n['id'] for n in five if n['name'] == name))
    assert _names(call('GET', '/v2.0/networks?shared=true')) == []


@pytest.mark.parametrize('name', ['shared', 'admin_state_up',
                                  'router:external'])
def test_bad_booleans_are_400(call, name):
    result = call('GET', '/v2.0/networks?%s=maybe' % name)
    assert result.status == 400
    assert result.error == {
        'type': 'InvalidInput', 'detail': '',
        'message': "Invalid input for operation: 'maybe' cannot be "
                   "converted to boolean."}


def test_enable_dhcp_filter(call, fake_api):
    network_with_subnet(call)
    assert call('GET', '/v2.0/subnets?enable_dhcp=true').status == 200
    assert _last_filters(fake_api, 'list_subnets') == {'enable_dhcp': [True]}
    assert call('GET', '/v2.0/subnets?enable_dhcp=no').status == 400


def test_fixed_ips_filter(call, fake_api):
    net, subnet = network_with_subnet(call)
    port = create(call, 'port', network_id=net['id'],
                  fixed_ips=[{'ip_address': '10.0.0.3'}])
    create(call, 'port', network_id=net['id'],
           fixed_ips=[{'ip_address': '10.0.0.4'}])
    result = call('GET', '/v2.0/ports?fixed_ips=ip_address%3D10.0.0.3')
    assert [p['id'] for p in result.body['ports']] == [port['id']]
    call('GET', '/v2.0/ports?fixed_ips=ip_address=10.0.0.3'
                '&fixed_ips=subnet_id=' + subnet['id'])
    assert _last_filters(fake_api, 'list_ports') == {'fixed_ips': [
        {'ip_address': '10.0.0.3'}, {'subnet_id': subnet['id']}]}
    substr = call('GET', '/v2.0/ports?fixed_ips=ip_address_substr=0.0.4')
    assert [p['fixed_ips'][0]['ip_address']
            for p in substr.body['ports']] == ['10.0.0.4']
    # Applied here: the network API only sees the exact filters.
    assert _last_filters(fake_api, 'list_ports') is None
    both = call('GET', '/v2.0/ports?fixed_ips=ip_address_substr=10.0'
                '&fixed_ips=ip_address=10.0.0.3')
    assert [p['id'] for p in both.body['ports']] == [port['id']]
    assert _last_filters(fake_api, 'list_ports') == {'fixed_ips': [
        {'ip_address': '10.0.0.3'}]}
    for bad in ('10.0.0.3', 'mac=1', 'ip_address='):
        result = call('GET', '/v2.0/ports?fixed_ips=' + bad)
        assert result.status == 400, bad
        assert result.error['type'] == 'InvalidInput'


def test_admin_only_filters_are_ignored_for_others(call, fake_api):
    call('GET', '/v2.0/networks?provider:network_type=vlan&name=a')
    assert _last_filters(fake_api) == {'name': ['a']}
    call('GET', '/v2.0/networks?provider:network_type=vlan', token=ADMIN)
    assert _last_filters(fake_api) == {'provider:network_type': ['vlan']}
    call('GET', '/v2.0/ports?binding:host_id=h1')
    assert _last_filters(fake_api, 'list_ports') is None


@pytest.mark.parametrize('name', ['name', 'fields', 'sort_key', 'fixed_ips'])
def test_at_most_50_values_per_name(call, name):
    query = '&'.join('%s=v%d' % (name, i) for i in range(51))
    result = call('GET', '/v2.0/ports?' + query)
    assert result.status == 400
    assert 'at most 50 values' in result.error['message']


def test_subnet_and_port_lists(call):
    net, subnet = network_with_subnet(call)
    port = create(call, 'port', network_id=net['id'])
    subnets = call('GET', '/v2.0/subnets?network_id=' + net['id'])
    assert [s['id'] for s in subnets.body['subnets']] == [subnet['id']]
    ports = call('GET', '/v2.0/ports?network_id=%s&fields=id&fields='
                 'fixed_ips' % net['id'])
    assert ports.body == {'ports': [{'id': port['id'],
                                     'fixed_ips': port['fixed_ips']}]}
    sorted_ports = call('GET', '/v2.0/ports?sort_key=mac_address&'
                        'sort_dir=desc&sort_key=device_owner&sort_dir=asc')
    assert sorted_ports.status == 200
    bad = call('GET', '/v2.0/ports?sort_key=binding:host_id&sort_dir=asc')
    assert bad.status == 400


def test_reading_needs_a_reading_role(fresh_policy):
    # A caller with no role on its project reads nothing: lists are
    # empty, shows 404 (as Neutron does when get_network refuses).
    from nube import context as nube_context
    from nube.network.neutron import app as network_app
    from tests.unit.network.neutron import FakeNetworkAPI
    from tests.unit.network.neutron import make_caller
    import webob.dec

    fake = FakeNetworkAPI()
    member_call = make_caller(network_app.create_app(network_api=fake))
    net = create(member_call, 'network', name='n')

    class NoRoles:
        def __init__(self, application):
            self.application = application

        @webob.dec.wsgify
        def __call__(self, req):
            req.environ['nube.context'] = nube_context.RequestContext(
                user_id='u', project_id='p1', roles=[])
            return req.get_response(self.application)

    router = network_app.Router(network_app.Dependencies(fake))
    no_roles = make_caller(network_app.Errors(NoRoles(router)))
    assert no_roles('GET', '/v2.0/networks').body == {'networks': []}
    assert no_roles('GET', '/v2.0/networks/' + net['id']).status == 404
    created = no_roles('POST', '/v2.0/networks', body={'network': {}})
    assert created.status == 403
