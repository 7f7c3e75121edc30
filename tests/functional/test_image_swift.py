"""The image service with the swift store against a real Swift all-in-one
(tests/functional/swift_aio.py: tempauth, one replica) started here.

Images over 100 MiB, and every chunked upload, become SLO segments of
64 MiB; deleting an image must remove its segments too.
"""

import pytest
from swiftclient import client as swift_client

from tests.functional import conftest
from tests.functional import swift_aio
from tests.functional import test_image_file as helpers

MiB = helpers.MiB
CONTAINER = 'nube-images'
SEGMENTS = CONTAINER + '_segments'


@pytest.fixture(scope='module')
def swift(tmp_path_factory):
    aio = swift_aio.SwiftAIO(tmp_path_factory.mktemp('swift'))
    try:
        aio.start()
    except swift_aio.SwiftUnavailable as exc:
        conftest._unavailable(exc)
    yield aio
    aio.stop()


def _objects(conn, container):
    try:
        return [o['name'] for o in conn.get_container(container)[1]]
    except swift_client.ClientException as exc:
        if exc.http_status == 404:
            return []
        raise


@pytest.fixture
def swift_service(swift, service_factory, database_factory, tmp_path):
    conn = swift_client.Connection(authurl=swift.auth_url, user=swift.user,
                                   key=swift.key, auth_version='1')
    service = helpers.ImageService(
        service_factory, database_factory('image')['image'], tmp_path, {
            'default_store': 'swift',
            'swift_auth_address': swift.auth_url,
            'swift_auth_version': '1',
            'swift_user': swift.user,
            'swift_key': swift.key,
            'swift_large_object_size': 100 * MiB,
            'swift_segment_size': 64 * MiB,
        })
    service.swift = conn
    service.store_is_empty = lambda: (_objects(conn, CONTAINER) == [] and
                                      _objects(conn, SEGMENTS) == [])
    yield service
    for container in (CONTAINER, SEGMENTS):
        for name in _objects(conn, container):
            conn.delete_object(container, name)


def test_swift_store_streams_200mib_as_segments(swift_service):
    images, peak = helpers.big_transfers(swift_service)
    print('swift store: image API peak RSS %d KiB' % peak)
    conn = swift_service.swift
    assert sorted(_objects(conn, CONTAINER)) == sorted(i['id']
                                                       for i in images)
    segments = _objects(conn, SEGMENTS)
    # 200 MiB in 64 MiB segments: 4 per image (with and without length).
    for image in images:
        assert sorted(s for s in segments if s.startswith(image['id'])) == \
            ['%s/%05d' % (image['id'], n) for n in range(1, 5)]
        headers = conn.head_object(CONTAINER, image['id'])
        assert headers.get('x-static-large-object') == 'True'
    for image in images:
        resp = swift_service.session.delete(
            swift_service.url + '/v2/images/' + image['id'])
        assert resp.status_code == 204
    assert swift_service.store_is_empty()


def test_swift_store_cut_off_upload_leaves_queued_image(swift_service):
    images = helpers.cut_off_uploads(swift_service)
    resp = swift_service.upload(images[1]['id'], b'whole')
    assert resp.status_code == 204
    assert swift_service.show(images[1]['id'])['status'] == 'active'
    assert _objects(swift_service.swift, CONTAINER) == [images[1]['id']]


def test_swift_store_with_glanceclient_and_openstacksdk(swift_service,
                                                        tmp_path):
    conn = swift_service.swift
    before = (_objects(conn, CONTAINER), _objects(conn, SEGMENTS))
    helpers.clients_round_trip(swift_service, tmp_path)
    assert (_objects(conn, CONTAINER), _objects(conn, SEGMENTS)) == before
