"""python-novaclient and python-glanceclient (unchanged from PyPI) as
libraries on a keystoneauth1 session, against a whole nube cloud."""

import hashlib
import io
import os
from unittest import mock

from glanceclient import client as glance_client
from glanceclient.common import http as glance_http
from glanceclient.common import utils as glance_utils
from glanceclient import exc as glance_exc
from novaclient import api_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
import pytest

from tests.functional import fixtures
from tests.functional import test_real_clients as base

REGION = base.REGION


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    yield from base.running_cloud(tmp_path_factory, request)


@pytest.fixture(scope='module')
def session(cloud):
    return cloud.session_for('demo', base.DEMO_PASSWORD, 'demo')


@pytest.fixture(scope='module')
def nova(session):
    """A novaclient at the newest microversion both sides know, found the
    way the ``nova`` shell finds it."""
    probe = nova_client.Client('2.1', session=session, region_name=REGION)
    version = api_versions.discover_version(
        probe, api_versions.APIVersion('2.latest'))
    return nova_client.Client(version, session=session, region_name=REGION)


@pytest.fixture(scope='module')
def glance(session):
    return glance_client.Client('2', session=session, region_name=REGION)


@pytest.fixture(scope='module')
def image(glance):
    image = glance.images.create(name='legacy-boot', disk_format='raw',
                                 container_format='bare')
    glance.images.upload(image.id, io.BytesIO(os.urandom(64 * 1024)))
    return glance.images.get(image.id)


def _wait_for_status(nova, server_id, status='ACTIVE'):
    def settled():
        server = nova.servers.get(server_id)
        return server if server.status in (status, 'ERROR') else None
    server = fixtures.poll(settled, 90, interval=0.5,
                           message='server %s never settled' % server_id)
    assert server.status == status, server.to_dict()
    return server


def _wait_for_gone(nova, server_id):
    def gone():
        try:
            nova.servers.get(server_id)
        except nova_exc.NotFound:
            return True
        return False
    fixtures.poll(gone, 90, interval=0.5,
                  message='server %s never went away' % server_id)


# -- novaclient --------------------------------------------------------------

def test_novaclient_negotiates_a_microversion(nova):
    assert nova.api_version >= api_versions.APIVersion('2.37')
    assert not nova.api_version.is_latest()


def test_novaclient_flavors(nova):
    flavors = {f.name: f for f in nova.flavors.list()}
    tiny = flavors[base.FLAVOR]
    assert (tiny.ram, tiny.vcpus, tiny.disk) == (64, 1, 1)
    assert nova.flavors.get(tiny.id).name == base.FLAVOR
    assert nova.flavors.find(name=base.FLAVOR).id == tiny.id
    with pytest.raises(nova_exc.NotFound):
        nova.flavors.get('no-such-flavor')


@pytest.mark.parametrize('nics', ['none', 'auto'])
def test_novaclient_server_lifecycle(nova, image, nics):
    name = 'legacy-%s' % nics
    flavor = nova.flavors.find(name=base.FLAVOR)
    server = nova.servers.create(name, image.id, flavor.id, nics=nics,
                                 meta={'via': 'novaclient'})
    assert server.request_ids
    server = _wait_for_status(nova, server.id)
    assert server.name == name
    assert server.metadata == {'via': 'novaclient'}
    assert server.image['id'] == image.id
    assert server.flavor['original_name'] == base.FLAVOR
    assert getattr(server, 'OS-EXT-STS:task_state') is None
    if nics == 'none':
        assert server.addresses == {}
    else:
        (addresses,) = server.addresses.values()
        assert addresses[0]['OS-EXT-IPS:type'] == 'fixed'
        assert server.networks
    listed = {s.id: s for s in nova.servers.list()}
    assert listed[server.id].status == 'ACTIVE'
    assert [s.id for s in nova.servers.list(
        search_opts={'name': name})] == [server.id]
    assert nova.servers.find(name=name).id == server.id
    nova.servers.delete(server)
    _wait_for_gone(nova, server.id)
    assert server.id not in [s.id for s in nova.servers.list()]


def test_novaclient_not_found(nova):
    with pytest.raises(nova_exc.NotFound) as info:
        nova.servers.get('00000000-0000-0000-0000-000000000000')
    assert info.value.code == 404
    assert info.value.request_id


# -- glanceclient ------------------------------------------------------------

def test_glanceclient_image_lifecycle(glance):
    data = os.urandom(2 * 1024 * 1024 + 11)
    image = glance.images.create(name='legacy-image', disk_format='raw',
                                 container_format='bare', purpose='test')
    assert image.status == 'queued'
    assert image.visibility == 'shared'
    # glanceclient sends a file object in chunks (Transfer-Encoding:
    # chunked, no Content-Length).
    with mock.patch.object(glance_http._BaseHTTPClient, '_chunk_body',
                           wraps=glance_http._BaseHTTPClient._chunk_body) \
            as chunker:
        glance.images.upload(image.id, io.BytesIO(data))
    assert chunker.called
    image = glance.images.get(image.id)
    assert image.status == 'active'
    assert image.size == len(data)
    assert image.checksum == hashlib.md5(data).hexdigest()
    assert image.os_hash_algo == 'sha512'
    assert image.os_hash_value == hashlib.sha512(data).hexdigest()
    assert image.purpose == 'test'
    # The download is checked against os_hash_value while it streams.
    with mock.patch.object(glance_utils, 'serious_integrity_iter',
                           wraps=glance_utils.serious_integrity_iter) \
            as verifier:
        body = glance.images.data(image.id)
        assert b''.join(body) == data
    assert verifier.call_args.args[2] == image.os_hash_value
    assert image.id in [i.id for i in glance.images.list()]
    assert [i.id for i in glance.images.list(
        filters={'name': 'legacy-image'})] == [image.id]
    glance.images.update(image.id, purpose='updated')
    assert glance.images.get(image.id).purpose == 'updated'
    glance.images.delete(image.id)
    with pytest.raises(glance_exc.HTTPNotFound):
        glance.images.get(image.id)
    assert image.id not in [i.id for i in glance.images.list()]


def test_glanceclient_empty_image_download(glance):
    image = glance.images.create(name='legacy-empty', disk_format='raw',
                                 container_format='bare')
    # No data yet: 204, which glanceclient turns into an empty body.
    body = glance.images.data(image.id)
    assert not body or b''.join(body) == b''
    glance.images.delete(image.id)
