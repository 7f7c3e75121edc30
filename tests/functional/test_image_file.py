"""The image service as processes (nube-image-registry on MariaDB, then
nube-image-api) with the file store: 200 MiB streams, cut-off uploads,
real clients. test_image_swift.py reuses the helpers here."""

import hashlib
import os
import socket
import subprocess
import threading
import time

import pytest
import requests

from tests.functional import fixtures

MiB = 1024 * 1024
BIG = 200 * MiB
RSS_LIMIT_KIB = 100 * 1024
TOKEN = 'admin:admin'


class Pattern:
    """``size`` bytes of a repeated random MiB: a file-like requests
    sends with Content-Length, or chunks for a chunked body. Nothing
    large is ever in memory or on disk on the client side."""

    _block = os.urandom(MiB)
    _double = _block + _block

    def __init__(self, size):
        self.size = size
        self.sent = 0

    def __len__(self):
        return self.size - self.sent

    def read(self, n=-1):
        n = len(self) if n is None or n < 0 else min(n, len(self))
        parts = []
        while n > 0:
            offset = self.sent % MiB
            take = min(n, MiB)
            parts.append(self._double[offset:offset + take])
            self.sent += take
            n -= take
        return b''.join(parts)

    def chunks(self, size=64 * 1024):
        while True:
            data = self.read(size)
            if not data:
                return
            yield data

    @classmethod
    def digests(cls, size):
        md5, sha = hashlib.md5(), hashlib.sha512()
        for chunk in cls(size).chunks(MiB):
            md5.update(chunk)
            sha.update(chunk)
        return md5.hexdigest(), sha.hexdigest()


class RssMonitor:
    """Samples a process's VmRSS every 20 ms; ``peak`` in KiB."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                with open('/proc/%d/status' % self.pid) as f:
                    for line in f:
                        if line.startswith('VmRSS:'):
                            self.peak = max(self.peak, int(line.split()[1]))
                            self.samples += 1
            except OSError:
                return
            self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class ImageService:
    """Registry + API processes on free ports, with a store config."""

    def __init__(self, service_factory, database_url, tmp_path, store):
        self.tmp_path = tmp_path
        registry_port = fixtures.free_tcp_port()
        api_port = fixtures.free_tcp_port()
        self.url = 'http://127.0.0.1:%d' % api_port
        self.config = {
            'DEFAULT': {'state_path': str(tmp_path / 'state')},
            'image_database': {'connection': database_url},
            'image_registry': {'listen': '127.0.0.1', 'port': registry_port,
                               'url': 'http://127.0.0.1:%d' % registry_port},
            'image_api': {'listen': '127.0.0.1', 'port': api_port},
            'image_store': dict(store),
        }
        path = fixtures.write_config(tmp_path / 'image.conf', self.config)
        subprocess.run([fixtures.script_path('nube-manage'), '--config-file',
                        path, 'image_db', 'sync'], check=True,
                       capture_output=True, timeout=60)
        # Green services even when unit tests in the same run asked for
        # no monkey-patching (tests/unit/conftest.py sets it in environ).
        env = {'NUBE_NO_MONKEY_PATCH': '0'}
        self.registry = service_factory('nube-image-registry', path, env=env)
        self.api = service_factory('nube-image-api', path, env=env)
        self.registry.wait_for_http(
            'http://127.0.0.1:%d/images' % registry_port, timeout=30)
        self.api.wait_for_http(self.url + '/versions', timeout=30,
                               status=300)
        self.session = requests.Session()
        self.session.headers['X-Auth-Token'] = TOKEN

    def create(self, **body):
        body.setdefault('name', 'functional')
        body.setdefault('disk_format', 'raw')
        body.setdefault('container_format', 'bare')
        resp = self.session.post(self.url + '/v2/images', json=body)
        assert resp.status_code == 201, resp.text
        return resp.json()

    def show(self, image_id):
        return self.session.get(self.url + '/v2/images/' + image_id).json()

    def upload(self, image_id, data, **kwargs):
        return self.session.put(
            self.url + '/v2/images/%s/file' % image_id, data=data,
            headers={'Content-Type': 'application/octet-stream'}, **kwargs)

    def download_digests(self, image_id):
        """(md5, sha512, size, headers) of a streamed download."""
        md5, sha, size = hashlib.md5(), hashlib.sha512(), 0
        with self.session.get(self.url + '/v2/images/%s/file' % image_id,
                              stream=True) as resp:
            assert resp.status_code == 200, resp.text
            for chunk in resp.iter_content(MiB):
                md5.update(chunk)
                sha.update(chunk)
                size += len(chunk)
            return md5.hexdigest(), sha.hexdigest(), size, resp.headers

    def cut_off_upload(self, image_id, declared, sent, chunked=False):
        """Send part of a body on a raw socket, then hang up."""
        host, port = self.url[len('http://'):].split(':')
        sock = socket.create_connection((host, int(port)), timeout=30)
        head = ['PUT /v2/images/%s/file HTTP/1.1' % image_id,
                'Host: %s:%s' % (host, port), 'X-Auth-Token: ' + TOKEN,
                'Content-Type: application/octet-stream']
        head.append('Transfer-Encoding: chunked' if chunked
                    else 'Content-Length: %d' % declared)
        sock.sendall(('\r\n'.join(head) + '\r\n\r\n').encode())
        block = b'c' * MiB
        for _ in range(sent // MiB):
            if chunked:
                sock.sendall(b'%x\r\n' % len(block) + block + b'\r\n')
            else:
                sock.sendall(block)
        sock.close()

    def wait_for_status(self, image_id, status, timeout=30):
        return fixtures.poll(
            lambda: self.show(image_id)['status'] == status and
            self.show(image_id), timeout,
            message='image %s never became %s' % (image_id, status))


def big_transfers(service):
    """Upload 200 MiB with Content-Length and again chunked, download
    both, compare hashes; return the image API's peak RSS (KiB)."""
    md5, sha = Pattern.digests(BIG)
    images = [service.create(name='big-length'),
              service.create(name='big-chunked')]
    with RssMonitor(service.api.pid) as rss:
        resp = service.upload(images[0]['id'], Pattern(BIG))
        assert resp.status_code == 204, resp.text
        assert 'Content-Type' not in resp.headers
        resp = service.upload(images[1]['id'], Pattern(BIG).chunks())
        assert resp.status_code == 204, resp.text
        for image in images:
            shown = service.show(image['id'])
            assert shown['status'] == 'active'
            assert shown['size'] == BIG
            assert shown['checksum'] == md5
            assert shown['os_hash_algo'] == 'sha512'
            assert shown['os_hash_value'] == sha
            got_md5, got_sha, size, headers = service.download_digests(
                image['id'])
            assert (got_md5, got_sha, size) == (md5, sha, BIG)
            assert headers['Content-MD5'] == md5
    assert rss.samples > 10
    assert rss.peak < RSS_LIMIT_KIB, 'image API RSS peaked at %d KiB' % \
        rss.peak
    return images, rss.peak


