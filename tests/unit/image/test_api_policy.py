"""The image API behind the keystone strategy: roles through oslo.policy.

keystonemiddleware is a pass-through here; the headers it would set name
the caller. Owner project p1 has a member and a reader; p2 has a member
and a reader; a service user and an admin complete the cast.
"""

import json

from keystonemiddleware import auth_token
import pytest
import webob

from nube.image.api import app as image_app
from nube.image.registry import app as registry_app
from nube.image import stores
from nube import policy

ACTORS = {
    'member': ('member', 'p1'),
    'reader': ('reader', 'p1'),
    'member2': ('member', 'p2'),
    'reader2': ('reader', 'p2'),
    'service': ('service', 'service'),
    'admin': ('admin', 'adm'),
}
PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
DATA = b'policy-image-data'


@pytest.fixture
def keystone_app(monkeypatch, overrides, registry, datadir):
    monkeypatch.setattr(auth_token, 'AuthProtocol', lambda app, conf: app)
    overrides('auth_strategy', 'keystone', group='image_api')
    policy.reset()
    yield image_app.create_app(registry=registry,
                               store_manager=stores.StoreManager())
    policy.reset()


@pytest.fixture
def as_(keystone_app):
    def call(actor, method, path, body=None, data=None, content_type=None):
        role, project = ACTORS[actor]
        headers = {'X-Identity-Status': 'Confirmed', 'X-User-Id': actor,
                   'X-Project-Id': project, 'X-Roles': role,
                   'Accept': 'application/json'}
        req = webob.Request.blank(path, method=method, headers=headers)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = content_type or 'application/json'
        elif data is not None:
            req.body = data
            req.content_type = 'application/octet-stream'
        resp = req.get_response(keystone_app)
        return resp.status_int, resp
    return call


@pytest.fixture
def image(as_):
    """An active image of p1 with the given visibility."""
    def make(visibility='private'):
        status, resp = as_('member', 'POST', '/v2/images', {
            'name': 'img', 'disk_format': 'raw', 'container_format': 'bare',
            'visibility': visibility})
        assert status == 201, resp.text
        image_id = resp.json['id']
        status, resp = as_('member', 'PUT', '/v2/images/%s/file' % image_id,
                           data=DATA)
        assert status == 204, resp.text
        return image_id
    return make


def _codes(as_, image_id, actors=ACTORS):
    path = '/v2/images/' + image_id
    rename = [{'op': 'replace', 'path': '/name', 'value': 'x'}]
    calls = {
        'show': ('GET', path, None),
        'download': ('GET', path + '/file', None),
        'patch': ('PATCH', path, rename),
        'tag': ('PUT', path + '/tags/t1', None),
        'deactivate': ('POST', path + '/actions/deactivate', None),
    }
    result = {}
    for actor in actors:
        for name, (method, url, body) in calls.items():
            status, _resp = as_(actor, method, url, body,
                                content_type=PATCH_TYPE if body else None)
            result[(actor, name)] = status
            if name == 'deactivate' and status == 204:
                as_(actor, 'POST', path + '/actions/reactivate')
    return result


def test_private_image_by_role_and_project(as_, image):
    codes = _codes(as_, image())
    expected = {}
    for name in ('show', 'download', 'patch', 'tag', 'deactivate'):
        ok = 200 if name in ('show', 'download', 'patch') else 204
        expected[('member', name)] = ok
        expected[('admin', name)] = ok
        # Readers read; Glance lets only members download.
        expected[('reader', name)] = ok if name == 'show' else 403
        # Other projects do not see it at all.
        expected[('member2', name)] = 404
        expected[('reader2', name)] = 404
        # Computes (service role) read and download any image.
        expected[('service', name)] = ok if name in ('show',
                                                     'download') else 403
    assert codes == expected


def test_refusal_names_the_rule(as_, image):
    image_id = image()
    status, resp = as_('reader', 'DELETE', '/v2/images/' + image_id)
    assert status == 403
    assert 'You are not authorized to complete delete_image action.' in \
        resp.json['message']
    status, resp = as_('member2', 'DELETE', '/v2/images/' + image_id)
    assert status == 404
    assert as_('member', 'GET', '/v2/images/' + image_id)[0] == 200


