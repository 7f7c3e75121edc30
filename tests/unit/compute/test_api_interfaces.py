"""os-interface through the HTTP app, the real facade and a real
ComputeManager with a FakeDriver on SQLite (the cloud of
test_api_actions): the port is bound in the cell DB and the guest gets
(or loses) the NIC through the compute; a failed plug leaves no port."""

import pytest
from nube import context
from nube import exception
from nube.compute.virt import fake
from nube.network import api as network_api
from tests.unit.compute import test_api_actions

cloud = test_api_actions.cloud

P1 = context.RequestContext(user_id='u1', project_id='p1')


def _request(cloud, method, path, body=None):
    return cloud.request(method, path, body)


@pytest.fixture
def network(cloud):
    nets = network_api.CellNetworks(cloud.cell_db)
    net = nets.create_network(P1, {'name': 'private'})
    nets.create_subnet(P1, {'network_id': net['id'],
                            'cidr': '10.70.0.0/24'})
    return net


def test_attach_plugs_the_guest_and_detach_unplugs_it(cloud, network):
    server = cloud.server()
    path = '/servers/%s/os-interface' % server['uuid']
    status, body = _request(cloud, 'POST', path, {
        'interfaceAttachment': {'net_id': network['id']}})
    assert status == 200, body
    attached = body['interfaceAttachment']
    assert attached['fixed_ips'][0]['ip_address'] == '10.70.0.2'
    assert fake.FakeDriver.attached_macs(server['uuid']) == [
        attached['mac_addr']]
    assert ('attach_interface', test_api_actions.HOST) in \
        cloud.compute_rpc.calls
    status, body = _request(cloud, 'GET', path)
    assert [i['port_id'] for i in body['interfaceAttachments']] == [
        attached['port_id']]

    status, _ = _request(cloud, 'DELETE',
                         '%s/%s' % (path, attached['port_id']))
    assert status == 202
    assert fake.FakeDriver.attached_macs(server['uuid']) == []
    assert _request(cloud, 'GET', path)[1]['interfaceAttachments'] == []


class BrokenPlugDriver(test_api_actions.ConsoleDriver):
    def attach_interface(self, instance, vif):
        raise exception.VirtDriverError(reason='no more PCI slots')


def test_a_failed_plug_releases_the_port(cloud, network):
    server = cloud.server()
    cloud.manager.driver.__class__ = BrokenPlugDriver
    path = '/servers/%s/os-interface' % server['uuid']
    status, body = _request(cloud, 'POST', path, {
        'interfaceAttachment': {'net_id': network['id']}})
    assert status == 500
    assert body['computeFault']['message'] == (
        'Failed to attach network adapter device to %s' % server['uuid'])
    assert _request(cloud, 'GET', path)[1]['interfaceAttachments'] == []
    assert cloud.cell_db.port_get_all(
        filters={'device_id': [server['uuid']]}) == []
