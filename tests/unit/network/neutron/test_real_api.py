"""The network API's WSGI app over the real nube.network.api on a SQLite
cell database: what clients do end to end, with storage, allocation and
visibility the real ones."""

import pytest

from nube.network import api as network_api
from nube.network.neutron import app as network_app
from tests.unit.network.neutron import ADMIN
from tests.unit.network.neutron import create
from tests.unit.network.neutron import make_caller
import tests.unit.network.neutron as base

# Fixtures shared by the network API tests.
fresh_policy = base.fresh_policy


class _Casts:
    """Refresh casts recorded, not sent (no nube-network runs here)."""

    def __init__(self):
        self.networks = []

    def refresh(self, ctxt, network_ids):
        self.networks.append(list(network_ids))


@pytest.fixture
def real_api(cell_db):
    api = network_api.CellNetworks(cell_db)
    api._rpc = _Casts()
    return api


@pytest.fixture
def call(real_api, fresh_policy, overrides):
    overrides('auth_strategy', 'noauth2', group='network_api')
    return make_caller(network_app.create_app(network_api=real_api))


def _net(call, token='alice:p1', cidr='10.70.0.0/24', **values):
    net = create(call, 'network', token=token, **dict({'name': 'n'},
                                                      **values))
    subnet = create(call, 'subnet', token=token, network_id=net['id'],
                    ip_version=4, cidr=cidr)
    return net, subnet


def test_network_subnet_port_round_trip(call):
    net, subnet = _net(call)
    assert subnet['gateway_ip'] == '10.70.0.1'
    assert subnet['allocation_pools'] == [{'start': '10.70.0.2',
                                           'end': '10.70.0.254'}]
    shown = call('GET', '/v2.0/networks/' + net['id']).body['network']
    assert shown['subnets'] == [subnet['id']]
    assert 'provider:network_type' not in shown
    assert 'provider:network_type' in call(
        'GET', '/v2.0/networks/' + net['id'], token=ADMIN).body['network']
    port = create(call, 'port', network_id=net['id'], name='p')
    assert port['fixed_ips'] == [{'subnet_id': subnet['id'],
                                  'ip_address': '10.70.0.2'}]
    assert 'binding:host_id' not in port
    fixed = create(call, 'port', network_id=net['id'],
                   fixed_ips=[{'ip_address': '10.70.0.9'}])
    found = call('GET', '/v2.0/ports?fixed_ips=ip_address=10.70.0.9')
    assert [p['id'] for p in found.body['ports']] == [fixed['id']]
    in_use = call('DELETE', '/v2.0/networks/' + net['id'])
    assert in_use.status == 409
    assert in_use.error['type'] == 'NetworkInUse'
    taken = call('POST', '/v2.0/ports', body={'port': {
        'network_id': net['id'], 'fixed_ips': [{'ip_address': '10.70.0.9'}]}})
    assert taken.status == 409
    assert taken.error['type'] == 'IpAddressInUse'
    for p in (port, fixed):
        assert call('DELETE', '/v2.0/ports/' + p['id']).status == 204
    assert call('DELETE', '/v2.0/networks/' + net['id']).status == 204
    assert call('GET', '/v2.0/networks/' + net['id']).status == 404


def test_update_through_the_real_api(call):
    net, subnet = _net(call)
    renamed = call('PUT', '/v2.0/networks/' + net['id'],
                   body={'network': {'name': 'renamed', 'mtu': 1400}})
    assert renamed.status == 200, renamed.raw
    assert renamed.body['network']['name'] == 'renamed'
    assert renamed.body['network']['mtu'] == 1400
    dns = call('PUT', '/v2.0/subnets/' + subnet['id'],
               body={'subnet': {'dns_nameservers': ['8.8.8.8']}})
    assert dns.status == 200, dns.raw
    assert dns.body['subnet']['dns_nameservers'] == ['8.8.8.8']


def test_lists_filter_sort_and_page(call):
    for i in range(4):
        create(call, 'network', name='n%d' % i)
    create(call, 'network', token=ADMIN, name='shared', shared=True)
    create(call, 'network', token='bob:p2', name='bobs')
    names = [n['name'] for n in call(
        'GET', '/v2.0/networks?sort_key=name&sort_dir=desc').body[
            'networks']]
    assert names == ['shared', 'n3', 'n2', 'n1', 'n0']
    shared = call('GET', '/v2.0/networks?shared=true&fields=name')
    assert shared.body == {'networks': [{'name': 'shared'}]}
    page = call('GET', '/v2.0/networks?limit=2&sort_key=name&sort_dir=asc')
    assert [n['name'] for n in page.body['networks']] == ['n0', 'n1']
    href = [link['href'] for link in page.body['networks_links']
            if link['rel'] == 'next'][0]
    nxt = call('GET', href[len('http://localhost'):])
    assert [n['name'] for n in nxt.body['networks']] == ['n2', 'n3']


def test_others_private_networks_are_404(call):
    bobs, _subnet = _net(call, token='bob:p2', cidr='10.71.0.0/24')
    assert call('GET', '/v2.0/networks/' + bobs['id']).status == 404
    result = call('POST', '/v2.0/ports',
                  body={'port': {'network_id': bobs['id']}})
    assert result.status == 404
    assert result.error['type'] == 'NetworkNotFound'


def test_bulk_is_all_or_nothing_on_the_real_api(call):
    net = create(call, 'network', name='n')
    result = call('POST', '/v2.0/subnets', body={'subnets': [
        {'network_id': net['id'], 'ip_version': 4, 'cidr': '10.72.0.0/24'},
        {'network_id': net['id'], 'ip_version': 4,
         'cidr': '10.72.0.0/25'}]})
    assert result.status == 400
    assert result.error['type'] == 'InvalidInput'
    assert call('GET', '/v2.0/subnets').body == {'subnets': []}


def test_api_refusals_keep_their_shape(call):
    net = create(call, 'network', name='n')
    tiny = call('POST', '/v2.0/subnets', body={'subnet': {
        'network_id': net['id'], 'ip_version': 4, 'cidr': '10.73.0.0/31'}})
    assert tiny.status == 400
    assert tiny.error['type'] == 'InvalidInput'
    vlan = call('POST', '/v2.0/networks', token=ADMIN, body={'network': {
        'provider:network_type': 'vlan', 'provider:segmentation_id': 300,
        'provider:physical_network': 'physnet1'}})
    assert vlan.status == 201, vlan.raw
    again = call('POST', '/v2.0/networks', token=ADMIN, body={'network': {
        'provider:network_type': 'vlan', 'provider:segmentation_id': 300,
        'provider:physical_network': 'physnet1'}})
    assert again.status in (400, 409), again.raw
    assert again.error['type'] != 'HTTPInternalServerError'
