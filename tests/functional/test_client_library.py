"""nube.client against a real cloud: nube-identity, the image API and
registry, the compute API, scheduler, conductor and a compute, each its
own process with keystone auth (tests/functional/keystone_cloud.py).

The library finds every endpoint in the token's catalog, negotiates the
compute microversion, streams an image up from an iterator and down to
a file with its sha512 checked, boots a server and waits for it, drives
its actions and deletes it with a wait; errors come back typed, with the
server's message and request id.
"""

import io
import os
import time

import pytest
import yaml

from nube.api import microversion
from nube.client import Client
from nube.client import exceptions
from tests.functional import fixtures
from tests.functional import keystone_cloud

REGION = keystone_cloud.REGION
IMAGE_DATA = b'nube-client-library-image-' * 40000   # ~1 MiB


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    with keystone_cloud.running(request, tmp_path_factory.mktemp('clientlib'),
                                'lib-host') as c:
        yield c


@pytest.fixture(scope='module')
def client(cloud):
    return Client(cloud.admin, region_name=REGION, retry_delay=0.1)


def _chunks(data, size=65536):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_discovery_and_microversion(cloud, client):
    assert client.compute.endpoint() == cloud.url('/v2.1')
    assert client.image.base_url() == cloud.image_url
    assert client.compute_microversion == microversion.MAX_VERSION_STRING
    versions = client.versions()
    assert versions['compute']['min_version'] == '2.1'
    assert versions['image']['versions'][0]['status'] == 'CURRENT'


def test_from_cloud_reads_clouds_yaml(cloud, tmp_path):
    path = tmp_path / 'clouds.yaml'
    path.write_text(yaml.safe_dump({'clouds': {'lib': {
        'auth': {'auth_url': cloud.auth_url, 'username': 'admin',
                 'password': keystone_cloud.ADMIN_PASSWORD,
                 'project_name': 'admin', 'user_domain_name': 'Default',
                 'project_domain_name': 'Default'},
        'region_name': REGION}}}))
    c = Client.from_cloud('lib', env={'OS_CLIENT_CONFIG_FILE': str(path)})
    names = {z['zoneName'] for z in c.availability_zones.list()}
    assert names


def test_image_round_trip(client, tmp_path):
    progress = []
    image = client.images.create(
        'lib-image', data=_chunks(IMAGE_DATA), properties={'purpose': 't'},
        callback=lambda done, total: progress.append(done))
    try:
        assert image['status'] == 'active'
        assert image['size'] == len(IMAGE_DATA)
        assert progress[-1] == len(IMAGE_DATA)
        dest = tmp_path / 'down.img'
        result = client.images.download('lib-image', str(dest))
        assert result['verified'] == 'sha512'
        assert dest.read_bytes() == IMAGE_DATA
        buffer = io.BytesIO()
        client.images.download(image, buffer)
        assert buffer.getvalue() == IMAGE_DATA
        updated = client.images.update(image, purpose='changed', extra='x')
        assert (updated['purpose'], updated['extra']) == ('changed', 'x')
        assert image['id'] in {i['id'] for i in client.images.list()}
    finally:
        client.images.delete(image)
    with pytest.raises(exceptions.NotFound) as info:
        client.images.get(image['id'])
    assert info.value.request_id


def test_server_life_cycle(client, tmp_path):
    flavor = client.flavors.create('lib-flavor', ram=64, vcpus=1, disk=1)
    path = tmp_path / 'disk.img'
    path.write_bytes(IMAGE_DATA)
    image = client.images.create('lib-boot', data=str(path))
    try:
        assert client.flavors.get('lib-flavor')['id'] == flavor['id']
        seen = []
        server = client.servers.create(
            'lib-vm', 'lib-boot', 'lib-flavor', networks='none',
            metadata={'role': 'test'}, wait=True, timeout=120,
            interval=0.2,
            callback=lambda progress, body: seen.append(body['status']))
        assert server['status'] == 'ACTIVE'
        assert seen[-1] == 'ACTIVE'
        assert server['metadata'] == {'role': 'test'}
        assert server['image']['id'] == image['id']
        assert client.servers.get('lib-vm')['id'] == server['id']
        assert server['id'] in {s['id'] for s in client.servers.list()}

        assert 'console' in client.servers.console_output(server)
        client.servers.stop(server)
        client.servers.wait_for_status(server, 'SHUTOFF', timeout=60,
                                       interval=0.2)
        client.servers.start('lib-vm')
        client.servers.wait_for_status(server, 'ACTIVE', timeout=60,
                                       interval=0.2)
        client.servers.reboot(server, hard=True)
        client.servers.wait_for_status(server, 'ACTIVE', timeout=60,
                                       interval=0.2)
        renamed = client.servers.update(server, name='lib-vm-2')
        assert renamed['name'] == 'lib-vm-2'

        deleted = []
        client.servers.delete(server, wait=True, timeout=60, interval=0.2,
                              callback=lambda p, body: deleted.append(
                                  body['status']))
        assert deleted[-1] == 'DELETED'
        with pytest.raises(exceptions.NotFound):
            client.servers.get(server['id'])
    finally:
        client.images.delete(image)
        client.flavors.delete(flavor)


def test_bad_request_is_typed_with_message_and_request_id(client):
    with pytest.raises(exceptions.BadRequest) as info:
        client.servers.create('bad', '6b3a8b0e-8a53-4d4e-9d39-1cf0a2d6a4f1',
                              {'id': 'no-such-flavor'})
    exc = info.value
    assert exc.http_status == 400
    assert 'no-such-flavor' in exc.message
    assert exc.request_id.startswith('req-')
    assert exc.request_id in str(exc)
    with pytest.raises(exceptions.NotFoundByName):
        client.servers.get('no-such-server')


def test_admin_views(client):
    hypervisors = client.hypervisors.list(detailed=True)
    assert [h['hypervisor_hostname'] for h in hypervisors] == ['lib-host']
    binaries = {s['binary'] for s in client.services.list()}
    assert {'nube-compute', 'nube-conductor'} <= binaries
    # The scheduler's row (cell0) appears with its first heartbeat.
    deadline = time.monotonic() + 30
    while 'nube-scheduler' not in binaries:
        assert time.monotonic() < deadline, binaries
        time.sleep(0.5)
        binaries = {s['binary'] for s in client.services.list()}
    computes = client.services.list(binary='nube-compute')
    assert [s['host'] for s in computes] == ['lib-host']
    assert client.availability_zones.list(detailed=True)


def test_unreachable_endpoint_is_connection_failed(cloud):
    c = Client(cloud.admin, region_name=REGION, connect_retries=1,
               retry_delay=0.01, compute_endpoint_override='http://127.0.0.1'
               ':%d/v2.1' % fixtures.free_tcp_port())
    with pytest.raises(exceptions.ConnectionFailed):
        c.flavors.list()


def test_env_without_auth_url_is_config_error():
    with pytest.raises(exceptions.ConfigError):
        Client.from_env(env={k: v for k, v in os.environ.items()
                             if not k.startswith('OS_')})
