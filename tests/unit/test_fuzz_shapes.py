"""tools/fuzz/shapes.py: the per-API error-shape checkers of the fuzz
stage, and its curl reproductions."""

import os
import shlex
import sys

import requests
import webob
import webob.exc

from nube.api import fault
from nube.identity import errors as identity_errors

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..',
                                'tools', 'fuzz'))
import shapes  # noqa: E402


def _response(webob_response):
    """A requests.Response carrying a webob response's status and body."""
    resp = requests.Response()
    resp.status_code = webob_response.status_int
    resp.headers.update(webob_response.headers)
    resp._content = webob_response.body
    return resp


def _json(status, body, content_type='application/json'):
    return _response(webob.Response(status=status, json_body=body,
                                    content_type=content_type))


def test_compute_errors_in_nova_shape():
    ok = _response(fault.error_response(404, 'gone'))
    assert shapes.shape_problem('compute', 'GET', ok) is None
    wrong_name = _json(404, {'badRequest': {'code': 404, 'message': 'x'}})
    assert 'itemNotFound' in shapes.shape_problem('compute', 'GET',
                                                  wrong_name)
    wrong_code = _json(409, {'conflictingRequest': {'code': 400,
                                                    'message': 'x'}})
    assert 'status 409' in shapes.shape_problem('compute', 'GET',
                                                wrong_code)
    glance_like = _json(400, {'message': 'x', 'code': '400 Bad Request',
                              'title': 'Bad Request'})
    assert shapes.shape_problem('compute', 'POST', glance_like)
    server_error = _response(fault.error_response(500, 'boom'))
    assert shapes.shape_problem('compute', 'GET', server_error) is None


def test_keystone_401_is_accepted_everywhere():
    body = {'error': {'code': 401, 'title': 'Unauthorized',
                      'message': 'auth'}}
    for api in ('compute', 'image', 'identity'):
        assert shapes.shape_problem(api, 'GET', _json(401, body)) is None
    bad = {'error': {'code': 403, 'title': 'Forbidden', 'message': 'x'}}
    assert shapes.shape_problem('compute', 'GET', _json(401, bad))


def test_image_errors_are_webob_json_pages():
    req = webob.Request.blank('/', headers={'Accept': 'application/json'})
    page = req.get_response(webob.exc.HTTPConflict(explanation='busy'))
    assert shapes.shape_problem('image', 'PUT', _response(page)) is None
    html = webob.Request.blank('/', headers={'Accept': 'text/html'})
    page = html.get_response(webob.exc.HTTPConflict(explanation='busy'))
    assert 'not JSON' in shapes.shape_problem('image', 'PUT',
                                              _response(page))
    off = _json(404, {'message': 'x', 'code': '400 Bad Request',
                      'title': 'Bad Request'})
    assert 'status 404' in shapes.shape_problem('image', 'GET', off)


def test_identity_errors():
    ok = _response(identity_errors.error_response(409, 'dup'))
    assert shapes.shape_problem('identity', 'POST', ok) is None
    nova_like = _json(409, {'conflictingRequest': {'code': 409,
                                                   'message': 'x'}})
    assert shapes.shape_problem('identity', 'POST', nova_like)


def test_head_and_success_responses():
    empty = _response(webob.Response(status=404, content_type=None))
    assert shapes.shape_problem('identity', 'HEAD', empty) is None
    assert shapes.shape_problem('identity', 'GET', empty)
    with_body = requests.Response()
    with_body.status_code = 204
    with_body._content = b'x'
    assert shapes.shape_problem('image', 'PUT', with_body) == \
        '204 with a body'
    broken = _json(200, None)
    broken._content = b'{"not json'
    assert 'not JSON' in shapes.shape_problem('compute', 'GET', broken)


def test_curl_replays_the_request(tmp_path):
    prepared = requests.Request(
        'POST', 'http://127.0.0.1:1/v2.1/servers?x=%27',
        headers={'X-Auth-Token': 'secret', 'Content-Type':
                 'application/json'}, data=b'{"a": "it\'s"}').prepare()
    command = shapes.curl(prepared, {'secret': '$ADMIN_TOKEN'})
    assert 'secret' not in command
    words = shlex.split(command)
    assert words[:5] == ['curl', '-sS', '-i', '-X', 'POST']
    assert 'X-Auth-Token: $ADMIN_TOKEN' in words
    assert words[words.index('--data-binary') + 1] == '{"a": "it\'s"}'
    assert words[-1] == 'http://127.0.0.1:1/v2.1/servers?x=%27'
    binary = requests.Request('PUT', 'http://127.0.0.1:1/f',
                              data=b'\xff\x00').prepare()
    command = shapes.curl(binary, {})
    assert command.startswith("printf '\\xff\\x00' | curl")
    path = str(tmp_path / 'body')
    assert '@' + path in shapes.curl(prepared, {}, body_file=path)
