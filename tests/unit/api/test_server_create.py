"""POST /servers: schema validation per microversion, and what reaches
the facade."""

import base64

import pytest

from nube import exception
from tests.unit.api import fakes

IMAGE = fakes.IMAGE


def body(**server):
    values = {'name': 'vm1', 'imageRef': IMAGE, 'flavorRef': '42'}
    values.update(server)
    return {'server': {k: v for k, v in values.items() if v is not None}}


# -- good bodies --------------------------------------------------------------

def test_minimal_create_at_2_1(call, compute_api):
    result = call('POST', '/v2.1/servers', body=body())
    assert result.status == 202
    server = result.body['server']
    assert set(server) == {'id', 'links', 'OS-DCF:diskConfig',
                           'security_groups', 'adminPass'}
    assert server['security_groups'] == [{'name': 'default'}]
    assert server['OS-DCF:diskConfig'] == 'MANUAL'
    assert len(server['adminPass']) >= 8
    assert result.headers['Location'] == server['links'][0]['href']
    kwargs = compute_api.last('create')[1]
    assert kwargs['image_ref'] == IMAGE
    assert kwargs['flavor']['flavorid'] == '42'
    assert kwargs['requested_networks'] == 'auto'
    assert kwargs['admin_password'] == server['adminPass']
    assert (kwargs['min_count'], kwargs['max_count']) == (1, 1)


def test_osc10_body_with_bdm_and_no_network(call, compute_api):
    request = {'server': {
        'name': 'vm1', 'imageRef': IMAGE, 'flavorRef': '42',
        'min_count': 1, 'max_count': 1, 'networks': 'none',
        'block_device_mapping_v2': [{
            'boot_index': 0, 'uuid': IMAGE, 'source_type': 'image',
            'destination_type': 'local', 'delete_on_termination': True}]}}
    result = call('POST', '/v2.1/servers', body=request, version='2.37')
    assert result.status == 202, result.body
    kwargs = compute_api.last('create')[1]
    assert kwargs['requested_networks'] == 'none'
    assert kwargs['image_ref'] == IMAGE


def test_image_from_bdm_when_image_ref_empty(call, compute_api):
    bdm = [{'boot_index': '0', 'uuid': IMAGE, 'source_type': 'image',
            'destination_type': 'local'}]
    result = call('POST', '/v2.1/servers',
                  body=body(imageRef='', block_device_mapping_v2=bdm))
    assert result.status == 202
    assert compute_api.last('create')[1]['image_ref'] == IMAGE


def test_flavor_ref_may_be_a_url(call, compute_api):
    result = call('POST', '/v2.1/servers',
                  body=body(flavorRef='http://localhost/flavors/42'))
    assert result.status == 202
    assert compute_api.last('create')[1]['flavor']['flavorid'] == '42'


def test_everything_a_2_19_client_may_send(call, compute_api):
    user_data = base64.b64encode(b'#!/bin/sh\necho hi\n').decode()
    request = body(
        adminPass='s3cret', metadata={'k': 'v'}, availability_zone='nova',
        user_data=user_data, accessIPv4='192.0.2.1',
        accessIPv6='2001:db8::1', description='my server',
        config_drive=True, min_count='2', max_count=3,
        security_groups=[{'name': 'default'}],
        **{'OS-DCF:diskConfig': 'AUTO'})
    request['os:scheduler_hints'] = {
        'same_host': '6b4c3f3c-e7d6-4e5e-a4d2-6d16b1b2a6e3'}
    result = call('POST', '/v2.1/servers', body=request, version='2.19')
    assert result.status == 202, result.body
    assert result.body['server']['adminPass'] == 's3cret'
    assert result.body['server']['security_groups'] == [
        {'name': 'default'}]
    kwargs = compute_api.last('create')[1]
    assert kwargs['min_count'] == 2 and kwargs['max_count'] == 3
    assert kwargs['description'] == 'my server'
    assert kwargs['config_drive'] is True
    assert kwargs['user_data'] == user_data
    assert kwargs['scheduler_hints'] == {
        'same_host': ['6b4c3f3c-e7d6-4e5e-a4d2-6d16b1b2a6e3']}
    assert kwargs['access_ip_v4'] == '192.0.2.1'


def test_access_ips_are_stored_canonical(call, compute_api):
    # Tempest sends a long IPv6 form and expects Nova's canonical one back.
    result = call('POST', '/v2.1/servers', body=body(
        accessIPv4='192.0.2.1',
        accessIPv6='0000:0000:0000:0000:0000:babe:220.12.22.2'))
    assert result.status == 202, result.body
    kwargs = compute_api.last('create')[1]
    assert kwargs['access_ip_v6'] == '::babe:dc0c:1602'
    assert kwargs['access_ip_v4'] == '192.0.2.1'


def test_default_security_group_needs_no_look_up(call, compute_api):
    # "default" always exists; other names are looked up in the network
    # API (tests/unit/compute/test_api_security_groups.py).
    result = call('POST', '/v2.1/servers', body=body(
        security_groups=[{'name': 'default'}, {'name': 'default'}]))
    assert result.status == 202, result.body
    assert compute_api.last('create')[1]['security_groups'] == ['default']


def test_unknown_keypair_is_400(call, compute_api):
    # The facade looks the key pair up; a missing one is Nova's 400.
    compute_api.create_error = exception.KeypairNotFound(
        user_id='alice', name='mykey')
    result = call('POST', '/v2.1/servers', body=body(key_name='mykey'))
    assert result.status == 400
    assert result.body['badRequest']['message'] == \
        'Invalid key_name provided.'
    assert compute_api.last('create')[1]['key_name'] == 'mykey'


