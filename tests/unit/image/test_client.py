"""nube.image.client against the stand-in image API on a loopback port."""

import hashlib
import os
import socket

import pytest

from nube import context
from nube import exception
import nube.conf
from nube.image import client
from tests.unit.image import standin

CONF = nube.conf.CONF


@pytest.fixture
def image_api():
    with standin.serving() as api:
        yield api


@pytest.fixture
def ctxt():
    return context.RequestContext(user_id='alice', project_id='demo',
                                  auth_token='alice:demo')


def _files(path):
    return sorted(os.listdir(path))


def test_get_splits_properties_and_uses_callers_token(image_api, ctxt):
    doc = image_api.add(b'abc', min_ram=128, kernel_id='k-1',
                        architecture='x86_64')
    image = client.API().get(ctxt, doc['id'])
    assert image['id'] == doc['id']
    assert image['status'] == 'active'
    assert image['min_ram'] == 128
    assert image['checksum'] == hashlib.md5(b'abc').hexdigest()
    assert image['properties'] == {'kernel_id': 'k-1',
                                   'architecture': 'x86_64'}
    assert image_api.requests == [
        ('GET', '/v2/images/%s' % doc['id'], 'alice:demo')]


def test_get_without_user_token_uses_service_token(image_api):
    doc = image_api.add(b'abc')
    client.API().get(context.get_admin_context(), doc['id'])
    assert image_api.requests[-1][2] == CONF.glance.service_token == \
        'admin:admin'


def test_missing_image_is_image_not_found(image_api, ctxt):
    missing = '0b5c1f9e-43a4-4d4b-8a38-5c0cf2a0a0a0'
    with pytest.raises(exception.ImageNotFound) as exc:
        client.API().get(ctxt, missing)
    assert exc.value.message == 'Image %s could not be found.' % missing


def test_private_image_of_other_project_is_not_found(image_api, ctxt):
    doc = image_api.add(b'abc', visibility='private', owner='other')
    with pytest.raises(exception.ImageNotFound):
        client.API().get(ctxt, doc['id'])
    admin = context.RequestContext(user_id='admin', project_id='admin',
                                   auth_token='admin:admin')
    assert client.API().get(admin, doc['id'])['owner'] == 'other'


def test_non_uuid_is_not_found_without_a_request(image_api, ctxt):
    with pytest.raises(exception.ImageNotFound):
        client.API().get(ctxt, '../../etc/passwd')
    assert image_api.requests == []


def test_server_error_is_image_service_error(image_api, ctxt):
    doc = image_api.add(b'abc')
    image_api.fail_status = 500
    with pytest.raises(exception.ImageServiceError) as exc:
        client.API().get(ctxt, doc['id'])
    assert '500' in exc.value.message


def test_unreachable_service_is_image_service_error(ctxt):
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    CONF.set_override('api_endpoint', 'http://127.0.0.1:%d' % port,
                      group='glance')
    CONF.set_override('connect_retries', 0, group='glance')
    try:
        with pytest.raises(exception.ImageServiceError) as exc:
            client.API().get(ctxt, '0b5c1f9e-43a4-4d4b-8a38-5c0cf2a0a0a0')
    finally:
        CONF.clear_override('api_endpoint', group='glance')
        CONF.clear_override('connect_retries', group='glance')
    assert 'unreachable' in exc.value.message


def test_without_endpoint_any_id_is_a_blank_image(ctxt):
    assert not client.enabled()
    image = client.API().get(ctxt, 'whatever')
    assert image['id'] == 'whatever'
    assert image['status'] == 'active'
    assert image['properties'] == {}
    with pytest.raises(exception.ImageServiceError):
        client.API().download(ctxt, 'whatever', '/nonexistent/x')


def test_download_streams_and_verifies(image_api, ctxt, tmp_path):
    data = os.urandom(5 * standin.StandInImageAPI.chunk + 123)
    doc = image_api.add(data)
    dest = tmp_path / doc['id']
    result = client.API().download(ctxt, doc['id'], str(dest))
    assert dest.read_bytes() == data
    assert result == {'size': len(data),
                      'checksum': hashlib.md5(data).hexdigest()}
    assert oct(dest.stat().st_mode & 0o777) == '0o644'
    assert _files(tmp_path) == [doc['id']]
    assert image_api.downloads(doc['id']) == 1


def test_hash_mismatch_is_rejected_and_leaves_no_file(image_api, ctxt,
                                                      tmp_path):
    data = os.urandom(40000)
    doc = image_api.add(data)
    image_api.corrupt.add(doc['id'])
    with pytest.raises(exception.ImageDownloadFailed) as exc:
        client.API().download(ctxt, doc['id'], str(tmp_path / doc['id']))
    assert 'sha512 mismatch' in exc.value.message
    assert 'md5 checksum mismatch' in exc.value.message
    assert _files(tmp_path) == []


def test_sha512_alone_catches_a_wrong_record(image_api, ctxt, tmp_path):
    doc = image_api.add(b'good data')
    doc['checksum'] = None
    doc['os_hash_value'] = hashlib.sha512(b'other data').hexdigest()
    with pytest.raises(exception.ImageDownloadFailed) as exc:
        client.API().download(ctxt, doc['id'], str(tmp_path / 'x'))
    assert 'sha512 mismatch' in exc.value.message
    assert _files(tmp_path) == []


def test_image_without_data_fails_download(image_api, ctxt, tmp_path):
    doc = image_api.add(None)
    with pytest.raises(exception.ImageDownloadFailed) as exc:
        client.API().download(ctxt, doc['id'], str(tmp_path / 'x'))
    assert 'no data' in exc.value.message
    assert _files(tmp_path) == []
