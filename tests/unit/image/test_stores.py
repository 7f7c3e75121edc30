"""The stores: file (real files), http (a local http.server thread) and
swift (segmenting logic against a stand-in connection; the real Swift is
exercised by tests/functional/test_image_swift.py)."""

import hashlib
import os

import pytest

import nube.conf
from nube.image import stores
from nube.image.stores import base
from nube.image.stores import file as file_store
from nube.image.stores import http as http_store
from nube.image.stores import streaming
from nube.image.stores import swift as swift_store
from tests.unit.image import conftest

CONF = nube.conf.CONF
IMAGE = '6a0c1cd4-0f3f-4c36-9a4c-4cbd0e0f1a5e'


def _chunks(data, size=4096):
    return (data[i:i + size] for i in range(0, len(data), size))


def _read(store, location):
    body, size = store.get(location)
    try:
        return b''.join(body), size
    finally:
        body.close()


# -- file ----------------------------------------------------------------

@pytest.fixture
def fstore(datadir):
    return file_store.FileStore(CONF)


def test_file_add_get_delete(fstore, datadir):
    data = os.urandom(100000)
    result = fstore.add(IMAGE, _chunks(data), len(data))
    assert result.location == 'file://%s/%s' % (datadir, IMAGE)
    assert result.size == len(data)
    assert result.checksum == hashlib.md5(data).hexdigest()
    assert result.os_hash_algo == 'sha512'
    assert result.os_hash_value == hashlib.sha512(data).hexdigest()
    assert os.listdir(datadir) == [IMAGE]
    assert _read(fstore, result.location) == (data, len(data))
    assert fstore.get_size(result.location) == len(data)
    fstore.delete(result.location)
    assert os.listdir(datadir) == []
    with pytest.raises(base.StoreNotFound):
        fstore.get(result.location)


def test_file_failed_upload_leaves_nothing(fstore, datadir):
    def broken():
        yield b'a' * 5000
        raise streaming.IncompleteUpload(got=5000, expected=9000)

    with pytest.raises(streaming.IncompleteUpload):
        fstore.add(IMAGE, broken(), 9000)
    assert os.listdir(datadir) == []


def test_file_size_cap_leaves_nothing(fstore, datadir):
    data = b'z' * 10000
    with pytest.raises(streaming.ImageSizeExceeded):
        fstore.add(IMAGE, streaming.limited(_chunks(data, 1000), 5000), None)
    assert os.listdir(datadir) == []


def test_file_refuses_second_upload(fstore):
    fstore.add(IMAGE, [b'one'], 3)
    with pytest.raises(base.StoreDuplicate):
        fstore.add(IMAGE, [b'two'], 3)


@pytest.mark.parametrize('image_id', ['../etc', 'x', '', None,
                                      IMAGE + '/../../x'])
def test_file_names_come_from_uuids_only(fstore, image_id):
    with pytest.raises(base.BadLocation):
        fstore.add(image_id, [b'data'], 4)


@pytest.mark.parametrize('location', [
    'file:///etc/passwd',
    'file://%(dir)s/../%(id)s',
    'file://%(dir)s/sub/%(id)s',
    'file://%(dir)s/not-a-uuid',
    'file://remotehost%(dir)s/%(id)s',
    'http://example.com/%(id)s',
])
def test_file_never_touches_paths_outside_its_directory(fstore, datadir,
                                                       location):
    fstore.add(IMAGE, [b'data'], 4)
    location = location % {'dir': datadir, 'id': IMAGE}
    for op in (fstore.get, fstore.delete):
        with pytest.raises(base.BadLocation):
            op(location)
    assert os.listdir(datadir) == [IMAGE]


def test_file_symlinked_directory_outside_is_refused(fstore, datadir,
                                                    tmp_path):
    fstore.add(IMAGE, [b'data'], 4)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    other = '0b7e3c56-2f0c-4f7a-8a55-9f1c1a8e2f11'
    (elsewhere / other).write_bytes(b'secret')
    os.symlink(elsewhere / other, datadir / other)
    with pytest.raises(base.BadLocation):
        fstore.get('file://%s/%s' % (datadir, other))


def test_store_manager_loads_entry_points(datadir):
    manager = stores.StoreManager()
    assert isinstance(manager.default(), file_store.FileStore)
    assert isinstance(manager.for_location('https://x/y'),
                      http_store.HttpStore)
    assert isinstance(manager.for_location('swift://c/o'),
                      swift_store.SwiftStore)
    with pytest.raises(base.BadLocation):
        manager.for_location('ftp://x/y')


# -- http ----------------------------------------------------------------

@pytest.fixture
def web(tmp_path):
    """A local http.server with one file, served from a thread."""
    data = os.urandom(300000)
    (tmp_path / 'image.raw').write_bytes(data)

    server = conftest.file_server(tmp_path)
    yield 'http://127.0.0.1:%d' % server.server_address[1], data
    server.shutdown()
    server.server_close()


def test_http_get_streams_remote_data(web, datadir):
    url, data = web
    store = http_store.HttpStore(CONF)
    body, size = store.get(url + '/image.raw')
    chunks = list(body)
    assert size == len(data)
    assert b''.join(chunks) == data
    assert max(len(c) for c in chunks) <= CONF.image_store.chunk_size
    assert store.get_size(url + '/image.raw') == len(data)


def test_http_missing_and_read_only(web, datadir):
    url, _data = web
    store = http_store.HttpStore(CONF)
    with pytest.raises(base.StoreNotFound):
        store.get(url + '/missing')
    with pytest.raises(base.StoreReadOnly):
        store.add(IMAGE, [b'x'], 1)
    with pytest.raises(base.BadLocation):
        store.get('file:///etc/passwd')
    store.delete(url + '/image.raw')     # never deletes remote data
    assert store.get_size(url + '/image.raw') == len(_data)


