"""openstacksdk, unchanged from PyPI, against a whole nube cloud.

The cloud is tests/functional/keystone_cloud.py's: nube-identity, the
image API and registry, the compute API, a scheduler, a conductor and a
fake-driver compute, each its own process, keystone auth everywhere. The
SDK is driven as a user would: a clouds.yaml, a member of a project (not
the admin), the proxy layer (``conn.compute``, ``conn.image``) and the
cloud layer (``conn.create_server`` ...).

test_real_clients_cli.py and test_real_clients_legacy.py use the same
cloud (``running_cloud``): one start for the three modules.
"""

import hashlib
import os

import openstack
from openstack import exceptions as sdk_exc
import pytest
import yaml

from tests.functional import keystone_cloud

REGION = keystone_cloud.REGION
FLAVOR = 'rc.tiny'
DEMO_PASSWORD = 'demo-pw'
TIMEOUT = 90
HOST = 'rc-host'
_SHARED = {}


def _cloud_entry(auth_url, username, password, project):
    return {
        'auth': {'auth_url': auth_url, 'username': username,
                 'password': password, 'project_name': project,
                 'user_domain_name': 'Default',
                 'project_domain_name': 'Default'},
        'region_name': REGION, 'identity_api_version': 3,
        'interface': 'public',
    }


PUBLIC_RANGE = '172.31.250.0/24'


def _public_network(c):
    """The floating IP pool 'public', as devstack makes it (the SDK's
    auto_ip finds it by router:external)."""
    net = c.network('POST', '/v2.0/networks', {'network': {
        'name': 'public', 'router:external': True}})['network']
    c.network('POST', '/v2.0/subnets', {'subnet': {
        'network_id': net['id'], 'ip_version': 4, 'cidr': PUBLIC_RANGE,
        'enable_dhcp': False}})
    return net


def _start_cloud(workdir):
    c = keystone_cloud.start_small_cloud(workdir, HOST)
    try:
        c.project('demo')
        c.actor('demo', 'demo', 'member')
        c.post('/flavors', {'flavor': {'name': FLAVOR, 'id': 'rc-tiny',
                                       'ram': 64, 'vcpus': 1, 'disk': 1}})
        c.public = _public_network(c)
        c.clouds_yaml = os.path.join(c.workdir, 'clouds.yaml')
        with open(c.clouds_yaml, 'w') as f:
            yaml.safe_dump({'clouds': {
                'nube-admin': _cloud_entry(
                    c.auth_url, 'admin', keystone_cloud.ADMIN_PASSWORD,
                    'admin'),
                'nube-demo': _cloud_entry(c.auth_url, 'demo',
                                          DEMO_PASSWORD, 'demo'),
            }}, f)
    except BaseException:
        print(c.dump_logs())
        c.stop()
        raise
    return c


def _later_users(request):
    """Whether a test_real_clients* module still has tests to run."""
    items = request.session.items
    mine = [i for i, item in enumerate(items)
            if item.module is request.module]
    later = items[mine[-1] + 1:] if mine else []
    return any(item.module.__name__.startswith(__name__) for item in later)


def running_cloud(tmp_path_factory, request):
    """Generator for the module-scoped ``cloud`` fixtures of the
    test_real_clients* modules: one KeystoneCloud shared by consecutive
    modules (clients name their resources apart), stopped after the last.

    Adds ``clouds_yaml`` (clouds 'nube-admin' and 'nube-demo', a member
    of project 'demo') and the public flavor FLAVOR.
    """
    c = _SHARED.get('cloud')
    if c is None:
        c = _SHARED['cloud'] = _start_cloud(
            tmp_path_factory.mktemp('real-clients'))
        # A session that ends early (-x, a failed setup, Ctrl-C) never
        # reaches the last module: stop the cloud with the session then.
        request.config.add_cleanup(
            lambda: _SHARED.pop('cloud', None) and c.stop())
    try:
        yield c
    finally:
        if request.session.testsfailed:
            print(c.dump_logs())
        if not _later_users(request):
            _SHARED.pop('cloud').stop()


def connect(cloud, name='nube-demo'):
    """An openstack.connection.Connection from the cloud's clouds.yaml."""
    config = openstack.config.OpenStackConfig(
        config_files=[cloud.clouds_yaml], load_envvars=False)
    return openstack.connection.Connection(
        config=config.get_one(cloud=name))


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    yield from running_cloud(tmp_path_factory, request)


@pytest.fixture(scope='module')
def conn(cloud):
    c = connect(cloud)
    yield c
    c.close()


@pytest.fixture(scope='module')
def image(conn):
    """An active image uploaded through the proxy layer: (image, data)."""
    data = os.urandom(256 * 1024 + 17)
    created = conn.image.create_image(
        name='sdk-boot', data=data, disk_format='raw',
        container_format='bare')
    return conn.image.get_image(created.id), data


