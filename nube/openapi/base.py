"""What the three OpenAPI generators share: the 3.1 document skeleton,
operations built from a route table, and draft-4 schemas made 2020-12.

nube's request schemas are JSON Schema draft 4 (the handlers validate
with ``jsonschema.Draft4Validator``); OpenAPI 3.1 schema objects are JSON
Schema 2020-12. ``convert_schema`` rewrites the few keywords whose
meaning changed (boolean ``exclusiveMinimum``/``exclusiveMaximum``, tuple
``items``, ``dependencies``, ``definitions``, ``id``); custom ``format``
values (``name``, ``uuid``, ``base64``...) are annotations in 2020-12 and
stay as they are.
"""

import copy
import re

OPENAPI_VERSION = '3.1.0'
JSON = 'application/json'

_PARAM_RE = re.compile(r'\{(\w+)\}')

# Keywords whose value is one schema, a list of schemas, or a map of them.
_ONE = ('additionalProperties', 'additionalItems', 'not', 'contains',
        'propertyNames', 'if', 'then', 'else', 'items')
_LIST = ('allOf', 'anyOf', 'oneOf', 'items')
_MAP = ('properties', 'patternProperties', 'definitions', '$defs',
        'dependencies')

# The error body every API returns for a missing or bad token: what
# keystonemiddleware answers (nube.api.auth mirrors it for noauth2), so
# the compute and image APIs return it too, as Nova and Glance do.
KEYSTONE_ERROR = {
    'type': 'object',
    'properties': {
        'error': {
            'type': 'object',
            'properties': {
                'code': {'type': 'integer'},
                'title': {'type': 'string'},
                'message': {'type': 'string'},
            },
            'required': ['code', 'title', 'message'],
        },
    },
    'required': ['error'],
}

TOKEN_SCHEME = 'keystoneToken'
SECURITY_SCHEMES = {
    TOKEN_SCHEME: {
        'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
        'description': 'A Keystone token (POST /v3/auth/tokens answers it '
                       'in X-Subject-Token).',
    },
}


def path_params(template):
    """['server_id', 'key'] for '/servers/{server_id}/metadata/{key}'."""
    return _PARAM_RE.findall(template)


def _convert_bound(schema, bound):
    """Draft 4's ``minimum: N, exclusiveMinimum: true`` -> 2020-12's
    ``exclusiveMinimum: N`` (and the same for maximum)."""
    exclusive = 'exclusive' + bound.capitalize()
    if exclusive not in schema or not isinstance(schema[exclusive], bool):
        return
    if schema.pop(exclusive) and bound in schema:
        schema[exclusive] = schema.pop(bound)


def _convert(schema):
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    schema.pop('$schema', None)
    if isinstance(schema.get('id'), str):
        schema['$id'] = schema.pop('id')
    for bound in ('minimum', 'maximum'):
        _convert_bound(schema, bound)
    if isinstance(schema.get('items'), list):
        schema['prefixItems'] = schema.pop('items')
        if 'additionalItems' in schema:
            schema['items'] = schema.pop('additionalItems')
    if 'definitions' in schema:
        schema['$defs'] = schema.pop('definitions')
    if isinstance(schema.get('$ref'), str):
        schema['$ref'] = schema['$ref'].replace('#/definitions/', '#/$defs/')
    if isinstance(schema.get('dependencies'), dict):
        for name, dep in schema.pop('dependencies').items():
            key = 'dependentRequired' if isinstance(dep, list) \
                else 'dependentSchemas'
            schema.setdefault(key, {})[name] = dep
    for key in _ONE:
        if isinstance(schema.get(key), dict):
            schema[key] = _convert(schema[key])
    for key in _LIST + ('prefixItems',):
        if isinstance(schema.get(key), list):
            schema[key] = [_convert(s) for s in schema[key]]
    for key in _MAP + ('dependentSchemas',):
        if isinstance(schema.get(key), dict):
            schema[key] = {name: _convert(s)
                           for name, s in schema[key].items()}
    return schema


def convert_schema(schema):
    """A deep copy of draft-4 ``schema`` as a JSON Schema 2020-12 one."""
    return _convert(copy.deepcopy(schema))


def json_body(schema, media_types=(JSON,), required=True):
    """A requestBody object for ``schema`` (draft 4) in ``media_types``."""
    converted = convert_schema(schema)
    return {'required': required,
            'content': {media: {'schema': converted}
                        for media in media_types}}


