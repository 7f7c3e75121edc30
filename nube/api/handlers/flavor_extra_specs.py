"""/flavors/{id}/os-extra_specs: anyone reads, admins write."""

import webob.exc

from nube.api import common
from nube.api.schemas import flavors as schema
from nube.api import validation
from nube import exception
from nube.policies import flavors as policies

_POLICY = policies.EXTRA_SPECS


def _specs(req, flavor_id):
    # 404 for a flavor that does not exist (or that the caller cannot see).
    req.db.flavor_get_by_flavorid(flavor_id, req.context)
    return req.db.flavor_extra_specs_get(flavor_id)


def _as_strings(specs):
    result = {}
    for key, value in specs.items():
        if isinstance(value, bool):
            value = str(value)
        elif isinstance(value, (int, float)):
            value = str(value)
            if len(value) > 255:
                raise webob.exc.HTTPBadRequest(
                    explanation='extra_specs value has more than 255 '
                                'characters.')
        result[key] = value
    return result


def index(req, flavor_id):
    common.authorize(req, _POLICY % 'index')
    return common.json_response({'extra_specs': _specs(req, flavor_id)})


def create(req, flavor_id):
    common.authorize(req, _POLICY % 'create')
    body = validation.validate(schema.extra_specs_create,
                               common.json_body(req))
    specs = _as_strings(body['extra_specs'])
    req.db.flavor_get_by_flavorid(flavor_id, req.context)
    req.db.flavor_extra_specs_update_or_create(flavor_id, specs)
    return common.json_response({'extra_specs': specs})


def show(req, flavor_id, key):
    common.authorize(req, _POLICY % 'show')
    specs = _specs(req, flavor_id)
    if key not in specs:
        raise exception.FlavorExtraSpecNotFound(flavor_id=flavor_id, key=key)
    return common.json_response({key: specs[key]})


def update(req, flavor_id, key):
    common.authorize(req, _POLICY % 'update')
    body = validation.validate(schema.extra_spec_update,
                               common.json_body(req))
    if key not in body:
        raise webob.exc.HTTPBadRequest(
            explanation='Request body and URI mismatch')
    specs = _as_strings(body)
    req.db.flavor_get_by_flavorid(flavor_id, req.context)
    req.db.flavor_extra_specs_update_or_create(flavor_id, specs)
    return common.json_response(specs)


def delete(req, flavor_id, key):
    common.authorize(req, _POLICY % 'delete')
    req.db.flavor_get_by_flavorid(flavor_id, req.context)
    req.db.flavor_extra_specs_delete(flavor_id, key)
    return common.empty_response(200)