# -- swift (stand-in) ----------------------------------------------------

class _Body(list):
    def close(self):
        self.closed = True


class FakeSwift:
    """STAND-IN for a Swift cluster (not Swift): just enough of
    swiftclient.client.Connection to check how the store segments, builds
    the SLO manifest and cleans up. Real Swift: functional tests."""

    def __init__(self, fail_after_segments=None):
        self.objects = {}
        self.containers = set()
        self.fail_after_segments = fail_after_segments
        self.puts = []
        self.url, self.token = 'http://swift/v1/AUTH_t', 'tok'

    def __call__(self, **kwargs):
        self.last_kwargs = kwargs
        return self

    def head_container(self, container):
        if container not in self.containers:
            from swiftclient import exceptions
            raise exceptions.ClientException('404', http_status=404)

    def put_container(self, container):
        self.containers.add(container)

    def put_object(self, container, name, contents, content_length=None,
                   chunk_size=None, content_type=None, query_string=None):
        if isinstance(contents, (bytes, str)):
            data = contents.encode() if isinstance(contents, str) \
                else contents
        else:
            data = b''
            while True:
                piece = contents.read(chunk_size or 65536)
                if not piece:
                    break
                data += piece
                if content_length is not None and len(data) >= \
                        content_length:
                    break
        segments = [k for k in self.objects if '_segments' in k[0]]
        if self.fail_after_segments is not None and \
                len(segments) >= self.fail_after_segments:
            raise RuntimeError('swift fell over')
        self.puts.append((container, name, query_string, len(data)))
        self.objects[(container, name)] = data
        return hashlib.md5(data).hexdigest()

    def get_object(self, container, name, resp_chunk_size=None):
        import json
        data = self.objects[(container, name)]
        if data.startswith(b'[{"path"'):
            data = b''.join(self.objects[tuple(s['path'][1:].split('/', 1))]
                            for s in json.loads(data))
        return {'content-length': str(len(data))}, _Body([data])

    def head_object(self, container, name):
        if (container, name) not in self.objects:
            from swiftclient import exceptions
            raise exceptions.ClientException('404', http_status=404)
        manifest = self.objects[(container, name)].startswith(b'[{"path"')
        return {'x-static-large-object': 'True'} if manifest else {}

    def delete_object(self, container, name, query_string=None):
        import json
        data = self.objects[(container, name)]
        manifest = data.startswith(b'[{"path"')
        if query_string == 'multipart-manifest=delete':
            if not manifest:
                return      # like Swift: 200, "Not an SLO manifest", kept
            for seg in json.loads(data):
                self.objects.pop(tuple(seg['path'][1:].split('/', 1)))
        del self.objects[(container, name)]


@pytest.fixture
def swift_opts(overrides):
    overrides('swift_large_object_size', 10000, group='image_store')
    overrides('swift_segment_size', 1024 * 1024, group='image_store')
    overrides('chunk_size', 65536, group='image_store')


def test_swift_small_object_is_one_put(swift_opts):
    fake = FakeSwift()
    store = swift_store.SwiftStore(CONF, connection_factory=fake)
    data = b's' * 5000
    result = store.add(IMAGE, _chunks(data), len(data))
    assert result.location == 'swift://nube-images/' + IMAGE
    assert fake.containers == {'nube-images', 'nube-images_segments'}
    assert fake.puts == [('nube-images', IMAGE, None, 5000)]
    assert _read(store, result.location) == (data, 5000)
    store.delete(result.location)
    assert fake.objects == {}


def test_swift_large_object_is_segmented(swift_opts, overrides):
    fake = FakeSwift()
    store = swift_store.SwiftStore(CONF, connection_factory=fake)
    data = os.urandom(int(2.5 * 1024 * 1024))
    result = store.add(IMAGE, _chunks(data, 65536), None)   # chunked body
    segs = [p for p in fake.puts if p[0] == 'nube-images_segments']
    assert [p[1] for p in segs] == [IMAGE + '/00001', IMAGE + '/00002',
                                    IMAGE + '/00003']
    assert [p[3] for p in segs] == [1048576, 1048576, len(data) - 2097152]
    assert fake.puts[-1][:3] == ('nube-images', IMAGE,
                                 'multipart-manifest=put')
    assert result.size == len(data)
    assert result.os_hash_value == hashlib.sha512(data).hexdigest()
    assert _read(store, result.location) == (data, len(data))
    store.delete(result.location)
    assert fake.objects == {}       # segments went with the manifest


def test_swift_failed_segmented_upload_removes_segments(swift_opts):
    fake = FakeSwift(fail_after_segments=2)
    store = swift_store.SwiftStore(CONF, connection_factory=fake)
    data = b'q' * (3 * 1024 * 1024)
    with pytest.raises(RuntimeError):
        store.add(IMAGE, _chunks(data, 65536), None)
    assert fake.objects == {}


def test_swift_empty_image_is_a_plain_object(swift_opts):
    fake = FakeSwift()
    store = swift_store.SwiftStore(CONF, connection_factory=fake)
    result = store.add(IMAGE, iter([]), None)
    assert result.size == 0
    assert fake.objects == {('nube-images', IMAGE): b''}


def test_swift_locations_name_uuids_only(swift_opts):
    store = swift_store.SwiftStore(CONF, connection_factory=FakeSwift())
    for location in ('swift://c/../x', 'file:///x', 'swift:///' + IMAGE):
        with pytest.raises(base.BadLocation):
            store.delete(location)
