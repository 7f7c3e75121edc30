"""Admin host views (os-services, os-hypervisors), zones and limits."""

import pytest

ADMIN = 'admin:admin'
HYPERVISOR_DETAIL_KEYS = {
    'id', 'hypervisor_hostname', 'state', 'status', 'cpu_info',
    'current_workload', 'disk_available_least', 'free_disk_gb',
    'free_ram_mb', 'host_ip', 'hypervisor_type', 'hypervisor_version',
    'local_gb', 'local_gb_used', 'memory_mb', 'memory_mb_used',
    'running_vms', 'service', 'vcpus', 'vcpus_used'}


@pytest.mark.parametrize('path', [
    '/v2.1/os-services', '/v2.1/os-hypervisors', '/v2.1/os-hypervisors/1',
    '/v2.1/os-hypervisors/detail', '/v2.1/os-hypervisors/statistics',
    '/v2.1/os-hypervisors/compute/search',
    '/v2.1/os-availability-zone/detail'])
def test_admin_only(call, path):
    result = call('GET', path)
    assert result.status == 403
    assert result.body['forbidden']['code'] == 403


def test_services(call, host_api):
    result = call('GET', '/v2.1/os-services', token=ADMIN)
    assert result.status == 200
    compute = result.body['services'][0]
    assert compute == {'id': 3, 'binary': 'nube-compute', 'host': 'compute1',
                       'zone': 'nova', 'status': 'enabled', 'state': 'up',
                       'updated_at': '2024-01-02T03:04:05Z',
                       'disabled_reason': None}
    assert result.body['services'][1]['zone'] == 'internal'


def test_services_filters_and_forced_down(call, host_api):
    result = call('GET', '/v2.1/os-services?host=compute1'
                         '&binary=nube-compute', token=ADMIN, version='2.11')
    assert host_api.calls[-1] == ('service_get_all', 'compute1',
                                  'nube-compute')
    assert result.body['services'][0]['forced_down'] is False
    assert len(result.body['services']) == 1


def test_hypervisor_index_and_detail(call):
    result = call('GET', '/v2.1/os-hypervisors', token=ADMIN)
    assert result.body == {'hypervisors': [
        {'id': 1, 'hypervisor_hostname': 'compute1.example.org',
         'state': 'up', 'status': 'enabled'},
        {'id': 2, 'hypervisor_hostname': 'compute2.example.org',
         'state': 'down', 'status': 'enabled'}]}
    result = call('GET', '/v2.1/os-hypervisors/detail', token=ADMIN)
    first = result.body['hypervisors'][0]
    assert set(first) == HYPERVISOR_DETAIL_KEYS
    assert first['cpu_info'] == '{"arch": "x86_64"}'
    assert first['free_ram_mb'] == 16384 - 1024
    assert first['free_disk_gb'] == 90
    assert first['service'] == {'host': 'compute1', 'id': 3,
                                'disabled_reason': None}


def test_cpu_info_is_an_object_from_2_28(call):
    result = call('GET', '/v2.1/os-hypervisors/1', token=ADMIN,
                  version='2.28')
    assert result.body['hypervisor']['cpu_info'] == {'arch': 'x86_64'}


def test_hypervisor_show_and_404(call):
    assert call('GET', '/v2.1/os-hypervisors/2',
                token=ADMIN).body['hypervisor']['id'] == 2
    for ident in ('99', 'abc'):
        result = call('GET', '/v2.1/os-hypervisors/%s' % ident, token=ADMIN)
        assert result.status == 404
        assert result.body['itemNotFound']['message'] == \
            "Hypervisor with ID '%s' could not be found." % ident


