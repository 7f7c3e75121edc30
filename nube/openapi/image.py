"""The image API's OpenAPI document, from nube.image.api.app.ROUTES.

Request bodies are the schemas in nube.image.api.schemas that the
handlers validate with (``BODIES`` says which handler uses which). Errors
are webob's JSON error pages, as Glance's: ``{"message", "code",
"title"}`` with ``code`` the status line ("404 Not Found"); the API
answers them in JSON when the request accepts application/json.
"""

from nube.image.api import app
from nube.image.api import image_data
from nube.image.api import images
from nube.image.api import members
from nube.image.api import patch
from nube.image.api import schemas
from nube.openapi import base

ERROR = 'GlanceError'
AUTH_ERROR = 'KeystoneError'


def image_create():
    """The body POST /v2/images validates against (Glance's image schema,
    as schemas.validate() uses it)."""
    return schemas._for_validation(schemas.image_schema())


def patch_body(draft):
    """Glance's JSON-patch dialects (nube.image.api.patch.parse)."""
    pointer = {'type': 'string', 'pattern': '^/'}
    if draft >= 10:
        item = {'type': 'object',
                'properties': {'op': {'enum': list(patch.OPERATIONS)},
                               'path': pointer, 'value': {}},
                'required': ['op', 'path']}
    else:
        item = {'type': 'object',
                'properties': dict({op: pointer for op in patch.OPERATIONS},
                                   value={}),
                'minProperties': 1}
    return {'type': 'array', 'items': item}


def error_schema():
    return {
        'type': 'object',
        'properties': {
            'message': {'type': 'string'},
            'code': {'type': 'string', 'pattern': '^[1-5][0-9][0-9] '},
            'title': {'type': 'string'},
        },
        'required': ['message', 'code', 'title'],
    }


# handler -> requestBody object.
def _bodies():
    return {
        images.create: base.json_body(image_create()),
        images.update: {'required': True, 'content': {
            media: {'schema': base.convert_schema(patch_body(draft))}
            for media, draft in sorted(patch.MEDIA_TYPES.items())}},
        image_data.upload: base.binary_body(),
        image_data.stage: base.binary_body(),
        image_data.import_image: base.json_body(schemas.IMPORT),
        members.create: base.json_body(schemas.MEMBER_CREATE),
        members.update: base.json_body(schemas.MEMBER_UPDATE),
    }


_BOOL = {'type': 'string', 'enum': ['true', 'false']}
QUERIES = {
    images.index: {
        'limit': {'type': 'integer', 'minimum': 0},
        'marker': None, 'name': None, 'owner': None, 'status': None,
        'visibility': {'type': 'string',
                       'enum': list(images.LIST_VISIBILITIES)},
        'member_status': {'type': 'string',
                          'enum': list(images.MEMBER_STATUSES)},
        'tag': None, 'sort': None, 'sort_key': None,
        'sort_dir': {'type': 'string', 'enum': ['asc', 'desc']},
        'os_hidden': _BOOL, 'protected': _BOOL,
        'container_format': None, 'disk_format': None, 'id': None,
    },
}


def build(routes=None):
    """The image API's OpenAPI 3.1 document."""
    routes = app.ROUTES if routes is None else routes
    bodies = _bodies()
    errors = base.error_responses(ERROR, AUTH_ERROR)
    def describe(template, method, handler):
        op = {'parameters': [],
              'responses': dict({'2XX': {'description': 'Success.'}},
                                **errors)}
        for name, schema in QUERIES.get(handler, {}).items():
            op['parameters'].append(base.parameter(name, 'query', schema))
        if handler in bodies:
            op['requestBody'] = bodies[handler]
        return op

    return base.document(
        'nube image API', app.VERSIONS[0][0],
        'Glance v2 as nube serves it. Errors are JSON when the request '
        'accepts application/json (webob\'s error pages otherwise). '
        'Generated from nube.image.api.app.ROUTES and '
        'nube.image.api.schemas.',
        [{'url': '/'}], base.build_paths(routes, describe),
        {ERROR: error_schema(), AUTH_ERROR: base.KEYSTONE_ERROR})
