"""Role assignments: a user's roles on a project, and the admin listing
``GET /v3/role_assignments``."""

from nube.identity import common
from nube.identity import errors
from nube.identity import views


def _path(req, project_id, user_id, role_id):
    return common.v3_url(req, 'projects', project_id, 'users', user_id,
                         'roles', role_id)


def grant(deps, req, caller, project_id, user_id, role_id):
    caller.require_admin('create_grant')
    deps.manager.grant(user_id, project_id, role_id)
    return common.empty_response()


def check(deps, req, caller, project_id, user_id, role_id):
    if user_id != caller.user_id:
        caller.require_admin('check_grant')
    found = deps.manager.db.assignment_list(
        user_id=user_id, project_id=project_id, role_id=role_id)
    if not found:
        raise errors.NotFound(
            'Could not find role assignment with role: %s, user: %s, '
            'project: %s.' % (role_id, user_id, project_id))
    return common.empty_response()


def revoke(deps, req, caller, project_id, user_id, role_id):
    caller.require_admin('revoke_grant')
    deps.manager.ungrant(user_id, project_id, role_id)
    return common.empty_response()


def list_roles(deps, req, caller, project_id, user_id):
    if user_id != caller.user_id:
        caller.require_admin('list_grants')
    for kind, entity_id in (('project', project_id), ('user', user_id)):
        if deps.manager.find(kind, entity_id=entity_id) is None:
            raise errors.NotFound('Could not find %s: %s.'
                                  % (kind, entity_id))
    roles = deps.manager.db.roles_for(user_id, project_id)
    return common.json_response(common.collection(
        req, 'roles', [views.role(req, r) for r in roles]))


def _named(deps, kind, entity_id, cache):
    key = (kind, entity_id)
    if key not in cache:
        cache[key] = deps.manager.find(kind, entity_id=entity_id) or {}
    return cache[key]


def _domain_ref(deps, domain_id, cache):
    domain = _named(deps, 'domain', domain_id, cache)
    return {'id': domain_id, 'name': domain.get('name')}


def _assignment(deps, req, a, include_names, cache):
    role = {'id': a['role_id']}
    user = {'id': a['user_id']}
    project = {'id': a['project_id']}
    if include_names:
        role['name'] = _named(deps, 'role', a['role_id'], cache).get('name')
        for ref, kind in ((user, 'user'), (project, 'project')):
            entity = _named(deps, kind, ref['id'], cache)
            ref['name'] = entity.get('name')
            ref['domain'] = _domain_ref(deps, entity.get('domain_id'), cache)
    return {'role': role, 'user': user, 'scope': {'project': project},
            'links': {'assignment': _path(req, a['project_id'],
                                          a['user_id'], a['role_id'])}}


def list_assignments(deps, req, caller):
    user_id = req.GET.get('user.id')
    if user_id is None or user_id != caller.user_id:
        caller.require_admin('list_role_assignments')
    found = []
    # Only users hold roles, and only on projects.
    if not any(name in req.GET for name in ('group.id', 'scope.domain.id',
                                            'scope.system')):
        found = deps.manager.db.assignment_list(
            user_id=user_id, project_id=req.GET.get('scope.project.id'),
            role_id=req.GET.get('role.id'))
    include_names = common.bool_filter(req, 'include_names') or False
    cache = {}
    return common.json_response(common.collection(
        req, 'role_assignments',
        [_assignment(deps, req, a, include_names, cache) for a in found]))