def binary_body(media_type='application/octet-stream'):
    return {'required': True,
            'content': {media_type: {'schema': {
                'type': 'string', 'contentMediaType': media_type}}}}


def parameter(name, where, schema=None, required=False, description=None):
    param = {'name': name, 'in': where, 'required': required,
             'schema': schema or {'type': 'string'}}
    if where == 'path':
        param['required'] = True
    if description:
        param['description'] = description
    return param


def query(names, schema=None):
    return [parameter(name, 'query', schema) for name in names]


def error_responses(error_ref, auth_ref=None):
    """Responses every operation may give: 4XX and 5XX in the API's error
    shape, 401 in Keystone's (what auth_token answers)."""
    def ref(name, description):
        return {'description': description, 'content': {JSON: {
            'schema': {'$ref': '#/components/schemas/%s' % name}}}}
    responses = {
        '4XX': ref(error_ref, 'A client error, in the API\'s error shape.'),
        '5XX': ref(error_ref, 'A server error (never expected).'),
    }
    if auth_ref:
        responses['401'] = ref(auth_ref, 'No valid token.')
    return responses


def operation_id(handler, method, used):
    """A unique operationId from the handler's name (module_function, or
    collection_method for a bound resource method)."""
    owner = getattr(handler, '__self__', None)
    if owner is not None and getattr(owner, 'collection', None):
        base = '%s_%s' % (owner.collection, handler.__name__)
    else:
        base = '%s_%s' % (handler.__module__.rsplit('.', 1)[-1],
                          handler.__name__)
    candidate = base
    if candidate in used:
        candidate = '%s_%s' % (base, method.lower())
    count = 2
    while candidate in used:
        candidate = '%s_%s_%d' % (base, method.lower(), count)
        count += 1
    used.add(candidate)
    return candidate


def handler_summary(handler):
    doc = (getattr(handler, '__doc__', None) or '').strip()
    if not doc or getattr(handler, '__self__', None) is not None and \
            doc == (type(handler.__self__).__doc__ or '').strip():
        return None
    return doc.splitlines()[0].strip()


def build_paths(routes, describe, path_param_schema=None):
    """``paths`` from a route table of ``(template, {METHOD: handler})``.

    ``describe(template, method, handler)`` gives the operation's extra
    fields (requestBody, parameters, security, responses...).
    """
    paths = {}
    used = set()
    path_param_schema = path_param_schema or (lambda name: None)
    for template, methods in routes:
        item = paths.setdefault(template, {})
        params = [parameter(name, 'path', path_param_schema(name))
                  for name in path_params(template)]
        if params:
            item['parameters'] = params
        for method, handler in methods.items():
            op = {'operationId': operation_id(handler, method, used),
                  'tags': [_tag(template)]}
            summary = handler_summary(handler)
            if summary:
                op['summary'] = summary
            extra = describe(template, method, handler)
            params = extra.pop('parameters', [])
            if params:
                op['parameters'] = params
            op.update(extra)
            item[method.lower()] = op
    return paths


def _tag(template):
    parts = [p for p in template.split('/') if p and not p.startswith('{')
             and not re.match(r'^v\d', p)]
    return parts[0] if parts else 'versions'


def document(title, version, description, servers, paths, schemas,
             security=True):
    doc = {
        'openapi': OPENAPI_VERSION,
        'info': {'title': title, 'version': version,
                 'description': description},
        'jsonSchemaDialect': 'https://json-schema.org/draft/2020-12/schema',
        'servers': servers,
        'paths': paths,
        'components': {'schemas': schemas},
    }
    if security:
        doc['components']['securitySchemes'] = copy.deepcopy(
            SECURITY_SCHEMES)
        doc['security'] = [{TOKEN_SCHEME: []}]
    return doc


def operations(doc):
    """[(path, METHOD)] of every operation in ``doc``."""
    found = []
    for path, item in doc['paths'].items():
        for method in item:
            if method in ('get', 'put', 'post', 'delete', 'patch', 'head',
                          'options', 'trace'):
                found.append((path, method.upper()))
    return found


def request_schemas(doc):
    """{(path, METHOD, media type): schema} of every request body."""
    found = {}
    for path, method in operations(doc):
        body = doc['paths'][path][method.lower()].get('requestBody')
        for media, content in ((body or {}).get('content') or {}).items():
            found[(path, method, media)] = content['schema']
    return found
