"""/os-server-groups: groups of servers placed together or apart.

Bodies as Nova's up to 2.63: ``policies`` is a one-item list, ``id`` the
group's uuid, ``metadata`` always {}, ``members`` the servers' uuids;
2.13 adds ``project_id`` and ``user_id``. Create answers 200, delete 204.
Show and delete check the policy against the group's own project, so
another project's group is a 403 (an unknown one a 404).
"""

from nube.api import common
from nube.api.schemas import server_groups as schema
from nube.api import validation
from nube.compute import server_groups as group_api
from nube.policies import server_groups as policies


def _api(req):
    return group_api.ServerGroupAPI(req.db)


def _view(req, group):
    body = {'id': group['uuid'], 'name': group['name'],
            'policies': [group['policy']], 'metadata': {},
            'members': list(group.get('members') or [])}
    if req.at_least(13):
        body['project_id'] = group['project_id']
        body['user_id'] = group['user_id']
    return body


def _authorize(req, rule, group=None):
    target = None
    if group is not None:
        target = {'project_id': group['project_id'],
                  'user_id': group['user_id']}
    common.authorize(req, policies.SERVER_GROUPS % rule, target)


def _limit_offset(req):
    """Nova's ``limit`` (capped at osapi_max_limit) and ``offset``."""
    limit, _marker = common.limit_and_marker(req)
    offset = 0
    if 'offset' in req.GET:
        offset = common.query_int('offset', req.GET['offset'], minimum=0)
    return limit, offset


def index(req):
    _authorize(req, 'index')
    limit, offset = _limit_offset(req)
    groups = _api(req).list(req.context,
                            all_projects='all_projects' in req.GET,
                            limit=limit, offset=offset)
    return common.json_response(
        {'server_groups': [_view(req, g) for g in groups]})


def show(req, server_group_id):
    group = _api(req).get(req.context, server_group_id)
    _authorize(req, 'show', group)
    return common.json_response({'server_group': _view(req, group)})


def create(req):
    body = validation.validate(schema.create_for(req), common.json_body(req))
    _authorize(req, 'create')
    params = body['server_group']
    group = _api(req).create(req.context, params['name'],
                             params['policies'][0])
    return common.json_response({'server_group': _view(req, group)})


def delete(req, server_group_id):
    api = _api(req)
    group = api.get(req.context, server_group_id)
    _authorize(req, 'delete', group)
    api.delete(req.context, server_group_id)
    return common.empty_response(204)