def cut_off_uploads(service):
    """A Content-Length body and a chunked body that stop halfway leave
    their images queued; return the two images."""
    images = []
    for chunked in (False, True):
        image = service.create(name='cut-off')
        service.cut_off_upload(image['id'], declared=40 * MiB,
                               sent=20 * MiB, chunked=chunked)
        # The claim (saving) is released once the API sees the hang-up,
        # after the store removed what it had written.
        fixtures.poll(lambda: service.show(image['id'])['status'] ==
                      'queued', 30, message='upload claim never released')
        assert service.store_is_empty(), 'partial data left in the store'
        images.append(image)
    return images


def clients_round_trip(service, tmp_path):
    """glanceclient and openstacksdk, unchanged, with noauth tokens."""
    from glanceclient import Client
    import openstack

    data = os.urandom(3 * MiB + 5)
    path = tmp_path / 'client.img'
    path.write_bytes(data)
    md5 = hashlib.md5(data).hexdigest()

    glance = Client('2', endpoint=service.url, token=TOKEN)
    image = glance.images.create(name='from-glanceclient',
                                 disk_format='raw', container_format='bare',
                                 color='blue')
    assert image.status == 'queued' and image.color == 'blue'
    with open(path, 'rb') as f:
        glance.images.upload(image.id, f)     # chunked transfer
    shown = glance.images.get(image.id)
    assert shown.status == 'active' and shown.checksum == md5
    assert b''.join(glance.images.data(image.id)) == data   # verified
    glance.images.update(image.id, name='renamed', remove_props=['color'])
    assert 'color' not in glance.images.get(image.id)
    glance.images.delete(image.id)
    assert [i.id for i in glance.images.list()
            if i.id == image.id] == []

    conn = openstack.connection.Connection(
        auth_type='admin_token',
        auth={'endpoint': service.url, 'token': TOKEN},
        image_endpoint_override=service.url, region_name='RegionOne')
    sdk_image = conn.image.create_image(
        name='from-sdk', filename=str(path), disk_format='raw',
        container_format='bare', wait=True)
    fetched = conn.image.get_image(sdk_image.id)
    assert fetched.status == 'active' and fetched.checksum == md5
    out = tmp_path / 'sdk.out'
    conn.image.download_image(fetched, output=str(out))
    assert out.read_bytes() == data
    assert conn.image.find_image('from-sdk').id == sdk_image.id
    conn.image.delete_image(fetched)
    assert conn.image.find_image('from-sdk') is None


# -- the file store --------------------------------------------------------

@pytest.fixture
def file_service(service_factory, database_factory, tmp_path):
    datadir = tmp_path / 'images'
    service = ImageService(service_factory, database_factory('image')['image'],
                           tmp_path, {'default_store': 'file',
                                      'filesystem_store_datadir': datadir})
    service.datadir = datadir
    service.store_is_empty = lambda: not datadir.exists() or \
        os.listdir(datadir) == []
    return service


def test_file_store_streams_200mib_with_flat_memory(file_service):
    started = time.monotonic()
    images, peak = big_transfers(file_service)
    print('file store: image API peak RSS %d KiB' % peak)
    assert sorted(os.listdir(file_service.datadir)) == sorted(
        i['id'] for i in images)
    for image in images:
        resp = file_service.session.delete(
            file_service.url + '/v2/images/' + image['id'])
        assert resp.status_code == 204
    assert os.listdir(file_service.datadir) == []
    assert time.monotonic() - started < 60


def test_file_store_cut_off_upload_leaves_queued_image(file_service):
    images = cut_off_uploads(file_service)
    # A complete upload still works afterwards.
    resp = file_service.upload(images[0]['id'], b'whole')
    assert resp.status_code == 204
    assert file_service.show(images[0]['id'])['status'] == 'active'


def test_file_store_with_glanceclient_and_openstacksdk(file_service,
                                                       tmp_path):
    clients_round_trip(file_service, tmp_path)
    assert os.listdir(file_service.datadir) == []
