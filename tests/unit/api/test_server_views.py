"""Server bodies per microversion, computed from instance dicts.

The key sets are those of Nova's API reference (and Tempest's strict
response schemas, which reject any extra key).
"""

import hashlib

import pytest

from tests.unit.api import fakes

BASE_KEYS = {'id', 'name', 'status', 'tenant_id', 'user_id', 'metadata',
             'hostId', 'image', 'flavor', 'created', 'updated', 'addresses',
             'accessIPv4', 'accessIPv6', 'links', 'OS-DCF:diskConfig',
             'progress'}
DETAIL_KEYS = BASE_KEYS | {
    'OS-EXT-AZ:availability_zone', 'config_drive', 'key_name',
    'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at', 'security_groups',
    'OS-EXT-STS:task_state', 'OS-EXT-STS:vm_state', 'OS-EXT-STS:power_state',
    'os-extended-volumes:volumes_attached'}
ADMIN_21 = {'OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hypervisor_hostname',
            'OS-EXT-SRV-ATTR:instance_name'}
ADMIN_23 = {'OS-EXT-SRV-ATTR:reservation_id', 'OS-EXT-SRV-ATTR:launch_index',
            'OS-EXT-SRV-ATTR:hostname', 'OS-EXT-SRV-ATTR:kernel_id',
            'OS-EXT-SRV-ATTR:ramdisk_id', 'OS-EXT-SRV-ATTR:root_device_name',
            'OS-EXT-SRV-ATTR:user_data'}
ADMIN = 'admin:admin'
USER = 'alice:demo'


def show(call, compute_api, version=None, token=USER, **overrides):
    server = compute_api.add(**overrides)
    result = call('GET', '/v2.1/servers/%s' % server['uuid'],
                  version=version, token=token)
    assert result.status == 200, result.body
    return result.body['server']


@pytest.mark.parametrize('version,token,expected', [
    (None, USER, DETAIL_KEYS),
    (None, ADMIN, DETAIL_KEYS | ADMIN_21),
    ('2.3', USER, DETAIL_KEYS),
    ('2.3', ADMIN, DETAIL_KEYS | ADMIN_21 | ADMIN_23),
    ('2.9', USER, DETAIL_KEYS | {'locked'}),
    ('2.16', USER, DETAIL_KEYS | {'locked'}),
    ('2.16', ADMIN, DETAIL_KEYS | ADMIN_21 | ADMIN_23 |
     {'locked', 'host_status'}),
    ('2.19', USER, DETAIL_KEYS | {'locked', 'description'}),
    ('2.26', USER, DETAIL_KEYS | {'locked', 'description', 'tags'}),
    ('2.47', USER, DETAIL_KEYS | {'locked', 'description', 'tags'}),
])
def test_show_key_sets(call, compute_api, version, token, expected):
    assert set(show(call, compute_api, version, token)) == expected


def test_values_at_2_1(call, compute_api):
    server = show(call, compute_api, uuid='9f7b5d54-5e7e-4c0c-9a4c-'
                  '0a1b2c3d4e5f', access_ip_v4='192.0.2.7')
    uuid = '9f7b5d54-5e7e-4c0c-9a4c-0a1b2c3d4e5f'
    assert server['id'] == uuid
    assert server['status'] == 'ACTIVE'
    assert server['tenant_id'] == 'demo'
    assert server['user_id'] == 'alice'
    assert server['metadata'] == {'purpose': 'test'}
    assert server['hostId'] == hashlib.sha224(b'democompute1').hexdigest()
    assert server['image'] == {'id': fakes.IMAGE, 'links': [{
        'rel': 'bookmark',
        'href': 'http://localhost/images/%s' % fakes.IMAGE}]}
    assert server['flavor'] == {'id': '42', 'links': [{
        'rel': 'bookmark', 'href': 'http://localhost/flavors/42'}]}
    assert server['addresses'] == {'private': [{
        'version': 4, 'addr': '10.0.0.5', 'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': fakes.MAC}]}
    assert server['accessIPv4'] == '192.0.2.7'
    assert server['accessIPv6'] == ''
    assert server['links'] == [
        {'rel': 'self', 'href': 'http://localhost/v2.1/servers/%s' % uuid},
        {'rel': 'bookmark', 'href': 'http://localhost/servers/%s' % uuid}]
    assert server['created'] == '2024-01-02T03:04:05Z'
    assert server['OS-EXT-STS:power_state'] == 1
    assert server['OS-EXT-STS:task_state'] is None
    assert server['OS-EXT-STS:vm_state'] == 'active'
    assert server['os-extended-volumes:volumes_attached'] == []
    assert server['security_groups'] == [{'name': 'default'}]
    assert server['config_drive'] == ''
    assert server['OS-EXT-AZ:availability_zone'] == 'nova'
    assert server['progress'] == 0


