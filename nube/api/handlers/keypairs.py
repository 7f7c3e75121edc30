"""/os-keypairs: a user's key pairs, per microversion as in Nova.

2.1: create answers 200 and delete 202, no ``type``. 2.2: ``type`` (ssh or
x509) in bodies, create 201, delete 204. 2.10: admins name another user
with ``user_id`` (body on create, query elsewhere). 2.35: list pages with
``limit``/``marker`` (a key pair name) and ``keypairs_links``.
"""

import webob.exc

from nube.api import common
from nube.api.schemas import keypairs as schema
from nube.api import validation
from nube.compute import keypairs as keypair_api
from nube import exception
from nube.policies import keypairs as policies

_INDEX_FIELDS = ('name', 'public_key', 'fingerprint')
_CREATE_FIELDS = _INDEX_FIELDS + ('user_id',)
_SHOW_FIELDS = _CREATE_FIELDS + ('created_at', 'deleted', 'deleted_at',
                                 'id', 'updated_at')


def _api(req):
    return keypair_api.KeypairAPI(req.db)


def _time(value):
    """Nova serializes a keypair's datetimes without a zone."""
    if value is None or isinstance(value, str):
        return value
    return value.strftime('%Y-%m-%dT%H:%M:%S.%f')


def _view(req, keypair, fields):
    body = {}
    for field in fields:
        value = keypair.get(field)
        if field in ('created_at', 'updated_at', 'deleted_at'):
            value = _time(value)
        body[field] = value
    if req.at_least(2):
        body['type'] = keypair.get('type')
    return body


def _user_id(req, from_body=None):
    """The user whose key pairs are meant (``user_id`` from 2.10)."""
    user_id = None
    if req.at_least(10):
        user_id = from_body if from_body is not None else \
            req.GET.get('user_id')
    return user_id or req.context.user_id


def _authorize(req, rule, user_id):
    common.authorize(req, policies.KEYPAIRS % rule, {'user_id': user_id})


def index(req):
    user_id = _user_id(req)
    _authorize(req, 'index', user_id)
    limit = marker = None
    if req.at_least(35):
        limit, marker = common.limit_and_marker(req)
    try:
        keypairs = _api(req).get_key_pairs(user_id, limit=limit,
                                           marker=marker)
    except exception.MarkerNotFound as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    body = {'keypairs': [{'keypair': _view(req, k, _INDEX_FIELDS)}
                         for k in keypairs]}
    if req.at_least(35):
        links = common.collection_links(req, keypairs, 'os-keypairs',
                                        'name', limit)
        if links:
            body['keypairs_links'] = links
    return common.json_response(body)


def show(req, keypair_name):
    user_id = _user_id(req)
    _authorize(req, 'show', user_id)
    keypair = _api(req).get_key_pair(user_id, keypair_name)
    return common.json_response(
        {'keypair': _view(req, keypair, _SHOW_FIELDS)})


def create(req):
    body = validation.validate(schema.create_for(req), common.json_body(req))
    params = body['keypair']
    user_id = _user_id(req, params.get('user_id'))
    _authorize(req, 'create', user_id)
    name = params['name'].strip()
    key_type = params.get('type', keypair_api.TYPE_SSH)
    api = _api(req)
    if 'public_key' in params:
        keypair = api.import_key_pair(user_id, name, params['public_key'],
                                      key_type,
                                      project_id=req.context.project_id)
        private_key = None
    else:
        keypair, private_key = api.create_key_pair(
            user_id, name, key_type, project_id=req.context.project_id)
    view = _view(req, keypair, _CREATE_FIELDS)
    if private_key is not None:
        view['private_key'] = private_key
    return common.json_response({'keypair': view},
                                status=201 if req.at_least(2) else 200)


def delete(req, keypair_name):
    user_id = _user_id(req)
    _authorize(req, 'delete', user_id)
    _api(req).delete_key_pair(user_id, keypair_name)
    return common.empty_response(204 if req.at_least(2) else 202)
