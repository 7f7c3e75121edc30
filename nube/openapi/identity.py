"""The identity API's OpenAPI document, from nube.identity.app.ROUTES.

The CRUD handlers are bound methods of resources that name their own
(create, update) schemas, so those come from the table itself; the rest
are in ``BODIES``. Routes in ``app.PUBLIC`` need no token.
"""

from nube.identity import app
from nube.identity.handlers import assignments
from nube.identity.handlers import auth
from nube.identity.handlers import resources
from nube.identity import schemas
from nube.openapi import base

ERROR = 'KeystoneError'

BODIES = {
    auth.issue_token: schemas.auth,
    resources.USERS.change_password: schemas.password_change,
}

_SUBJECT = base.parameter(auth.SUBJECT_HEADER, 'header', required=True,
                          description='The token to validate, check or '
                                      'revoke.')
HEADERS = {
    auth.validate_token: [_SUBJECT],
    auth.check_token: [_SUBJECT],
    auth.revoke_token: [_SUBJECT],
}

QUERIES = {
    auth.issue_token: ('nocatalog',),
    auth.validate_token: ('nocatalog',),
    assignments.list_assignments: ('user.id', 'scope.project.id', 'role.id',
                                   'group.id', 'scope.domain.id',
                                   'scope.system', 'include_names'),
}


def resource_body(handler):
    """The schema a Resource's create/update handler validates with."""
    owner = getattr(handler, '__self__', None)
    if not isinstance(owner, resources.Resource):
        return None
    name = getattr(handler, '__name__', None)
    if name == 'create':
        return owner.schemas[0]
    if name == 'update':
        return owner.schemas[1]
    return None


def body_schema(handler):
    return BODIES.get(handler) or resource_body(handler)


def _queries(handler):
    owner = getattr(handler, '__self__', None)
    if isinstance(owner, resources.Resource) and \
            getattr(handler, '__name__', None) == 'index':
        return [base.parameter(name, 'query') for name in owner.filters] + \
            [base.parameter(name, 'query') for name in owner.bool_filters]
    return [base.parameter(name, 'query')
            for name in QUERIES.get(handler, ())]


def build(routes=None, public=None):
    """The identity API's OpenAPI 3.1 document."""
    routes = app.ROUTES if routes is None else routes
    public = app.PUBLIC if public is None else public
    errors = base.error_responses(ERROR)

    def describe(template, method, handler):
        op = {'parameters': list(HEADERS.get(handler, [])) +
              _queries(handler),
              'responses': dict({'2XX': {'description': 'Success.'}},
                                **errors)}
        schema = body_schema(handler)
        if schema is not None:
            op['requestBody'] = base.json_body(schema)
        if (template, method) in public:
            op['security'] = []
        if method == 'HEAD':
            op['responses'] = {'2XX': {'description': 'Success.'},
                               '4XX': {'description': 'An error (HEAD: '
                                                      'no body).'}}
        return op

    return base.document(
        'nube identity API', '3.14',
        'The Keystone v3 subset nube-identity serves. Generated from '
        'nube.identity.app.ROUTES and nube.identity.schemas.',
        [{'url': '/'}], base.build_paths(routes, describe),
        {ERROR: base.KEYSTONE_ERROR})