def test_admin_attributes(call, compute_api):
    server = show(call, compute_api, '2.3', ADMIN, id=255,
                  user_data='aGk=', launch_index=2)
    assert server['OS-EXT-SRV-ATTR:instance_name'] == 'instance-000000ff'
    assert server['OS-EXT-SRV-ATTR:host'] == 'compute1'
    assert server['OS-EXT-SRV-ATTR:hypervisor_hostname'] == \
        'compute1.example.org'
    assert server['OS-EXT-SRV-ATTR:user_data'] == 'aGk='
    assert server['OS-EXT-SRV-ATTR:launch_index'] == 2
    assert server['OS-EXT-SRV-ATTR:reservation_id'] == 'r-abcdef01'


def test_build_request_without_host(call, compute_api):
    server = show(call, compute_api, None, ADMIN, id=None, host=None,
                  node=None, vm_state='building', task_state='scheduling',
                  power_state=0, launched_at=None, fixed_ips=[])
    assert server['status'] == 'BUILD'
    assert server['hostId'] == ''
    assert server['addresses'] == {}
    assert server['OS-EXT-SRV-ATTR:instance_name'] == ''
    assert server['OS-EXT-SRV-ATTR:host'] is None
    assert server['OS-SRV-USG:launched_at'] is None
    assert server['progress'] == 0


def test_no_image_is_empty_string(call, compute_api):
    assert show(call, compute_api, image_ref='')['image'] == ''


@pytest.mark.parametrize('vm_state,has_progress', [
    ('active', True), ('building', True), ('stopped', False),
    ('error', False)])
def test_progress_only_in_progress_statuses(call, compute_api, vm_state,
                                            has_progress):
    server = show(call, compute_api, vm_state=vm_state)
    assert ('progress' in server) == has_progress


FAULT = {'code': 500, 'message': 'No valid host was found.',
         'details': 'Traceback: ...', 'created_at': '2024-01-02T03:04:08Z',
         'host': None}


def test_fault_on_error_server_details_for_admin_only(call, compute_api):
    user = show(call, compute_api, vm_state='error', fault=dict(FAULT))
    assert user['status'] == 'ERROR'
    assert user['fault'] == {'code': 500, 'created': '2024-01-02T03:04:08Z',
                             'message': 'No valid host was found.'}
    admin = show(call, compute_api, token=ADMIN, vm_state='error',
                 fault=dict(FAULT))
    assert admin['fault']['details'] == 'Traceback: ...'


def test_fault_details_shown_when_not_500(call, compute_api):
    fault = dict(FAULT, code=400, details='bad image')
    server = show(call, compute_api, vm_state='error', fault=fault)
    assert server['fault']['details'] == 'bad image'


def test_no_fault_on_active_server(call, compute_api):
    assert 'fault' not in show(call, compute_api, fault=dict(FAULT))


def test_microversion_additions(call, compute_api):
    server = show(call, compute_api, '2.26', locked=True)
    assert server['locked'] is True
    assert server['description'] == 'a test server'
    assert server['tags'] == ['blue']