def test_hypervisor_paging_from_2_33(call):
    result = call('GET', '/v2.1/os-hypervisors?limit=1', token=ADMIN,
                  version='2.33')
    assert [h['id'] for h in result.body['hypervisors']] == [1]
    assert result.body['hypervisors_links'][0]['href'].endswith(
        '/v2.1/os-hypervisors?limit=1&marker=1')
    result = call('GET', '/v2.1/os-hypervisors?marker=1', token=ADMIN,
                  version='2.33')
    assert [h['id'] for h in result.body['hypervisors']] == [2]
    result = call('GET', '/v2.1/os-hypervisors?marker=9', token=ADMIN,
                  version='2.33')
    assert result.status == 400


def test_statistics(call):
    result = call('GET', '/v2.1/os-hypervisors/statistics', token=ADMIN)
    stats = result.body['hypervisor_statistics']
    assert len(stats) == 12
    assert stats['count'] == 2
    assert stats['free_ram_mb'] == 30720


def test_search_and_servers(call, compute_api):
    result = call('GET', '/v2.1/os-hypervisors/compute2/search',
                  token=ADMIN)
    assert [h['id'] for h in result.body['hypervisors']] == [2]
    assert call('GET', '/v2.1/os-hypervisors/nothing/search',
                token=ADMIN).status == 404
    server = compute_api.add(id=16)
    result = call('GET', '/v2.1/os-hypervisors/compute1/servers',
                  token=ADMIN)
    assert result.body['hypervisors'][0]['servers'] == [
        {'name': 'instance-00000010', 'uuid': server['uuid']}]
    assert compute_api.last('get_all')[1]['search_opts'] == {
        'host': 'compute1', 'all_tenants': True, 'deleted': False}


def test_availability_zones(call):
    result = call('GET', '/v2.1/os-availability-zone')
    assert result.status == 200
    assert result.body == {'availabilityZoneInfo': [
        {'zoneName': 'nova', 'zoneState': {'available': True},
         'hosts': None}]}
    result = call('GET', '/v2.1/os-availability-zone/detail', token=ADMIN)
    zones = {z['zoneName']: z for z in result.body['availabilityZoneInfo']}
    assert set(zones) == {'internal', 'nova'}
    assert zones['nova']['hosts'] == {'compute1': {'nube-compute': {
        'available': True, 'active': True,
        'updated_at': '2024-01-02T03:04:05Z'}}}


LIMIT_KEYS_21 = {
    'maxImageMeta', 'maxPersonality', 'maxPersonalitySize',
    'maxSecurityGroupRules', 'maxSecurityGroups', 'maxServerMeta',
    'maxTotalCores', 'maxTotalFloatingIps', 'maxTotalInstances',
    'maxTotalKeypairs', 'maxTotalRAMSize', 'totalCoresUsed',
    'totalFloatingIpsUsed', 'totalInstancesUsed', 'totalRAMUsed',
    'totalSecurityGroupsUsed', 'maxServerGroupMembers', 'maxServerGroups',
    'totalServerGroupsUsed'}


@pytest.mark.parametrize('version,removed', [
    (None, set()),
    ('2.36', {'maxSecurityGroups', 'maxSecurityGroupRules',
              'maxTotalFloatingIps', 'totalFloatingIpsUsed',
              'totalSecurityGroupsUsed'}),
    ('2.39', {'maxSecurityGroups', 'maxSecurityGroupRules',
              'maxTotalFloatingIps', 'totalFloatingIpsUsed',
              'totalSecurityGroupsUsed', 'maxImageMeta'}),
])
def test_limits(call, version, removed):
    # Usage against the project's quotas: tests/unit/api/test_quotas.py.
    result = call('GET', '/v2.1/limits', version=version)
    assert result.status == 200
    assert result.body['limits']['rate'] == []
    absolute = result.body['limits']['absolute']
    assert set(absolute) == LIMIT_KEYS_21 - removed
    assert (absolute['maxTotalInstances'], absolute['maxTotalCores'],
            absolute['maxTotalRAMSize'], absolute['totalInstancesUsed']) == (
        10, 20, 51200, 0)
