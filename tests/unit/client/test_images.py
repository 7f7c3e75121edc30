"""Images: create, streaming upload (sized and chunked), verified
download, json-patch update, paging, lookup."""

import hashlib
import io

import pytest

from nube.client import exceptions

DATA = b'nube-image-bytes-' * 10000


def _chunks(data, size=4096):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_create_and_upload_from_iterator_is_chunked(cloud, client):
    progress = []
    image = client.images.create(
        'img', disk_format='qcow2', visibility='private',
        data=_chunks(DATA), properties={'os_distro': 'cirros'},
        callback=lambda done, total: progress.append((done, total)))
    assert image['status'] == 'active'
    assert image['os_hash_value'] == hashlib.sha512(DATA).hexdigest()
    created = cloud.of('POST', '/v2/images')[0].json()
    assert created == {'name': 'img', 'disk_format': 'qcow2',
                       'container_format': 'bare', 'visibility': 'private',
                       'os_distro': 'cirros'}
    put = cloud.of('PUT', '/file')[0]
    assert put.chunked
    assert put.headers['Transfer-Encoding'] == 'chunked'
    assert put.headers['Content-Type'] == 'application/octet-stream'
    assert progress[-1] == (len(DATA), None)
    assert len(progress) == len(DATA) // 4096 + 1


def test_upload_iterator_with_size_sends_the_size_hint(cloud, client):
    image = client.images.create('img')
    client.images.upload(image, _chunks(DATA), size=len(DATA))
    put = cloud.of('PUT', '/file')[0]
    assert put.chunked
    assert put.headers['x-openstack-image-size'] == str(len(DATA))
    assert cloud.image_data[image['id']] == DATA


def test_upload_from_path_and_file_has_content_length(cloud, client,
                                                      tmp_path):
    path = tmp_path / 'disk.img'
    path.write_bytes(DATA)
    progress = []
    first = client.images.create(
        'a', data=str(path),
        callback=lambda done, total: progress.append((done, total)))
    with open(path, 'rb') as f:
        second = client.images.create('b', data=f)
    for put in cloud.of('PUT', '/file'):
        assert not put.chunked
        assert put.headers['Content-Length'] == str(len(DATA))
    assert progress[-1] == (len(DATA), len(DATA))
    assert cloud.image_data[first['id']] == DATA
    assert cloud.image_data[second['id']] == DATA


def test_upload_bytes(cloud, client):
    image = client.images.create('small', data=b'abc')
    assert image['size'] == 3


def test_failed_upload_deletes_the_queued_image(cloud, client):
    image_id = 'i-fixed'
    cloud.fail_status['/image/v2/images/%s/file' % image_id] = [500]
    with pytest.raises(exceptions.ServerError):
        client.images.create('broken', id=image_id, data=b'x')
    assert image_id not in cloud.images
    # No retry of a consumed stream.
    assert len(cloud.of('PUT', '/file')) == 1


def test_download_to_path_and_file_verifies_sha512(cloud, client,
                                                   tmp_path):
    image = client.images.create('img', data=DATA)
    dest = tmp_path / 'out.img'
    progress = []
    result = client.images.download(
        image['id'], str(dest),
        callback=lambda done, total: progress.append((done, total)))
    assert dest.read_bytes() == DATA
    assert result['verified'] == 'sha512'
    assert result['size'] == len(DATA)
    assert progress[-1] == (len(DATA), len(DATA))
    buffer = io.BytesIO()
    client.images.download('img', buffer)
    assert buffer.getvalue() == DATA


def test_download_falls_back_to_md5(cloud, client):
    image = client.images.create('img', data=DATA)
    cloud.images[image['id']]['os_hash_value'] = None
    result = client.images.download(image['id'], io.BytesIO())
    assert result['verified'] == 'md5'


def test_corrupt_download_raises_and_leaves_no_file(cloud, client,
                                                    tmp_path):
    image = client.images.create('img', data=DATA)
    cloud.corrupt_download = True
    dest = tmp_path / 'out.img'
    with pytest.raises(exceptions.ChecksumMismatch):
        client.images.download(image['id'], str(dest))
    assert list(tmp_path.iterdir()) == []
    result = client.images.download(image['id'], io.BytesIO(),
                                    verify=False)
    assert result['verified'] is None


def test_download_without_data(cloud, client):
    image = client.images.create('empty')
    with pytest.raises(exceptions.NotFound):
        client.images.download(image['id'], io.BytesIO())


def test_list_follows_next(cloud, client):
    for i in range(5):
        client.images.create('img%d' % i)
    assert len(client.images.list()) == 5
    assert len(cloud.of('GET', '/v2/images')) == 3


def test_get_by_name_and_not_unique(cloud, client):
    image = client.images.create('named')
    assert client.images.get('named')['id'] == image['id']
    with pytest.raises(exceptions.NotFoundByName):
        client.images.get('nope')
    client.images.create('named')
    with pytest.raises(exceptions.NoUniqueMatch):
        client.images.get('named')


def test_update_with_json_patch(cloud, client):
    image = client.images.create('img', properties={'old': 'x'})
    updated = client.images.update(image['id'], name='renamed', new='y',
                                   old=None)
    patch = cloud.of('PATCH', '/v2/images')[0].json()
    assert {'op': 'replace', 'path': '/name', 'value': 'renamed'} in patch
    assert {'op': 'add', 'path': '/new', 'value': 'y'} in patch
    assert {'op': 'remove', 'path': '/old'} in patch
    assert updated['name'] == 'renamed' and 'old' not in updated


def test_delete(cloud, client):
    image = client.images.create('img')
    client.images.delete(image)
    assert image['id'] not in cloud.images
    with pytest.raises(exceptions.NotFound):
        client.images.delete(image['id'])
