"""/os-quota-class-sets/{id}: the limits of a quota class, as Nova.

Only the ``default`` class means something (its limits are every
project's defaults); Nova stores and shows any other name as well. Up to
2.49 Nova's bodies carry the network proxies' limits and not the server
group ones.
"""

import webob.exc

from nube.api import common
from nube.api.schemas import quotas as schema
from nube.api import validation
from nube.compute import quotas as quota_api
from nube.policies import quotas as policies

MAX_CLASS_NAME = 255


def _view(values, class_name=None):
    body = {} if class_name is None else {'id': class_name}
    for name in quota_api.RESOURCES:
        if name in values and name not in quota_api.GROUP_RESOURCES:
            body[name] = values[name]
    return common.json_response({'quota_class_set': body})


def _authorize(req, rule, class_name):
    common.authorize(req, policies.QUOTA_CLASS_SETS % rule,
                     {'quota_class': class_name})


def show(req, id):
    _authorize(req, 'show', id)
    return _view(quota_api.class_limits(req.db, id), id)


def update(req, id):
    body = validation.validate(schema.update_class_for(req),
                               common.json_body(req))
    _authorize(req, 'update', id)
    if len(id) > MAX_CLASS_NAME:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid input received: quota_class_name has more '
                        'than %d characters.' % MAX_CLASS_NAME)
    values = {k: v for k, v in body['quota_class_set'].items()
              if k in quota_api.RESOURCES}
    return _view(quota_api.update_class(req.db, id, values))