# -- proxy layer ------------------------------------------------------------

def test_proxy_image_upload_and_download(conn, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 5)
    created = conn.image.create_image(
        name='sdk-proxy-image', data=data, disk_format='raw',
        container_format='bare')
    image = conn.image.get_image(created.id)
    assert image.status == 'active'
    assert image.size == len(data)
    assert image.checksum == hashlib.md5(data).hexdigest()
    assert image.hash_algo == 'sha512'
    assert image.hash_value == hashlib.sha512(data).hexdigest()
    assert image.owner_id == conn.current_project_id
    # Whole body, then streamed to a file: both verified by the SDK
    # against os_hash_value while reading.
    assert conn.image.download_image(image).content == data
    out = tmp_path / 'proxy.out'
    conn.image.download_image(image, stream=True, output=str(out),
                              chunk_size=65536)
    assert out.read_bytes() == data
    assert image.id in [i.id for i in conn.image.images()]
    conn.image.delete_image(image)
    conn.image.wait_for_delete(image, wait=TIMEOUT)
    assert conn.image.find_image(image.id, ignore_missing=True) is None


def test_proxy_server_lifecycle(conn, image):
    img, _data = image
    flavor = conn.compute.find_flavor(FLAVOR, ignore_missing=False)
    server = conn.compute.create_server(
        name='sdk-proxy-server', image_id=img.id, flavor_id=flavor.id,
        networks='none')
    server = conn.compute.wait_for_server(server, status='ACTIVE',
                                          wait=TIMEOUT, interval=1)
    assert server.status == 'ACTIVE'
    assert server.image.id == img.id
    assert server.flavor.original_name == FLAVOR
    assert server.project_id == conn.current_project_id
    assert server.task_state is None
    assert server.vm_state == 'active'
    listed = {s.id: s for s in conn.compute.servers()}
    assert listed[server.id].name == 'sdk-proxy-server'
    assert [s.id for s in conn.compute.servers(
        name='sdk-proxy-server')] == [server.id]
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=TIMEOUT, interval=1)
    with pytest.raises(sdk_exc.NotFoundException):
        conn.compute.get_server(server.id)
    assert server.id not in [s.id for s in conn.compute.servers()]


def test_proxy_server_with_fixed_address(conn, image):
    img, _data = image
    server = conn.compute.create_server(
        name='sdk-proxy-net', image_id=img.id, flavor_id='rc-tiny',
        networks='auto')
    server = conn.compute.wait_for_server(server, wait=TIMEOUT, interval=1)
    (addresses,) = server.addresses.values()
    assert addresses[0]['OS-EXT-IPS:type'] == 'fixed'
    assert addresses[0]['version'] == 4
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=TIMEOUT, interval=1)


def test_proxy_networks_subnets_ports(conn, image):
    """conn.network.* against nube-network-api, and a server on a port."""
    img, _data = image
    net = conn.network.create_network(name='sdk-net')
    assert net.status == 'ACTIVE'
    assert conn.network.find_network('sdk-net').id == net.id
    subnet = conn.network.create_subnet(
        network_id=net.id, ip_version=4, cidr='10.73.0.0/24',
        name='sdk-sub', allocation_pools=[{'start': '10.73.0.10',
                                           'end': '10.73.0.20'}])
    assert subnet.gateway_ip == '10.73.0.1'
    assert [s.id for s in conn.network.subnets(network_id=net.id)] == [
        subnet.id]
    port = conn.network.create_port(network_id=net.id, name='sdk-port')
    assert port.fixed_ips == [{'subnet_id': subnet.id,
                               'ip_address': '10.73.0.10'}]
    with pytest.raises(sdk_exc.ConflictException):
        conn.network.create_port(network_id=net.id, fixed_ips=[
            {'ip_address': '10.73.0.10'}])
    server = conn.compute.create_server(
        name='sdk-on-port', image_id=img.id, flavor_id='rc-tiny',
        networks=[{'port': port.id}])
    server = conn.compute.wait_for_server(server, wait=TIMEOUT, interval=1)
    assert server.addresses == {'sdk-net': [{
        'version': 4, 'addr': '10.73.0.10', 'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': port.mac_address}]}
    assert conn.network.get_port(port.id).device_id == server.id
    assert [p.id for p in conn.network.ports(device_id=server.id)] == [
        port.id]
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=TIMEOUT, interval=1)
    assert conn.network.get_port(port.id).device_id == ''
    conn.network.delete_port(port)
    conn.network.delete_network(net)
    assert conn.network.find_network('sdk-net') is None


# -- cloud layer ------------------------------------------------------------

