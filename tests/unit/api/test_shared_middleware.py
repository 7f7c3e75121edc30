"""The middleware the image and network APIs share (nube.api.middleware):
errors rendered in each API's own shape, the body size limit, routes."""

import io
import json
import logging
import re

import pytest
import webob
import webob.dec
import webob.exc

from nube.api import middleware
from nube import exception
from nube.image.api import app as image_app
from nube.network.neutron import app as network_app
from nube import safe_input


class Known(Exception):
    pass


def _raising(error):
    @webob.dec.wsgify
    def app(req):
        raise error
    return app


@webob.dec.wsgify
def _echo(req):
    return webob.Response(body=b'got %d bytes' % len(req.body_file.read()))


def _render(exc):
    if isinstance(exc, (Known, safe_input.InvalidInput)):
        return webob.Response(status=418, body=str(exc).encode())
    return None


def _internal_error():
    return webob.Response(status=500, body=b'plain 500')


def _errors(application, log):
    return middleware.ErrorMiddleware(application, _render, _internal_error,
                                      log)


# -- ErrorMiddleware ----------------------------------------------------------

def test_a_known_error_is_what_render_makes_of_it(caplog):
    app = _errors(_raising(Known('mine')), logging.getLogger('t.errors'))
    response = webob.Request.blank('/x').get_response(app)
    assert (response.status_int, response.body) == (418, b'mine')
    assert not caplog.records


def test_an_unexpected_error_is_logged_on_the_apis_logger(caplog):
    caplog.set_level('ERROR', logger='t.errors')
    app = _errors(_raising(RuntimeError('secret')),
                  logging.getLogger('t.errors'))
    response = webob.Request.blank('/x/y').get_response(app)
    assert (response.status_int, response.body) == (500, b'plain 500')
    [record] = caplog.records
    assert record.name == 't.errors'
    assert record.getMessage() == 'Unexpected error serving GET /x/y'
    assert record.exc_info[0] is RuntimeError


def test_a_path_that_is_not_utf8_never_reaches_the_application():
    app = _errors(_echo, logging.getLogger('t.errors'))
    req = webob.Request.blank('/')
    req.environ['PATH_INFO'] = '/\xff\xfe'
    response = req.get_response(app)
    assert response.status_int == 418
    assert b'UTF-8' in response.body


def test_what_the_application_answers_passes_unchanged():
    app = _errors(_echo, logging.getLogger('t.errors'))
    response = webob.Request.blank('/', method='POST',
                                   body=b'abc').get_response(app)
    assert response.body == b'got 3 bytes'


# -- the two APIs' shapes -----------------------------------------------------

def test_network_api_renders_neutrons_shape(caplog):
    response = webob.Request.blank('/').get_response(
        network_app.Errors(_raising(exception.NotFound('nf'))))
    assert response.status_int == 404
    assert json.loads(response.body) == {'NeutronError': {
        'type': 'HTTPNotFound', 'message': 'nf', 'detail': ''}}

    caplog.set_level('ERROR', logger='nube.network.neutron.app')
    response = webob.Request.blank('/').get_response(
        network_app.Errors(_raising(RuntimeError('secret'))))
    assert response.status_int == 500
    assert json.loads(response.body)['NeutronError']['type'] == \
        'HTTPInternalServerError'
    assert 'secret' not in response.text
    assert [r.name for r in caplog.records] == ['nube.network.neutron.app']


def test_image_api_renders_glances_shape(caplog):
    headers = {'Accept': 'application/json'}
    response = webob.Request.blank('/', headers=headers).get_response(
        image_app.Errors(_raising(exception.NotFound('nf'))))
    assert response.status_int == 404
    assert json.loads(response.body)['code'] == '404 Not Found'

    caplog.set_level('ERROR', logger='nube.image.api.app')
    response = webob.Request.blank('/', headers=headers).get_response(
        image_app.Errors(_raising(RuntimeError('secret'))))
    assert response.status_int == 500
    body = json.loads(response.body)
    assert body['title'] == 'Internal Server Error'
    assert 'Unexpected error while serving the request.' in body['message']
    assert 'secret' not in response.text
    assert [r.name for r in caplog.records] == ['nube.image.api.app']


def test_image_api_passes_webob_errors_through():
    conflict = webob.exc.HTTPConflict(explanation='busy')
    assert image_app.render_error(conflict) is conflict
    assert network_app.render_error(conflict) is None     # a 500 there


# -- BodySizeLimit ------------------------------------------------------------

def _limited(max_size, exempt=None):
    return middleware.BodySizeLimit(
        _echo, max_size,
        lambda code, message: webob.Response(
            status=code, body=('mine: ' + message).encode()),
        exempt=exempt)


def test_a_declared_length_over_the_limit_is_413_in_the_apis_shape():
    req = webob.Request.blank('/', method='POST', body=b'12345')
    response = req.get_response(_limited(4))
    assert response.status_int == 413
    assert response.body == b'mine: Request is too large.'
    req = webob.Request.blank('/', method='POST', body=b'1234')
    assert req.get_response(_limited(4)).body == b'got 4 bytes'


def test_the_limit_is_read_per_request():
    limit = [4]
    app = _limited(lambda: limit[0])
    req = webob.Request.blank('/', method='POST', body=b'12345')
    assert req.get_response(app).status_int == 413
    limit[0] = 8
    req = webob.Request.blank('/', method='POST', body=b'12345')
    assert req.get_response(app).body == b'got 5 bytes'


def test_a_chunked_body_is_counted_as_it_is_read():
    req = webob.Request.blank('/', method='POST')
    req.environ['wsgi.input'] = io.BytesIO(b'123456789')
    req.environ['wsgi.input_terminated'] = True
    req.environ.pop('CONTENT_LENGTH', None)
    assert req.get_response(_limited(4)).status_int == 413


@pytest.mark.parametrize('path,status', [('/data/1', 200), ('/meta', 413)])
def test_an_exempt_path_is_not_limited(path, status):
    app = _limited(4, exempt=re.compile(r'^/data/[^/]+$'))
    req = webob.Request.blank(path, method='POST', body=b'123456')
    assert req.get_response(app).status_int == status


# -- compile_routes -----------------------------------------------------------

def test_routes_match_exact_paths_and_name_their_parts():
    methods = {'GET': object()}
    [(regex, got)] = middleware.compile_routes(
        (('/v2/images/{image_id}/tags/{tag}', methods),))
    assert got is methods
    assert regex.match('/v2/images/i-1/tags/t').groupdict() == {
        'image_id': 'i-1', 'tag': 't'}
    for path in ('/v2/images/i-1/tags/t/', '/v2/images//tags/t',
                 '/v2/images/a/b/tags/t'):
        assert regex.match(path) is None
