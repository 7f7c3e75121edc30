"""The OpenAPI documents: valid 3.1, complete (every route of every table
is an operation; every handler that reads a body has its schema), and
their schemas mean what nube's draft-4 validators mean."""

import inspect
import json

import jsonschema
import pytest
import webob
import webob.exc

from nube.api import microversion
from nube.api import router
from nube.api.handlers import server_actions
from nube.api.schemas import flavors as flavor_schemas
from nube.api import validation
from nube.identity import app as identity_app
from nube.image.api import app as image_app
from nube import openapi
from nube.openapi import __main__ as cli
from nube.openapi import base
from nube.openapi import compute
from nube.openapi import image
from nube.openapi import wsgi

TABLES = {
    'compute': router.ROUTES,
    'image': image_app.ROUTES,
    'identity': identity_app.ROUTES,
}
# A handler whose source reads a JSON (or raw) body must document one.
_READS_BODY = ('validation.validate(', 'json_body(', 'read_body(',
               '_receive(')


@pytest.fixture(scope='module')
def docs():
    return {name: openapi.build(name) for name in openapi.APIS}


def _source(handler):
    return inspect.getsource(getattr(handler, '__func__', handler))


@pytest.mark.parametrize('api', openapi.APIS)
def test_every_route_is_an_operation(docs, api):
    doc = docs[api]
    ops = set(base.operations(doc))
    expected = {(path, method) for path, methods in TABLES[api]
                for method in methods}
    assert expected - ops == set(), 'routes without an operation'
    assert ops - expected == set(), 'operations without a route'


@pytest.mark.parametrize('api', openapi.APIS)
def test_handlers_that_read_a_body_document_it(docs, api):
    doc = docs[api]
    missing, extra = [], []
    for path, methods in TABLES[api]:
        for method, handler in methods.items():
            op = doc['paths'][path][method.lower()]
            reads = any(marker in _source(handler) for marker in _READS_BODY)
            if reads and 'requestBody' not in op:
                missing.append((method, path))
            if not reads and 'requestBody' in op:
                extra.append((method, path))
    assert missing == [], 'add these bodies to nube/openapi/%s.py' % api
    assert extra == []


def test_a_new_route_appears():
    def handler(req):
        return None
    table = router.ROUTES + (('/os-new-thing', {'GET': handler,
                                                'POST': handler}),)
    doc = compute.build(routes=table)
    assert {('/os-new-thing', 'GET'), ('/os-new-thing', 'POST')} <= set(
        base.operations(doc))
    assert doc['paths']['/os-new-thing']['get']['operationId'] != \
        doc['paths']['/os-new-thing']['post']['operationId']


def test_every_server_action_has_a_schema():
    assert set(compute.ACTION_BODIES) == set(server_actions.ACTIONS)


@pytest.mark.parametrize('api', openapi.APIS)
def test_structure(docs, api):
    doc = docs[api]
    assert doc['openapi'] == '3.1.0'
    assert doc['info']['title'] and doc['info']['version']
    scheme = doc['components']['securitySchemes'][base.TOKEN_SCHEME]
    assert scheme == {'type': 'apiKey', 'in': 'header',
                      'name': 'X-Auth-Token',
                      'description': scheme['description']}
    op_ids = []
    for path, method in base.operations(doc):
        item = doc['paths'][path]
        op = item[method.lower()]
        op_ids.append(op['operationId'])
        assert op['responses'], (method, path)
        declared = [p['name'] for p in item.get('parameters', [])
                    if p['in'] == 'path']
        assert declared == base.path_params(path)
        assert all(p['required'] for p in item.get('parameters', []))
        for ref in _refs(op):
            name = ref.rsplit('/', 1)[-1]
            assert name in doc['components']['schemas'], ref
    assert len(op_ids) == len(set(op_ids))
    json.dumps(doc)


