"""Server create checks the image, through the compute API app, the real
compute API facade and the stand-in image API (tests/unit/image/standin.py);
the API DB writes and the scheduler cast are recorded, not performed."""

import json

import pytest
import webob

from nube.api import app as api_app
from nube.compute import api as compute_api
from nube.image import client
from tests.unit.api import fakes
from tests.unit.image import standin

MISSING = '0b5c1f9e-43a4-4d4b-8a38-5c0cf2a0a0a0'


class _BuildDB(fakes.FakeFlavorDB):
    """Flavors, plus build_create recorded instead of written."""

    def __init__(self):
        super().__init__()
        self.builds = []

    def build_create(self, builds, min_count=None, group=None):
        self.builds.extend(builds)
        return builds


@pytest.fixture
def image_api():
    with standin.serving() as api:
        yield api


@pytest.fixture
def db():
    db = _BuildDB()
    db.add('small', memory_mb=256, root_gb=1)
    db.add('nodisk', memory_mb=256, root_gb=0)
    return db


@pytest.fixture
def boot(db):
    facade = compute_api.API(db=db, image_api=client.API())
    facade._scheduler = fakes.RecordingSchedulerAPI()
    app = api_app.create_app(compute_api=facade,
                             host_api=fakes.FakeHostAPI(), db=db)

    def _boot(image_ref, flavor='small', token='alice:demo'):
        body = {'server': {'name': 'vm', 'imageRef': image_ref,
                           'flavorRef': flavor}}
        req = webob.Request.blank('/v2.1/servers', method='POST', headers={
            'X-Auth-Token': token, 'Content-Type': 'application/json'})
        req.body = json.dumps(body).encode()
        resp = req.get_response(app)
        return resp.status_int, json.loads(resp.body)

    return _boot


def _message(body):
    return body['badRequest']['message']


def test_active_visible_image_boots_with_its_properties(image_api, boot,
                                                        db):
    kernel = image_api.add(b'k', disk_format='aki', container_format='aki')
    doc = image_api.add(b'disk', architecture='x86_64',
                        hypervisor_type='qemu', kernel_id=kernel['id'])
    status, body = boot(doc['id'])
    assert status == 202, body
    [build] = db.builds
    assert build['instance']['image_ref'] == doc['id']
    assert build['instance']['kernel_id'] == kernel['id']
    assert build['spec']['image']['properties'] == {
        'architecture': 'x86_64', 'hypervisor_type': 'qemu',
        'kernel_id': kernel['id']}
    # The caller's own token went to the image API.
    assert image_api.requests[-1] == (
        'GET', '/v2/images/%s' % doc['id'], 'alice:demo')


def test_missing_image_is_400(image_api, boot, db):
    status, body = boot(MISSING)
    assert status == 400
    assert _message(body) == 'Image %s could not be found.' % MISSING
    assert db.builds == []


def test_other_projects_private_image_is_400(image_api, boot, db):
    doc = image_api.add(b'x', visibility='private', owner='someone-else')
    status, body = boot(doc['id'])
    assert status == 400
    assert _message(body) == 'Image %s could not be found.' % doc['id']
    status, body = boot(doc['id'], token='bob:someone-else')
    assert status == 202, body


def test_image_not_active_is_400(image_api, boot, db):
    doc = image_api.add(None, status='queued')
    status, body = boot(doc['id'])
    assert status == 400
    assert _message(body) == 'Image %s is not active.' % doc['id']
    assert db.builds == []


def test_min_ram_above_flavor_is_400(image_api, boot, db):
    doc = image_api.add(b'x', min_ram=512)
    status, body = boot(doc['id'])
    assert status == 400
    assert _message(body) == \
        "Flavor's memory is too small for requested image."
    assert db.builds == []


def test_min_disk_above_flavor_is_400_unless_flavor_has_no_disk(
        image_api, boot, db):
    doc = image_api.add(b'x', min_disk=2)
    status, body = boot(doc['id'])
    assert status == 400
    assert _message(body) == \
        "Flavor's disk is too small for requested image."
    status, body = boot(doc['id'], flavor='nodisk')
    assert status == 202, body


def test_image_service_down_is_503(image_api, boot, db):
    doc = image_api.add(b'x')
    image_api.fail_status = 500
    status, body = boot(doc['id'])
    assert status == 503
    assert 'Image service error' in body['serviceUnavailable']['message']
    assert db.builds == []
