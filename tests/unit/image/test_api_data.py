"""Image data through the API: upload, download, caps, cut-offs, import,
http locations, deactivation."""

import hashlib
import io
import os

import pytest
import webob

from tests.unit.image import conftest

V21 = 'application/openstack-images-v2.1-json-patch'


def _create(call, token='alice:p1', **body):
    body.setdefault('name', 'img')
    body.setdefault('disk_format', 'raw')
    body.setdefault('container_format', 'bare')
    result = call('POST', '/v2/images', token=token, json_body=body)
    assert result.status == 201, result.raw
    return result.body


def _show(call, image_id, token='alice:p1'):
    return call('GET', '/v2/images/' + image_id, token=token).body


@pytest.mark.parametrize('chunked', [False, True])
def test_upload_then_download(call, datadir, chunked):
    image = _create(call)
    data = os.urandom(3 * 1024 * 1024 + 123)
    result = call('PUT', '/v2/images/%s/file' % image['id'], data=data,
                  chunked=chunked)
    assert result.status == 204, result.raw
    assert 'Content-Type' not in result.headers
    shown = _show(call, image['id'])
    assert shown['status'] == 'active'
    assert shown['size'] == len(data)
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    assert shown['os_hash_algo'] == 'sha512'
    assert shown['os_hash_value'] == hashlib.sha512(data).hexdigest()
    assert os.listdir(datadir) == [image['id']]
    down = call('GET', '/v2/images/%s/file' % image['id'])
    assert down.status == 200
    assert down.headers['Content-Type'] == 'application/octet-stream'
    assert down.headers['Content-MD5'] == shown['checksum']
    assert int(down.headers['Content-Length']) == len(data)
    assert down.raw == data


def test_download_streams_in_chunks(app, call, datadir, overrides):
    overrides('chunk_size', 65536, group='image_store')
    image = _create(call)
    data = os.urandom(300000)
    call('PUT', '/v2/images/%s/file' % image['id'], data=data)
    req = webob.Request.blank('/v2/images/%s/file' % image['id'],
                              headers={'X-Auth-Token': 'alice:p1'})
    status, headers, app_iter = req.call_application(app)
    chunks = list(app_iter)
    assert status.startswith('200')
    assert max(len(c) for c in chunks) == 65536
    assert b''.join(chunks) == data


def test_download_without_data_is_204(call):
    image = _create(call)
    result = call('GET', '/v2/images/%s/file' % image['id'])
    assert result.status == 204
    assert 'Content-Type' not in result.headers
    assert result.raw == b''


def test_size_cap_with_content_length(call, datadir, overrides):
    overrides('image_size_cap', 1000, group='image_store')
    image = _create(call)
    result = call('PUT', '/v2/images/%s/file' % image['id'], data=b'x' * 1001)
    assert result.status == 413
    assert _show(call, image['id'])['status'] == 'queued'
    assert not datadir.exists() or os.listdir(datadir) == []
    ok = call('PUT', '/v2/images/%s/file' % image['id'], data=b'x' * 1000)
    assert ok.status == 204


def test_size_cap_while_streaming_chunked(call, datadir, overrides):
    overrides('image_size_cap', 200000, group='image_store')
    overrides('chunk_size', 65536, group='image_store')
    image = _create(call)
    result = call('PUT', '/v2/images/%s/file' % image['id'],
                  data=b'y' * 300000, chunked=True)
    assert result.status == 413
    shown = _show(call, image['id'])
    assert shown['status'] == 'queued' and shown['size'] is None
    assert os.listdir(datadir) == []


def test_cut_off_upload_leaves_image_queued(app, call, datadir):
    image = _create(call)
    req = webob.Request.blank('/v2/images/%s/file' % image['id'],
                              method='PUT',
                              headers={'X-Auth-Token': 'alice:p1',
                                       'Content-Type':
                                           'application/octet-stream'})
    req.environ['wsgi.input'] = io.BytesIO(b'z' * 500000)
    req.environ['CONTENT_LENGTH'] = '1000000'
    result = req.get_response(app)
    assert result.status_int == 400
    assert _show(call, image['id'])['status'] == 'queued'
    assert os.listdir(datadir) == []
    # The image takes a complete upload afterwards.
    assert call('PUT', '/v2/images/%s/file' % image['id'],
                data=b'ok').status == 204


def test_second_upload_conflicts(call):
    image = _create(call)
    path = '/v2/images/%s/file' % image['id']
    assert call('PUT', path, data=b'one').status == 204
    assert call('PUT', path, data=b'two').status == 409


def test_upload_permissions_and_media_type(call):
    image = _create(call, token='admin:adm', visibility='public')
    path = '/v2/images/%s/file' % image['id']
    assert call('PUT', path, data=b'd', token='bob:p2').status == 403
    assert call('PUT', path, data=b'd', token='admin:adm',
                content_type='text/plain').status == 415
    assert _show(call, image['id'])['status'] == 'queued'


