"""/servers/{id}/metadata[/{key}]: a server's metadata as Nova serves it.

As in Nova the body is validated before the server is looked up, the
server (404) before the policy, and POST answers 200 (not 201).
"""

import webob.exc

from nube.api import common
from nube.api.schemas import server_metadata as schema
from nube.api import validation
from nube import exception
from nube.policies import server_metadata as policies

_NOT_FOUND = 'Metadata item was not found'


def _authorize(req, server_id, rule):
    # The metadata call that follows finds the server (or 404s).
    common.authorize_server(req, policies.METADATA % rule, server_id)


def _metadata(req, server_id):
    return req.compute_api.get_instance_metadata(req.context, server_id)


def _update(req, server_id, metadata, delete):
    try:
        return req.compute_api.update_instance_metadata(
            req.context, server_id, metadata, delete=delete)
    except exception.OverQuota as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.message)


def index(req, server_id):
    _authorize(req, server_id, 'index')
    return common.json_response({'metadata': _metadata(req, server_id)})


def create(req, server_id):
    """POST: merge the given items into the server's metadata."""
    body = validation.validate(schema.create, common.json_body(req))
    _authorize(req, server_id, 'create')
    metadata = _update(req, server_id, body['metadata'], delete=False)
    return common.json_response({'metadata': metadata})


def update_all(req, server_id):
    """PUT: replace the whole metadata."""
    body = validation.validate(schema.update_all, common.json_body(req))
    _authorize(req, server_id, 'update_all')
    metadata = _update(req, server_id, body['metadata'], delete=True)
    return common.json_response({'metadata': metadata})


def show(req, server_id, key):
    _authorize(req, server_id, 'show')
    metadata = _metadata(req, server_id)
    if key not in metadata:
        raise webob.exc.HTTPNotFound(explanation=_NOT_FOUND)
    return common.json_response({'meta': {key: metadata[key]}})


def update(req, server_id, key):
    """PUT one item; the body names exactly that key."""
    body = validation.validate(schema.update, common.json_body(req))
    _authorize(req, server_id, 'update')
    meta_item = body['meta']
    if key not in meta_item:
        raise webob.exc.HTTPBadRequest(
            explanation='Request body and URI mismatch')
    _update(req, server_id, meta_item, delete=False)
    return common.json_response({'meta': meta_item})


def delete(req, server_id, key):
    _authorize(req, server_id, 'delete')
    if key not in _metadata(req, server_id):
        raise webob.exc.HTTPNotFound(explanation=_NOT_FOUND)
    req.compute_api.delete_instance_metadata(req.context, server_id, key)
    return common.empty_response(204)
