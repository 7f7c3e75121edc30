"""The network API's documents, routing, error rendering and service."""

import io
import json

from oslo_db import exception as db_exc
import pytest
import webob

from nube.cmd import network_api as network_api_cmd
from nube.network.neutron import app as network_app
from tests.unit.network.neutron import FakeNetworkAPI
from tests.unit.network.neutron import make_caller
import tests.unit.network.neutron as base

# Fixtures shared by the network API tests.
app = base.app
call = base.call
fake_api = base.fake_api
fresh_policy = base.fresh_policy

EXPECTED_ALIASES = {
    'binding', 'provider', 'external-net', 'standard-attr-description',
    'standard-attr-timestamp', 'standard-attr-revisions', 'project-id',
    'net-mtu', 'net-mtu-writable', 'pagination', 'sorting',
    'ip-substring-filtering', 'security-group', 'router'}


def test_version_document_needs_no_token(call):
    for path in ('/', ''):
        result = call('GET', path or '/', token=None)
        assert result.status == 200
        assert result.body == {'versions': [
            {'id': 'v2.0', 'status': 'CURRENT',
             'links': [{'href': 'http://localhost/v2.0/', 'rel': 'self'}]}]}


def test_version_document_names_the_host_asked(app):
    req = webob.Request.blank('/', base_url='http://net.example:9696')
    body = json.loads(req.get_response(app).body)
    assert body['versions'][0]['links'][0]['href'] == \
        'http://net.example:9696/v2.0/'


@pytest.mark.parametrize('path', ['/v2.0', '/v2.0/'])
def test_resources_document(call, path):
    result = call('GET', path)
    assert result.status == 200
    assert result.body == {'resources': [
        {'name': name, 'collection': name + 's',
         'links': [{'href': 'http://localhost/v2.0/%ss' % name,
                    'rel': 'self'}]}
        for name in ('network', 'subnet', 'port')]}


def test_api_needs_a_token(call):
    for path in ('/v2.0', '/v2.0/networks', '/v2.0/extensions'):
        assert call('GET', path, token=None).status == 401


def test_extensions_are_what_nube_has(call):
    result = call('GET', '/v2.0/extensions')
    assert result.status == 200
    extensions = result.body['extensions']
    assert {ext['alias'] for ext in extensions} == EXPECTED_ALIASES
    for ext in extensions:
        assert set(ext) == {'name', 'alias', 'description', 'updated',
                            'links'}
        assert ext['links'] == []
    binding = next(e for e in extensions if e['alias'] == 'binding')
    assert binding['name'] == 'Port Binding'


def test_show_extension(call):
    result = call('GET', '/v2.0/extensions/provider')
    assert result.status == 200
    assert result.body['extension']['alias'] == 'provider'
    for alias in ('port-security', 'quotas', 'l3-ha', 'dns-integration'):
        missing = call('GET', '/v2.0/extensions/' + alias)
        assert missing.status == 404
        assert missing.error['type'] == 'HTTPNotFound'
        assert alias in missing.error['message']


@pytest.mark.parametrize('path', ['/v2.0/subnetpools', '/v2.0/networks/a/b',
                                  '/v2', '/v2.0/networks/', '/x'])
def test_unknown_urls_are_neutron_404s(call, path):
    result = call('GET', path)
    assert result.status == 404
    assert result.error == {'type': 'HTTPNotFound', 'detail': '',
                            'message': 'The resource could not be found.'}


def test_wrong_method_is_405_with_allow(call):
    result = call('PATCH', '/v2.0/networks')
    assert result.status == 405
    assert result.error['type'] == 'HTTPMethodNotAllowed'
    assert result.headers['Allow'] == 'GET, POST'
    result = call('POST', '/v2.0/networks/%s' % ('1' * 8 + '-1111-1111-'
                                                 '1111-' + '1' * 12))
    assert result.status == 405
    assert result.headers['Allow'] == 'DELETE, GET, PUT'


def test_json_suffix_names_the_same_resource(call):
    created = call('POST', '/v2.0/networks.json',
                   body={'network': {'name': 'n'}})
    assert created.status == 201
    net_id = created.body['network']['id']
    assert call('GET', '/v2.0/networks/%s.json' % net_id).body[
        'network']['name'] == 'n'
    assert len(call('GET', '/v2.0/networks.json').body['networks']) == 1


