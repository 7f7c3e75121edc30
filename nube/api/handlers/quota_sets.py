"""/os-quota-sets/{tenant_id}: a project's (or a user's) limits, as Nova.

GET shows the effective limits (``?user_id=`` a user's within the
project), ``/detail`` adds ``in_use`` and ``reserved`` (always 0: nube
counts, it does not reserve), ``/defaults`` the limits of a project that
set none. PUT sets limits (admins; no lower than what is in use unless
``force``), DELETE drops the project's (or the user's) own limits, 202.
From 2.36 the network proxies' limits leave the bodies.
"""

import webob.exc

from nube.api import common
from nube.api.schemas import quotas as schema
from nube.api import validation
from nube.compute import quotas as quota_api
from nube.policies import quotas as policies


def _filtered(req):
    return quota_api.NETWORK_RESOURCES if req.at_least(36) else ()


def _view(req, values, tenant_id=None):
    body = {} if tenant_id is None else {'id': tenant_id}
    hidden = _filtered(req)
    for name in quota_api.RESOURCES:
        if name in values and name not in hidden:
            body[name] = values[name]
    return common.json_response({'quota_set': body})


def _authorize(req, rule, tenant_id):
    common.authorize(req, policies.QUOTA_SETS % rule,
                     {'project_id': tenant_id})


def _user_id(req):
    return req.GET.get('user_id') or None


def show(req, tenant_id):
    _authorize(req, 'show', tenant_id)
    return _view(req, quota_api.limits(req.db, tenant_id, _user_id(req)),
                 tenant_id)


def detail(req, tenant_id):
    _authorize(req, 'detail', tenant_id)
    return _view(req, quota_api.detail(req.db, tenant_id, _user_id(req)),
                 tenant_id)


def defaults(req, tenant_id):
    _authorize(req, 'defaults', tenant_id)
    return _view(req, quota_api.defaults(req.db), tenant_id)


def update(req, tenant_id):
    body = validation.validate(schema.update_set_for(req),
                               common.json_body(req))
    _authorize(req, 'update', tenant_id)
    values = dict(body['quota_set'])
    if 'networks' in values:
        raise webob.exc.HTTPBadRequest(
            explanation='The networks quota has been removed')
    force = common.body_bool(values.pop('force', None))
    try:
        limits = quota_api.update(req.db, tenant_id, values,
                                  user_id=_user_id(req), force=force)
    except quota_api.InvalidQuotaLimit as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    return _view(req, limits)


def delete(req, tenant_id):
    _authorize(req, 'delete', tenant_id)
    quota_api.delete(req.db, tenant_id, user_id=_user_id(req))
    return common.empty_response(202)