def test_cloud_layer_image(conn, tmp_path):
    data = os.urandom(700 * 1024)
    path = tmp_path / 'cloud-layer.raw'
    path.write_bytes(data)
    # validate_checksum: the SDK hashes the file, stores the hashes as
    # properties and compares them with the checksum nube computed.
    image = conn.create_image('sdk-cloud-image', filename=str(path),
                              disk_format='raw', container_format='bare',
                              wait=True, timeout=TIMEOUT,
                              validate_checksum=True)
    assert image.status == 'active'
    assert image.checksum == hashlib.md5(data).hexdigest()
    assert image.properties['owner_specified.openstack.sha256'] == \
        hashlib.sha256(data).hexdigest()
    # Asked again, the SDK finds the image (up to date) by name.
    again = conn.create_image('sdk-cloud-image', filename=str(path),
                              disk_format='raw', container_format='bare',
                              wait=True, timeout=TIMEOUT,
                              validate_checksum=True)
    assert again.id == image.id
    out = tmp_path / 'cloud-layer.out'
    conn.download_image('sdk-cloud-image', output_path=str(out))
    assert out.read_bytes() == data
    assert conn.get_image('sdk-cloud-image').id == image.id
    assert conn.delete_image('sdk-cloud-image', wait=True, timeout=TIMEOUT)
    assert conn.get_image('sdk-cloud-image') is None


def test_cloud_layer_server(conn, image):
    """create_server with the SDK's defaults (auto_ip): ACTIVE with its
    fixed address and a floating one from the pool, which outlives the
    server (the project keeps it, free)."""
    img, _data = image
    server = conn.create_server('sdk-cloud-server', image=img.id,
                                flavor=FLAVOR, wait=True, timeout=TIMEOUT)
    assert server.status == 'ACTIVE'
    floating = [a['addr'] for addrs in server.addresses.values()
                for a in addrs if a['OS-EXT-IPS:type'] == 'floating']
    assert len(floating) == 1 and floating[0].startswith('172.31.250.'), \
        server.addresses
    # The server create_server returns after attaching a floating IP is
    # the compute proxy's (no private_v4/public_v4: the SDK's own doing);
    # get_server fills them in.
    shown = conn.get_server(server.id)
    assert shown.public_v4 == floating[0]
    assert shown.private_v4.startswith('10.'), shown.addresses
    fips = conn.list_floating_ips({'floating_ip_address': floating[0]})
    assert [f.fixed_ip_address for f in fips] == [shown.private_v4]
    assert server.id in [s.id for s in conn.list_servers()]
    assert conn.get_server('sdk-cloud-server').id == server.id
    assert conn.delete_server('sdk-cloud-server', wait=True,
                              timeout=TIMEOUT)
    assert conn.get_server(server.id) is None
    assert server.id not in [s.id for s in conn.list_servers()]
    assert conn.delete_server('sdk-cloud-server') is False
    kept = conn.get_floating_ip(fips[0].id)
    assert kept.port_id is None and kept.fixed_ip_address is None
    assert conn.delete_floating_ip(fips[0].id)
    assert conn.get_floating_ip(fips[0].id) is None


def test_admin_views(cloud):
    admin = connect(cloud, 'nube-admin')
    try:
        hypervisors = list(admin.compute.hypervisors(details=True))
        assert [h.name for h in hypervisors] == [HOST]
        assert hypervisors[0].state == 'up'
        zones = {z.name for z in admin.compute.availability_zones()}
        assert 'nova' in zones
        flavor = admin.compute.create_flavor(
            name='sdk-flavor', ram=128, vcpus=1, disk=0)
        assert admin.compute.get_flavor(flavor.id).ram == 128
        admin.compute.delete_flavor(flavor)
        assert admin.compute.find_flavor('sdk-flavor') is None
    finally:
        admin.close()


def test_project_in_compute_path(cloud, conn, image):
    """A catalog of the older kind, compute at /v2.1/{project_id}: the SDK
    discovers the version there and every call carries the project."""
    img, _data = image
    config = openstack.config.OpenStackConfig(
        config_files=[cloud.clouds_yaml], load_envvars=False)
    region = config.get_one(
        cloud='nube-demo', compute_endpoint_override=cloud.url(
            '/v2.1/%s' % conn.current_project_id))
    legacy = openstack.connection.Connection(config=region)
    try:
        server = legacy.compute.create_server(
            name='sdk-path-project', image_id=img.id, flavor_id='rc-tiny',
            networks='none')
        server = legacy.compute.wait_for_server(server, wait=TIMEOUT,
                                                interval=1)
        assert conn.compute.get_server(server.id).name == 'sdk-path-project'
        assert server.id in [s.id for s in legacy.compute.servers()]
        legacy.compute.delete_server(server)
        legacy.compute.wait_for_delete(server, wait=TIMEOUT, interval=1)
    finally:
        legacy.close()
