"""Hostile input to the image API: each reproducer of an attack run gives
a 4xx in Glance's shape, never a 500 or 503."""

import json
import uuid

from oslo_db import exception as db_exc
import pytest
import webob

from nube.image.api import app as image_app
from nube.image.api import schemas
from nube.image.registry import app as registry_app

V21 = 'application/openstack-images-v2.1-json-patch'


def _create(call, **body):
    body.setdefault('name', 'img')
    result = call('POST', '/v2/images', json_body=body)
    assert result.status == 201, result.raw
    return result.body


def _raw(call_app, method, path, body=b'', content_type='application/json'):
    req = webob.Request.blank(path, method=method, headers={
        'X-Auth-Token': 'alice:p1', 'Accept': 'application/json'})
    if body:
        req.body = body
        req.content_type = content_type
    return req.get_response(call_app)


def _glance_error(response, code):
    assert response.status_int == code, response.body
    body = json.loads(response.body)
    assert body['code'].startswith(str(code))
    assert body['title'] and 'message' in body
    return body


def test_json_nested_5000_deep_is_400(app):
    response = _raw(app, 'POST', '/v2/images',
                    b'[' * 5000 + b']' * 5000)
    body = _glance_error(response, 400)
    assert 'nested' in body['message']


@pytest.mark.parametrize('path', ['/v2/images/%ff%fe',
                                  '/v2/images?x=%ff',
                                  '/v2/images?name=%ED%A0%80'])
def test_non_utf8_paths_and_queries_are_400(app, path):
    req = webob.Request.blank('/')
    req.environ['PATH_INFO'], _, query = path.partition('?')
    req.environ['PATH_INFO'] = req.environ['PATH_INFO'].replace(
        '%ff', '\xff').replace('%fe', '\xfe')
    req.environ['QUERY_STRING'] = query
    req.headers.update({'X-Auth-Token': 'alice:p1',
                        'Accept': 'application/json'})
    body = _glance_error(req.get_response(app), 400)
    assert 'UTF-8' in body['message']


@pytest.mark.parametrize('body', [
    {'name': '\ud800'},
    {'name': 'ok', 'tags': ['\udfff']},
    {'name': 'ok', 'os_distro': 'x\ud800y'},
    {'name': 'ok', '\ud800': 'key'},
])
def test_lone_surrogates_are_400(app, body):
    data = json.dumps(body).encode()     # \udXXX escapes survive dumps
    response = _raw(app, 'POST', '/v2/images', data)
    assert 'UTF-8' in _glance_error(response, 400)['message']


@pytest.mark.parametrize('field, value', [
    ('min_disk', 2 ** 63), ('min_ram', 2 ** 31), ('min_disk', -1),
])
def test_integers_out_of_range_are_400(call, field, value):
    result = call('POST', '/v2/images', json_body={'name': 'x',
                                                   field: value})
    assert result.status == 400, result.raw
    image = _create(call)
    result = call('PATCH', '/v2/images/%s' % image['id'],
                  content_type=V21,
                  json_body=[{'op': 'replace', 'path': '/' + field,
                              'value': value}])
    assert result.status == 400, result.raw


def test_nan_is_400(app):
    response = _raw(app, 'POST', '/v2/images',
                    b'{"name": "x", "min_disk": NaN}')
    _glance_error(response, 400)


def test_property_value_length_is_bounded(call):
    result = call('POST', '/v2/images', json_body={
        'name': 'x', 'note': 'v' * (schemas.MAX_PROPERTY_VALUE + 1)})
    # Refused by the schema, or before it by the body size limit.
    assert result.status in (400, 413), result.raw
    body = json.loads(result.raw)
    assert body['title'] and body['code'].startswith(str(result.status))


def test_property_and_tag_counts_are_bounded(call):
    props = {'p%d' % i: 'v' for i in range(schemas.MAX_PROPERTIES + 1)}
    result = call('POST', '/v2/images', json_body=dict(name='x', **props))
    assert result.status == 413, result.raw
    result = call('POST', '/v2/images', json_body={
        'name': 'x', 'tags': ['t%d' % i
                              for i in range(schemas.MAX_TAGS + 1)]})
    assert result.status == 400, result.raw
    image = _create(call, **{'p%d' % i: 'v'
                             for i in range(schemas.MAX_PROPERTIES)})
    result = call('PATCH', '/v2/images/%s' % image['id'], content_type=V21,
                  json_body=[{'op': 'add', 'path': '/one-more',
                              'value': 'v'}])
    assert result.status == 413, result.raw


def test_tag_count_is_bounded_on_put(call):
    image = _create(call, tags=['t%d' % i for i in range(schemas.MAX_TAGS)])
    result = call('PUT', '/v2/images/%s/tags/extra' % image['id'])
    assert result.status == 413, result.raw
    # An existing tag is still idempotent.
    result = call('PUT', '/v2/images/%s/tags/t0' % image['id'])
    assert result.status == 204, result.raw


def test_patch_operation_count_is_bounded(call):
    image = _create(call)
    ops = [{'op': 'replace', 'path': '/name', 'value': 'n'}] * 600
    result = call('PATCH', '/v2/images/%s' % image['id'], content_type=V21,
                  json_body=ops)
    assert result.status == 400, result.raw


@pytest.mark.parametrize('member', ['..', '.'])
def test_dot_member_ids_are_404(call, member):
    image = _create(call, visibility='shared')
    result = call('GET', '/v2/images/%s/members/%s' % (image['id'], member))
    assert result.status == 404, result.raw


def test_registry_quotes_dot_segments():
    from nube.image.registry import client
    assert client.RegistryClient._quote('..') == '%2E%2E'
    assert client.RegistryClient._quote('a/b') == 'a%2Fb'


@pytest.mark.parametrize('error, code', [
    (db_exc.DBConnectionError('gone'), 503),
    (db_exc.DBDataError('too long'), 400),
    (db_exc.DBInvalidUnicodeParameter(), 400),
])
def test_registry_database_errors_are_not_500(db, error, code):
    """The registry's database failing reaches the client as 503 with a
    Retry-After (or 400 for values it cannot hold), never a class name."""
    class Failing:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise error
            return fail
    registry = registry_app.RegistryApp(Failing())
    req = webob.Request.blank('/images/%s' % uuid.uuid4())
    response = req.get_response(registry)
    assert response.status_int == code
    assert 'DB' not in response.text and 'oslo' not in response.text
    if code == 503:
        assert response.headers['Retry-After'].isdigit()


def test_error_body_is_glance_shaped():
    content_type, body = image_app.error_body(414, 'too long')
    assert content_type == 'application/json'
    assert json.loads(body) == {'message': 'too long',
                                'code': '414 Request-URI Too Long',
                                'title': 'Request-URI Too Long'}
