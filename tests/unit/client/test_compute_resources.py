"""Flavors, hypervisors, services and availability zones."""

import pytest

from nube.client import exceptions


def test_flavor_create_body(cloud, client):
    flavor = client.flavors.create('f1', ram=64, vcpus=1, disk=2,
                                   flavorid='f1', ephemeral=1, swap=16,
                                   is_public=False)
    assert flavor['id'] == 'f1'
    assert cloud.of('POST', '/flavors')[0].json() == {'flavor': {
        'name': 'f1', 'ram': 64, 'vcpus': 1, 'disk': 2, 'id': 'f1',
        'swap': 16, 'OS-FLV-EXT-DATA:ephemeral': 1,
        'os-flavor-access:is_public': False}}
    auto = client.flavors.create('f2', 64, 1, 1)
    assert cloud.of('POST', '/flavors')[1].json()['flavor']['id'] is None
    assert auto['id'].startswith('f-')


def test_flavor_list_paging_and_is_public(cloud, client):
    for i in range(4):
        client.flavors.create('x%d' % i, 64, 1, 1, flavorid='x%d' % i)
    assert len(client.flavors.list()) == 5
    assert 'is_public' not in cloud.of('GET', '/flavors/detail')[0].query
    client.flavors.list(is_public=None, detailed=False)
    assert cloud.of('GET', '/flavors')[-1].query['is_public'] == 'None'


def test_flavor_get_by_name_and_delete(cloud, client):
    client.flavors.create('small', 64, 1, 1, flavorid='s1')
    assert client.flavors.get('small')['id'] == 's1'
    # The name lookup first tried the name as an id (404), as OSC does.
    assert cloud.of('GET', '/flavors/small')
    client.flavors.delete('small')
    assert 's1' not in cloud.flavors
    with pytest.raises(exceptions.NotFoundByName):
        client.flavors.get('small')


def test_hypervisors_follow_links(cloud, client):
    hypervisors = client.hypervisors.list(detailed=True)
    assert [h['hypervisor_hostname'] for h in hypervisors] == [
        'host0', 'host1', 'host2']
    assert len(cloud.of('GET', '/os-hypervisors/detail')) == 2


def test_services_filter(cloud, client):
    services = client.services.list(binary='nube-compute')
    assert [s['binary'] for s in services] == ['nube-compute']
    assert cloud.of('GET', '/os-services')[0].query == {
        'binary': 'nube-compute'}


def test_availability_zones(client):
    assert client.availability_zones.list()[0]['zoneName'] == 'nova'
    detail = client.availability_zones.list(detailed=True)
    assert detail[0]['hosts'] == {'h1': {}}
