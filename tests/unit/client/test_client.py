"""Client plumbing: catalog discovery, microversions, retries, errors."""

import pytest

from nube.client import client as client_mod
from nube.client import exceptions
from nube.client import http
from tests.unit.client import fakes


def test_catalog_discovery_by_service_type_region_and_interface(cloud):
    c = client_mod.Client(cloud.session(), region_name='RegionOne')
    assert c.compute.endpoint() == fakes.COMPUTE_URL
    assert c.image.endpoint() == fakes.IMAGE_URL
    other = client_mod.Client(cloud.session(), region_name='RegionTwo')
    assert other.compute.endpoint() == fakes.OTHER_REGION + '/compute/v2.1'
    internal = client_mod.Client(cloud.session(), region_name='RegionOne',
                                 interface='internal')
    assert internal.compute.endpoint().endswith('/internal-compute/v2.1')


def test_missing_service_is_endpoint_not_found(cloud):
    c = client_mod.Client(cloud.session(), region_name='RegionOne',
                          interface='admin')
    with pytest.raises(exceptions.EndpointNotFound):
        c.flavors.list()


def test_microversion_is_min_of_server_and_library(cloud, client):
    # The fake server goes higher than nube: the library's max wins.
    assert client.compute_microversion == http.LIBRARY_MAX_MICROVERSION
    client.flavors.list()
    sent = cloud.of('GET', '/flavors/detail')[0].headers
    mv = http.LIBRARY_MAX_MICROVERSION
    assert sent['OpenStack-API-Version'] == 'compute ' + mv
    assert sent['X-OpenStack-Nova-API-Version'] == mv
    # The version document was fetched once, without a version header.
    version_gets = [r for r in cloud.requests
                    if r.path == '/compute/v2.1/']
    assert len(version_gets) == 1
    assert 'OpenStack-API-Version' not in version_gets[0].headers


def test_microversion_follows_an_older_server():
    cloud = fakes.FakeCloud(max_microversion='2.30')
    c = client_mod.Client(cloud.session(), region_name='RegionOne')
    assert c.compute_microversion == '2.30'
    assert not c.compute.supports('2.37')


def test_explicit_microversion_skips_negotiation(cloud):
    c = client_mod.Client(cloud.session(), region_name='RegionOne',
                          compute_microversion='2.5')
    c.flavors.list()
    assert not [r for r in cloud.requests if r.path == '/compute/v2.1/']
    assert cloud.of('GET', '/flavors')[0].headers[
        'X-OpenStack-Nova-API-Version'] == '2.5'


@pytest.mark.parametrize('asked', ['latest', '2', '2.latest'])
def test_latest_negotiates(cloud, asked):
    c = client_mod.Client(cloud.session(), region_name='RegionOne',
                          compute_microversion=asked)
    assert c.compute_microversion == http.LIBRARY_MAX_MICROVERSION


def test_unsupported_microversion_is_not_acceptable(cloud):
    c = client_mod.Client(cloud.session(), region_name='RegionOne',
                          compute_microversion='2.99')
    with pytest.raises(exceptions.NotAcceptable) as info:
        c.flavors.list()
    assert info.value.http_status == 406


def test_connection_failures_are_retried(cloud):
    session = cloud.session()
    c = client_mod.Client(session, region_name='RegionOne',
                          compute_microversion='2.1', connect_retries=2,
                          retry_delay=0.001)
    session.get_token()
    session.fake_adapter.connect_failures = 2
    assert c.flavors.list()[0]['id'] == '1'


def test_connection_failure_after_retries(cloud):
    session = cloud.session()
    c = client_mod.Client(session, region_name='RegionOne',
                          compute_microversion='2.1', connect_retries=1,
                          retry_delay=0.001)
    session.get_token()
    session.fake_adapter.connect_failures = 5
    with pytest.raises(exceptions.ConnectionFailed):
        c.flavors.list()
    assert session.fake_adapter.connect_failures == 3


def test_503_is_retried(cloud, client):
    cloud.fail_status['/compute/v2.1/flavors/detail'] = [503, 503]
    assert [f['id'] for f in client.flavors.list()] == ['1']
    assert len(cloud.of('GET', '/flavors/detail')) == 3


def test_503_after_retries_is_service_unavailable(cloud):
    c = client_mod.Client(cloud.session(), region_name='RegionOne',
                          status_code_retries=1, retry_delay=0.001,
                          compute_microversion='2.1')
    cloud.fail_status['/compute/v2.1/flavors/detail'] = [503] * 3
    with pytest.raises(exceptions.ServiceUnavailable) as info:
        c.flavors.list()
    assert info.value.message == 'busy'


def test_nova_error_is_typed_with_message_and_request_id(cloud, client):
    with pytest.raises(exceptions.BadRequest) as info:
        client.flavors.create('bad', ram=0, vcpus=1, disk=1)
    exc = info.value
    assert exc.http_status == 400
    assert exc.message == 'Invalid input for field/attribute ram.'
    assert exc.request_id.startswith('req-')
    assert exc.message in str(exc) and exc.request_id in str(exc)


def test_glance_error_message_is_cleaned(cloud, client):
    with pytest.raises(exceptions.NotFound) as info:
        client.image.get('/v2/images/nope')
    assert info.value.message == ('The resource could not be found. '
                                  'No image found with ID nope')


def test_identity_error_on_bad_password(cloud):
    c = client_mod.Client(cloud.session(password='wrong'),
                          region_name='RegionOne')
    with pytest.raises(exceptions.Unauthorized) as info:
        c.flavors.list()
    assert 'requires authentication' in info.value.message


def test_versions(client):
    versions = client.versions()
    assert versions['compute']['max_version'] == '2.90'
    assert versions['compute']['microversion'] == \
        http.LIBRARY_MAX_MICROVERSION
    assert versions['image']['versions'][0]['id'] == 'v2.15'


@pytest.mark.parametrize('body,message', [
    ({'itemNotFound': {'code': 404, 'message': 'gone'}}, 'gone'),
    ({'error': {'code': 404, 'title': 'Not Found', 'message': 'no user'}},
     'no user'),
    ({'message': 'x<br />y', 'code': '404 Not Found'}, 'x y'),
])
def test_message_from_each_body_shape(body, message):
    assert exceptions._message_from_body(body)[0] == message
