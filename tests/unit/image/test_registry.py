"""The registry's REST app and its client."""

import json

import pytest
import webob

from nube import context
from nube import exception
from nube.image.registry import app as registry_app


@pytest.fixture
def rapp(db):
    return registry_app.create_app(db)


def _call(rapp, method, path, body=None, headers=None):
    req = webob.Request.blank(path, method=method, headers=headers or {})
    if body is not None:
        req.body = json.dumps(body).encode()
    resp = req.get_response(rapp)
    return resp.status_int, (json.loads(resp.body) if resp.body else None)


@pytest.mark.parametrize('path,body', [
    ('/images', {'image': {}, 'bogus': 1}),
    ('/images', {'properties': {'a': 5}}),
    ('/images', {'tags': 'not-a-list'}),
    ('/images', {'locations': [{'metadata': {}}]}),
])
def test_bodies_are_validated(rapp, path, body):
    status, payload = _call(rapp, 'POST', path, body)
    assert status == 400
    assert payload['error']['code'] == 400


def test_errors_and_routes(rapp):
    assert _call(rapp, 'GET', '/nope')[0] == 404
    assert _call(rapp, 'PATCH', '/images')[0] == 405
    status, payload = _call(rapp, 'GET', '/images/x')
    assert status == 404 and 'x' in payload['error']['message']
    req = webob.Request.blank('/images', method='POST')
    req.body = b'{not json'
    assert req.get_response(rapp).status_int == 400


def test_identity_headers_decide_visibility(rapp):
    status, payload = _call(rapp, 'POST', '/images', {
        'image': {'name': 'mine', 'owner': 'p1', 'visibility': 'private'}})
    assert status == 201
    image_id = payload['image']['id']
    owner = {'X-Nube-Project-Id': 'p1', 'X-Nube-Is-Admin': 'False'}
    other = {'X-Nube-Project-Id': 'p2', 'X-Nube-Is-Admin': 'False'}
    admin = {'X-Nube-Project-Id': 'p9', 'X-Nube-Is-Admin': 'True'}
    assert _call(rapp, 'GET', '/images/' + image_id, headers=owner)[0] == 200
    assert _call(rapp, 'GET', '/images/' + image_id, headers=other)[0] == 404
    assert _call(rapp, 'GET', '/images/' + image_id, headers=admin)[0] == 200
    assert _call(rapp, 'GET', '/images', headers=other)[1]['images'] == []


def test_client_maps_errors(registry):
    ctxt = context.RequestContext(user_id='u', project_id='p1')
    image = registry.image_create(ctxt, {'name': 'c', 'owner': 'p1'},
                                  properties={'k': 'v'}, tags=['t'])
    assert registry.image_get(ctxt, image['id'])['properties'] == {'k': 'v'}
    registry.image_update(ctxt, image['id'], values={'status': 'saving'},
                          expect_status='queued')
    with pytest.raises(exception.Conflict):
        registry.image_update(ctxt, image['id'], values={'status': 'x'},
                              expect_status='queued')
    with pytest.raises(exception.NotFound):
        registry.image_get(ctxt, '0b7e3c56-2f0c-4f7a-8a55-9f1c1a8e2f11')
    with pytest.raises(exception.Invalid):
        registry.image_get_all(ctxt, sort_keys=['owner'])
    registry.member_create(ctxt, image['id'], 'p2')
    with pytest.raises(exception.Conflict):
        registry.member_create(ctxt, image['id'], 'p2')
    assert [m['member_id'] for m in registry.member_get_all(
        ctxt, image['id'])] == ['p2']
    registry.image_tag_delete(ctxt, image['id'], 't')
    assert registry.image_destroy(ctxt, image['id'])['id'] == image['id']


def test_client_reports_an_unreachable_registry():
    from nube.image.registry import client
    unreachable = client.RegistryClient(url='http://127.0.0.1:9', timeout=1)
    with pytest.raises(client.RegistryUnavailable) as err:
        unreachable.image_get(None, 'x')
    assert err.value.code == 503