def test_host_status_from_facade(call, compute_api):
    server = show(call, compute_api, '2.16', ADMIN, host_status='UP')
    assert server['host_status'] == 'UP'
    server = show(call, compute_api, '2.16', ADMIN)
    assert server['host_status'] == ''


def test_flavor_embedded_at_2_47(call, compute_api):
    server = show(call, compute_api, '2.47')
    assert server['flavor'] == {'original_name': 'm1.tiny', 'vcpus': 1,
                                'ram': 512, 'disk': 1, 'ephemeral': 0,
                                'swap': 0, 'extra_specs': {'hw:cpu': 'x'}}
    server = show(call, compute_api, '2.46')
    assert set(server['flavor']) == {'id', 'links'}


# -- PUT ----------------------------------------------------------------------

UPDATE_KEYS = {'id', 'name', 'status', 'tenant_id', 'user_id', 'metadata',
               'hostId', 'image', 'flavor', 'created', 'updated',
               'addresses', 'accessIPv4', 'accessIPv6', 'links',
               'OS-DCF:diskConfig', 'progress'}


@pytest.mark.parametrize('version,token,extra', [
    (None, USER, set()),
    (None, ADMIN, set()),
    ('2.9', USER, {'locked'}),
    ('2.19', ADMIN, {'locked', 'description'}),
    ('2.26', USER, {'locked', 'description', 'tags'}),
])
def test_update_answers_the_base_body(call, compute_api, version, token,
                                      extra):
    server = compute_api.add()
    result = call('PUT', '/v2.1/servers/%s' % server['uuid'],
                  body={'server': {'name': 'renamed'}}, version=version,
                  token=token)
    assert result.status == 200
    assert set(result.body['server']) == UPDATE_KEYS | extra
    assert result.body['server']['name'] == 'renamed'
    assert result.body['server']['addresses'] == {
        'private': [{'version': 4, 'addr': '10.0.0.5'}]}


def test_update_maps_fields_for_the_facade(call, compute_api):
    server = compute_api.add()
    result = call('PUT', '/v2.1/servers/%s' % server['uuid'], version='2.19',
                  body={'server': {'name': 'n', 'description': None,
                                   'accessIPv4': '192.0.2.9',
                                   'accessIPv6': '2001:db8::9'}})
    assert result.status == 200
    assert compute_api.last('update')[2] == {
        'display_name': 'n', 'display_description': None,
        'access_ip_v4': '192.0.2.9', 'access_ip_v6': '2001:db8::9'}


def test_update_canonicalizes_access_ipv6(call, compute_api):
    server = compute_api.add()
    result = call('PUT', '/v2.1/servers/%s' % server['uuid'],
                  body={'server': {'accessIPv6': '2001:0db8:0:0:0:0:0:09'}})
    assert result.status == 200
    assert compute_api.last('update')[2] == {'access_ip_v6': '2001:db8::9'}


@pytest.mark.parametrize('request_body,version', [
    ({'server': {'description': 'd'}}, '2.18'),
    ({'server': {'name': ''}}, None),
    ({'server': {'flavorRef': '1'}}, None),
    ({'rename': {}}, None),
])
def test_update_rejects_bad_bodies(call, compute_api, request_body, version):
    server = compute_api.add()
    result = call('PUT', '/v2.1/servers/%s' % server['uuid'],
                  body=request_body, version=version)
    assert result.status == 400
    assert 'badRequest' in result.body


def test_delete_is_204(call, compute_api):
    server = compute_api.add()
    result = call('DELETE', '/v2.1/servers/%s' % server['uuid'])
    assert result.status == 204
    assert result.body is None
    assert 'Content-Type' not in result.headers
    assert server['uuid'] not in compute_api.instances


def test_show_unknown_is_404(call):
    result = call('GET', '/v2.1/servers/unknown-name')
    assert result.status == 404
    assert result.body == {'itemNotFound': {
        'code': 404, 'message': 'Instance unknown-name could not be found.'}}