def test_every_response_names_its_request(call):
    for result in (call('GET', '/'), call('GET', '/v2.0/networks'),
                   call('GET', '/nothing')):
        assert result.headers['x-openstack-request-id'].startswith('req-')


def test_body_over_the_limit_is_413_in_neutron_shape(call, overrides):
    overrides('max_request_body_size', 2048, group='network_api')
    result = call('POST', '/v2.0/networks',
                  body={'network': {'name': 'x' * 4000}})
    assert result.status == 413
    assert result.error['type'] == 'HTTPRequestEntityTooLarge'


def test_chunked_body_over_the_limit_is_413(app, overrides):
    overrides('max_request_body_size', 2048, group='network_api')
    req = webob.Request.blank('/v2.0/networks', method='POST', headers={
        'X-Auth-Token': 'alice:p1', 'Transfer-Encoding': 'chunked',
        'Content-Type': 'application/json'})
    req.environ['wsgi.input'] = io.BytesIO(
        json.dumps({'network': {'name': 'x' * 4000}}).encode())
    req.environ['wsgi.input_terminated'] = True
    req.environ.pop('CONTENT_LENGTH', None)
    response = req.get_response(app)
    assert response.status_int == 413
    assert json.loads(response.body)['NeutronError']['type'] == \
        'HTTPRequestEntityTooLarge'


class _Broken(FakeNetworkAPI):
    def __init__(self, error):
        super().__init__()
        self.error = error

    def list_networks(self, ctxt, filters=None):
        raise self.error


def _broken_call(error):
    return make_caller(network_app.create_app(network_api=_Broken(error)))


@pytest.mark.parametrize('error', [
    db_exc.DBConnectionError('gone'), db_exc.DBDeadlock('stuck')])
def test_database_unavailable_is_503_with_retry_after(fresh_policy, error):
    result = _broken_call(error)('GET', '/v2.0/networks')
    assert result.status == 503
    assert result.headers['Retry-After'] == '5'
    assert result.error['type'] == 'HTTPServiceUnavailable'
    assert 'gone' not in result.error['message']


def test_unexpected_error_is_a_plain_500(fresh_policy):
    result = _broken_call(RuntimeError('secret detail'))(
        'GET', '/v2.0/networks')
    assert result.status == 500
    assert result.error['type'] == 'HTTPInternalServerError'
    assert 'secret' not in result.raw.decode()
    assert 'Traceback' not in result.raw.decode()


def test_error_body_for_the_server():
    content_type, body = network_app.error_body(400, 'Bad request line.')
    assert content_type == 'application/json'
    assert json.loads(body) == {'NeutronError': {
        'type': 'HTTPBadRequest', 'message': 'Bad request line.',
        'detail': ''}}


def test_service_wraps_a_wsgi_server(fresh_policy, overrides):
    overrides('auth_strategy', 'noauth2', group='network_api')
    service = network_api_cmd.NetworkApiService(
        host='127.0.0.1', port=0, network_api=FakeNetworkAPI())
    assert service.server.name == 'nube-network-api'
    assert service.server.port == 0
    assert service.server.error_body is network_app.error_body
    assert service.server.pool_size == 1000


def test_service_defaults_to_the_configured_port(fresh_policy, overrides):
    overrides('auth_strategy', 'noauth2', group='network_api')
    service = network_api_cmd.NetworkApiService(network_api=FakeNetworkAPI())
    assert service.server.port == 9696
    assert service.server.host == '0.0.0.0'


def test_a_webob_error_from_a_handler_keeps_neutrons_shape(fresh_policy):
    import webob.exc

    def conflict(req, deps):
        raise webob.exc.HTTPConflict()

    router = network_app.Router(network_app.Dependencies(FakeNetworkAPI()),
                                table=(('/boom', {'GET': conflict}),))
    result = make_caller(network_app.Errors(router))('GET', '/boom')
    assert result.status == 409
    assert result.error == {'type': 'HTTPConflict', 'message': 'Conflict.',
                            'detail': ''}