def test_return_reservation_id(call):
    result = call('POST', '/v2.1/servers',
                  body=body(return_reservation_id=True, max_count=2))
    assert result.status == 202
    assert result.body == {'reservation_id': 'r-00000001'}


def test_network_list_below_2_37(call, compute_api):
    net = '3cb9bc59-5699-4588-a4b1-b87f96708bc6'
    result = call('POST', '/v2.1/servers',
                  body=body(networks=[{'uuid': net}]))
    assert result.status == 202
    assert compute_api.last('create')[1]['requested_networks'] == \
        [{'uuid': net}]


def test_legacy_v2_tolerates_spaces_around_names(call, compute_api):
    result = call('POST', '/v2/demo/servers', body=body(name=' vm1 '))
    assert result.status == 202
    assert compute_api.last('create')[1]['name'] == ' vm1 '


# -- bad bodies ---------------------------------------------------------------

@pytest.mark.parametrize('request_body,version,fragment', [
    (body(name='x' * 256), None,
     "Invalid input for field/attribute name. Value: " + 'x' * 256 +
     ". '" + 'x' * 256 + "' is too long"),
    (body(name=''), None, 'Invalid input for field/attribute name'),
    (body(name=' vm1'), None, "An invalid 'name' value was provided"),
    (body(name='vm\x01'), None, "An invalid 'name' value was provided"),
    (body(flavorRef=None), None, "'flavorRef' is a required property"),
    (body(name=None), None, "'name' is a required property"),
    (body(imageRef='not-a-uuid'), None,
     'Invalid input for field/attribute imageRef'),
    (body(bogus=1), None,
     "Additional properties are not allowed ('bogus' was unexpected)"),
    (body(min_count=0), None, 'Invalid input for field/attribute min_count'),
    (body(max_count='many'), None,
     'Invalid input for field/attribute max_count'),
    (body(metadata={'k': 1}), None, 'Invalid input for field/attribute k'),
    (body(metadata={'k' * 256: 'v'}), None,
     'Invalid input for field/attribute metadata'),
    (body(user_data='abc'), None,
     "Invalid input for field/attribute user_data. Value: abc. 'abc' is "
     "not a 'base64'"),
    (body(user_data='QUJD' * 16384), None,
     'Invalid input for field/attribute user_data'),
    (body(accessIPv4='300.1.1.1'), None,
     'Invalid input for field/attribute accessIPv4'),
    (body(description='d'), None,
     "Additional properties are not allowed ('description' was "
     "unexpected)"),
    (body(description='d' * 256), '2.19',
     'Invalid input for field/attribute description'),
    (body(), '2.37', "'networks' is a required property"),
    (body(networks='none'), '2.36',
     'Invalid input for field/attribute networks'),
    (body(networks='some'), '2.37',
     'Invalid input for field/attribute networks'),
    (body(networks=[{'uuid': 'abc'}]), '2.37',
     'Invalid input for field/attribute networks'),
    ({'server': body()['server'], 'extra': 1}, None,
     "Additional properties are not allowed ('extra' was unexpected)"),
    ({}, None, "'server' is a required property"),
    (body(**{'OS-DCF:diskConfig': 'SOMETIMES'}), None,
     'Invalid input for field/attribute OS-DCF:diskConfig'),
])
def test_bad_bodies_are_400_naming_the_field(call, compute_api, request_body,
                                             version, fragment):
    result = call('POST', '/v2.1/servers', body=request_body,
                  version=version)
    assert result.status == 400, result.body
    assert fragment in result.body['badRequest']['message']
    assert not [c for c in compute_api.calls if c[0] == 'create']


def test_min_count_above_max_count(call):
    result = call('POST', '/v2.1/servers', body=body(min_count=3,
                                                     max_count=2))
    assert result.status == 400
    assert result.body['badRequest']['message'] == \
        'min_count must be <= max_count'


def test_missing_image_without_bdm(call):
    result = call('POST', '/v2.1/servers', body=body(imageRef=None))
    assert result.status == 400
    assert result.body['badRequest']['message'] == \
        'Missing imageRef attribute'


def test_volume_bdm_is_refused(call):
    bdm = [{'boot_index': 0, 'uuid': IMAGE, 'source_type': 'image',
            'destination_type': 'volume', 'volume_size': 1}]
    result = call('POST', '/v2.1/servers',
                  body=body(imageRef='', block_device_mapping_v2=bdm))
    assert result.status == 400
    assert 'no block storage' in result.body['badRequest']['message']


def test_unknown_flavor_is_400(call):
    result = call('POST', '/v2.1/servers', body=body(flavorRef='999'))
    assert result.status == 400
    assert result.body['badRequest']['message'] == \
        'Flavor 999 could not be found.'


def test_image_not_found_from_facade_is_400(call, compute_api):
    compute_api.create_error = exception.ImageNotFound(image_id=IMAGE)
    result = call('POST', '/v2.1/servers', body=body())
    assert result.status == 400
    assert IMAGE in result.body['badRequest']['message']


def test_over_quota_is_403(call, compute_api):
    compute_api.create_error = exception.OverQuota(resources='instances')
    result = call('POST', '/v2.1/servers', body=body())
    assert result.status == 403
    assert result.body == {'forbidden': {
        'code': 403, 'message': 'Quota exceeded for instances.'}}