def test_readers_cannot_create_upload_or_share(as_, image):
    status, resp = as_('reader', 'POST', '/v2/images', {'name': 'r'})
    assert status == 403
    assert 'add_image' in resp.json['message']
    status, resp = as_('member', 'POST', '/v2/images', {'name': 'q'})
    queued = resp.json['id']
    assert as_('reader', 'PUT', '/v2/images/%s/file' % queued,
               data=DATA)[0] == 403
    shared = image('shared')
    members = '/v2/images/%s/members' % shared
    assert as_('reader', 'POST', members, {'member': 'p2'})[0] == 403
    assert as_('member2', 'POST', members, {'member': 'p2'})[0] == 404
    assert as_('member', 'POST', members, {'member': 'p2'})[0] == 200
    # Reading members: readers of the owner and of the member project.
    assert as_('reader', 'GET', members)[0] == 200
    assert as_('reader2', 'GET', members)[0] == 200
    # Accepting is the member project's members' decision.
    accept = {'status': 'accepted'}
    assert as_('reader2', 'PUT', members + '/p2', accept)[0] == 403
    assert as_('member', 'PUT', members + '/p2', accept)[0] == 403
    assert as_('member2', 'PUT', members + '/p2', accept)[0] == 200
    # Now p2 sees it; its reader reads, its member also downloads, and
    # neither may change it.
    path = '/v2/images/' + shared
    assert as_('reader2', 'GET', path)[0] == 200
    assert as_('reader2', 'GET', path + '/file')[0] == 403
    status, resp = as_('member2', 'GET', path + '/file')
    assert (status, resp.body) == (200, DATA)
    assert as_('member2', 'DELETE', path)[0] == 403


def test_lists_need_a_reader_and_hide_other_projects(as_, image):
    mine = image()
    for actor in ('member', 'reader', 'admin'):
        status, resp = as_(actor, 'GET', '/v2/images')
        assert status == 200
        assert mine in [i['id'] for i in resp.json['images']], actor
    for actor in ('member2', 'reader2', 'service'):
        status, resp = as_(actor, 'GET', '/v2/images')
        ids = [i['id'] for i in resp.json['images']] if status == 200 \
            else []
        assert mine not in ids, actor


def test_only_admins_publicize(as_, image):
    image_id = image()
    public = [{'op': 'replace', 'path': '/visibility', 'value': 'public'}]
    assert as_('member', 'PATCH', '/v2/images/' + image_id, public,
               content_type=PATCH_TYPE)[0] == 403
    assert as_('admin', 'PATCH', '/v2/images/' + image_id, public,
               content_type=PATCH_TYPE)[0] == 200
    # Public: everyone reads it; other projects' members download it.
    assert as_('reader2', 'GET', '/v2/images/' + image_id)[0] == 200
    assert as_('member2', 'GET', '/v2/images/%s/file' % image_id)[0] == 200
    assert as_('member2', 'DELETE', '/v2/images/' + image_id)[0] == 403


# -- the registry -------------------------------------------------------------

@pytest.fixture
def keystone_registry(monkeypatch, db):
    monkeypatch.setattr(auth_token, 'AuthProtocol', lambda app, conf: app)
    policy.reset()
    yield registry_app.create_app(db, auth_strategy='keystone')
    policy.reset()


@pytest.mark.parametrize('roles,status', [
    ('service', 200), ('admin', 200), ('member', 403), ('reader', 403)])
def test_registry_takes_calls_from_services_only(keystone_registry, roles,
                                                 status):
    req = webob.Request.blank('/images', headers={
        'X-Identity-Status': 'Confirmed', 'X-User-Id': 'caller',
        'X-Project-Id': 'service', 'X-Roles': roles,
        # The user the call is for: only trusted from a service.
        'X-Nube-Project-Id': 'p1', 'X-Nube-Is-Admin': 'True'})
    resp = req.get_response(keystone_registry)
    assert resp.status_int == status, resp.text


def test_registry_refuses_unauthenticated(keystone_registry):
    req = webob.Request.blank('/images', headers={
        'X-Identity-Status': 'Invalid', 'X-Nube-Is-Admin': 'True'})
    assert req.get_response(keystone_registry).status_int == 401