def test_delete_during_upload_drops_the_data(app, call, db, datadir):
    image = _create(call)

    class DeletingInput(io.BytesIO):
        def read(self, size=-1):
            chunk = super().read(size)
            if self.tell() >= 2 * 1024 * 1024 and not getattr(self, 'd', 0):
                self.d = db.image_destroy(image['id'])
            return chunk

    req = webob.Request.blank('/v2/images/%s/file' % image['id'],
                              method='PUT',
                              headers={'X-Auth-Token': 'alice:p1',
                                       'Content-Type':
                                           'application/octet-stream'})
    req.environ['wsgi.input'] = DeletingInput(b'q' * (4 * 1024 * 1024))
    req.environ['CONTENT_LENGTH'] = str(4 * 1024 * 1024)
    assert req.get_response(app).status_int == 410
    assert os.listdir(datadir) == []


def test_delete_removes_data(call, datadir):
    image = _create(call)
    call('PUT', '/v2/images/%s/file' % image['id'], data=b'abc')
    assert os.listdir(datadir) == [image['id']]
    assert call('DELETE', '/v2/images/' + image['id']).status == 204
    assert os.listdir(datadir) == []


def test_deactivate_and_reactivate(call):
    image = _create(call)
    path = '/v2/images/%s' % image['id']
    call('PUT', path + '/file', data=b'payload')
    result = call('POST', path + '/actions/deactivate')
    assert result.status == 204 and 'Content-Type' not in result.headers
    assert _show(call, image['id'])['status'] == 'deactivated'
    assert call('GET', path + '/file').status == 403
    assert call('GET', path + '/file', token='admin:adm').raw == b'payload'
    assert call('POST', path + '/actions/deactivate',
                token='bob:p2').status == 404
    assert call('POST', path + '/actions/reactivate').status == 204
    assert call('GET', path + '/file').raw == b'payload'


def test_glance_direct_import(call):
    image = _create(call)
    path = '/v2/images/%s' % image['id']
    assert call('GET', '/v2/info/import').body['import-methods']['value'] \
        == ['glance-direct']
    assert call('POST', path + '/import', json_body={
        'method': {'name': 'glance-direct'}}).status == 409   # not staged
    assert call('PUT', path + '/stage', data=b'staged').status == 204
    assert _show(call, image['id'])['status'] == 'uploading'
    assert call('POST', path + '/import', json_body={
        'method': {'name': 'web-download'}}).status == 400
    result = call('POST', path + '/import', json_body={
        'method': {'name': 'glance-direct'}})
    assert result.status == 202
    shown = _show(call, image['id'])
    assert shown['status'] == 'active'
    assert shown['checksum'] == hashlib.md5(b'staged').hexdigest()
    assert call('GET', path + '/file').raw == b'staged'


@pytest.fixture
def web(tmp_path):
    data = os.urandom(200000)
    (tmp_path / 'remote.img').write_bytes(data)

    server = conftest.file_server(tmp_path)
    yield 'http://127.0.0.1:%d/remote.img' % server.server_address[1], data
    server.shutdown()
    server.server_close()


def test_http_location_makes_a_read_only_image(call, web, datadir):
    url, data = web
    image = _create(call)
    path = '/v2/images/' + image['id']
    result = call('PATCH', path, content_type=V21, json_body=[
        {'op': 'add', 'path': '/locations/-',
         'value': {'url': url, 'metadata': {}}}])
    assert result.status == 200, result.raw
    assert result.body['status'] == 'active'
    assert result.body['size'] == len(data)
    assert 'locations' not in result.body      # hidden by default
    assert call('GET', path + '/file').raw == data
    assert call('PUT', path + '/file', data=b'x').status == 409
    assert call('DELETE', path).status == 204
    assert not datadir.exists() or os.listdir(datadir) == []


@pytest.mark.parametrize('url', ['file:///etc/passwd', 'swift://c/o',
                                 'gopher://x/y'])
def test_only_http_locations_may_be_added(call, url):
    image = _create(call)
    result = call('PATCH', '/v2/images/' + image['id'], content_type=V21,
                  json_body=[{'op': 'add', 'path': '/locations/-',
                              'value': {'url': url, 'metadata': {}}}])
    assert result.status == 400
    assert _show(call, image['id'])['status'] == 'queued'


def test_locations_shown_when_configured(call, overrides, datadir):
    overrides('show_multiple_locations', True, group='image_api')
    image = _create(call)
    call('PUT', '/v2/images/%s/file' % image['id'], data=b'abc')
    shown = _show(call, image['id'])
    assert shown['locations'] == [{'url': 'file://%s/%s' % (
        datadir, image['id']), 'metadata': {}}]
    assert shown['direct_url'] == shown['locations'][0]['url']