def _refs(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == '$ref':
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


@pytest.mark.parametrize('api', openapi.APIS)
def test_schemas_compile_as_2020_12(docs, api):
    doc = docs[api]
    schemas = list(base.request_schemas(doc).values()) + list(
        doc['components']['schemas'].values())
    assert schemas
    for schema in schemas:
        jsonschema.Draft202012Validator.check_schema(schema)
        assert not _has_boolean_exclusive(schema), schema


def _has_boolean_exclusive(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ('exclusiveMinimum', 'exclusiveMaximum') and \
                    isinstance(item, bool):
                return True
            if _has_boolean_exclusive(item):
                return True
    elif isinstance(value, list):
        return any(_has_boolean_exclusive(v) for v in value)
    return False


@pytest.mark.parametrize('api', openapi.APIS)
def test_valid_openapi_3_1(docs, api):
    validator = pytest.importorskip('openapi_spec_validator')
    validator.validate(docs[api])


def test_every_compute_microversion_builds():
    low, high = microversion.MIN_VERSION, microversion.MAX_VERSION
    for minor in range(low.minor, high.minor + 1):
        doc = compute.build(version='2.%d' % minor)
        header = doc['paths']['/servers']['post']['parameters'][0]
        assert header['name'] == microversion.HEADER
        assert header['schema']['default'] == 'compute 2.%d' % minor
    with pytest.raises(ValueError):
        compute.build(version='2.%d' % (high.minor + 1))


def test_compute_bodies_follow_the_microversion():
    def server_props(doc):
        body = doc['paths']['/servers']['post']['requestBody']
        return body['content']['application/json']['schema'][
            'properties']['server']['properties']
    assert 'description' not in server_props(compute.build(version='2.1'))
    assert 'description' in server_props(compute.build(version='2.19'))


def test_conversion_keeps_the_meaning():
    draft4 = flavor_schemas.create
    converted = base.convert_schema(draft4)
    rxtx = converted['properties']['flavor']['properties']['rxtx_factor']
    assert rxtx['exclusiveMinimum'] == 0 and 'minimum' not in rxtx
    assert draft4['properties']['flavor']['properties']['rxtx_factor'][
        'exclusiveMinimum'] is True, 'the input must not change'
    new = jsonschema.Draft202012Validator(converted)
    old = jsonschema.Draft4Validator(draft4)
    for factor in (0, 0.5, 1, -1, '2.5'):
        body = {'flavor': {'name': 'f', 'ram': 1, 'vcpus': 1, 'disk': 0,
                           'rxtx_factor': factor}}
        assert new.is_valid(body) == old.is_valid(body), factor
    assert not new.is_valid({'flavor': {'name': 'f', 'ram': 1, 'vcpus': 1,
                                        'disk': 0, 'rxtx_factor': 0}})


def test_conversion_of_other_draft_4_keywords():
    schema = {'$schema': 'http://json-schema.org/draft-04/schema#',
              'id': 'thing',
              'definitions': {'n': {'type': 'integer', 'maximum': 5,
                                    'exclusiveMaximum': False}},
              'type': 'object',
              'properties': {'a': {'$ref': '#/definitions/n'},
                             'b': {'items': [{'type': 'string'}],
                                   'additionalItems': False},
                             'exclusiveMinimum': {'type': 'boolean'}},
              'dependencies': {'a': ['b'], 'b': {'required': ['a']}},
              'format': 'uuid'}
    out = base.convert_schema(schema)
    assert '$schema' not in out and out['$id'] == 'thing'
    assert out['$defs']['n'] == {'type': 'integer', 'maximum': 5}
    assert out['properties']['a'] == {'$ref': '#/$defs/n'}
    assert out['properties']['b'] == {'prefixItems': [{'type': 'string'}],
                                      'items': False}
    # A property that happens to be named like a keyword is left alone.
    assert out['properties']['exclusiveMinimum'] == {'type': 'boolean'}
    assert out['dependentRequired'] == {'a': ['b']}
    assert out['dependentSchemas'] == {'b': {'required': ['a']}}
    assert out['format'] == 'uuid'
    jsonschema.Draft202012Validator.check_schema(out)


def test_documented_bodies_are_what_the_handlers_accept(docs):
    """A body valid for the document passes the handler's validator."""
    body = {'flavor': {'name': 'tiny', 'ram': 64, 'vcpus': 1, 'disk': 0}}
    schema = docs['compute']['paths']['/flavors']['post']['requestBody'][
        'content']['application/json']['schema']
    jsonschema.Draft202012Validator(schema).validate(body)
    assert validation.validate(flavor_schemas.create, body) == body
    action = docs['compute']['paths']['/servers/{server_id}/action'][
        'post']['requestBody']['content']['application/json']['schema']
    checker = jsonschema.Draft202012Validator(action)
    assert checker.is_valid({'reboot': {'type': 'HARD'}})
    assert checker.is_valid({'os-stop': None})
    assert not checker.is_valid({'reboot': {'type': 'HARD'},
                                 'os-stop': None})
    assert not checker.is_valid({'no-such-action': {}})


def test_error_shapes(docs):
    nova = jsonschema.Draft202012Validator(compute.error_schema())
    assert nova.is_valid({'itemNotFound': {'code': 404, 'message': 'x'}})
    assert not nova.is_valid({'itemNotFound': {'code': 404}})
    assert not nova.is_valid({'notAFault': {'code': 404, 'message': 'x'}})
    assert not nova.is_valid({'badRequest': {'code': 400, 'message': 'x'},
                              'itemNotFound': {'code': 404, 'message': 'x'}})
    glance = jsonschema.Draft202012Validator(image.error_schema())
    error = webob.exc.HTTPNotFound(explanation='gone')
    req = webob.Request.blank('/', headers={'Accept': 'application/json'})
    assert glance.is_valid(req.get_response(error).json)
    assert not glance.is_valid({'message': 'x', 'code': 404, 'title': 'x'})
    keystone = jsonschema.Draft202012Validator(base.KEYSTONE_ERROR)
    assert keystone.is_valid({'error': {'code': 401, 'title': 'Unauthorized',
                                        'message': 'x'}})
    assert not keystone.is_valid({'error': {'code': 401}})
    errors = docs['compute']['paths']['/servers']['get']['responses']
    assert errors['4XX']['content']['application/json']['schema'] == {
        '$ref': '#/components/schemas/ComputeFault'}
    assert errors['401']['content']['application/json']['schema'] == {
        '$ref': '#/components/schemas/KeystoneError'}


def test_identity_public_routes_need_no_token(docs):
    paths = docs['identity']['paths']
    assert paths['/v3/auth/tokens']['post']['security'] == []
    assert 'security' not in paths['/v3/auth/tokens']['get']
    header = paths['/v3/auth/tokens']['get']['parameters'][0]
    assert header['name'] == 'X-Subject-Token' and header['required']
    assert paths['/v3/users']['post']['requestBody']
    assert {p['name'] for p in paths['/v3/users']['get']['parameters']} == \
        {'name', 'domain_id', 'enabled'}


def test_image_patch_media_types(docs):
    content = docs['image']['paths']['/v2/images/{image_id}']['patch'][
        'requestBody']['content']
    assert set(content) == {'application/openstack-images-v2.0-json-patch',
                            'application/openstack-images-v2.1-json-patch'}


def test_document_app_serves_json():
    app = wsgi.document_app('image')
    resp = webob.Request.blank('/openapi.json').get_response(app)
    assert resp.status_int == 200
    assert resp.content_type == 'application/json'
    assert resp.json['info']['title'] == 'nube image API'
    resp = webob.Request.blank('/openapi.json',
                               method='POST').get_response(app)
    assert resp.status_int == 405 and resp.headers['Allow'] == 'GET, HEAD'
    with pytest.raises(ValueError):
        wsgi.document_app('network')


def test_router_handlers():
    req = webob.Request.blank('/v2.1/openapi.json')
    req.api_version = microversion.parse('2.19')
    resp = wsgi.compute_document(req)
    assert resp.json['paths']['/servers']['post']['parameters'][0][
        'schema']['default'] == 'compute 2.19'
    assert wsgi.image_document(req, None).json['info']['title'] == \
        'nube image API'
    assert wsgi.identity_document(None, req, None).json['info'][
        'title'] == 'nube identity API'


def test_cli_writes_a_document(tmp_path, capsys):
    out = tmp_path / 'identity.json'
    assert cli.main(['--api', 'identity', '-o', str(out)]) == 0
    assert json.loads(out.read_text())['openapi'] == '3.1.0'
    assert cli.main(['--api', 'compute', '--microversion', '2.3']) == 0
    assert json.loads(capsys.readouterr().out)['info']['version'] == \
        '2.1 (microversion 2.3)'
    assert cli.main(['--api', 'image', '--microversion', '2.3']) == 2
