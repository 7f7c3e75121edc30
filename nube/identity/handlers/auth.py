"""/v3/auth: issue, validate, check and revoke tokens; what a token may
be scoped to; the catalog."""

from oslo_log import log as logging

from nube.identity import common
from nube.identity import errors
from nube.identity import schemas
from nube.identity import views

LOG = logging.getLogger(__name__)

METHODS = ('password', 'token')
SUBJECT_HEADER = 'X-Subject-Token'


def _password_user(deps, data):
    """The user the password method names, if the password is theirs."""
    if data is None:
        raise errors.ValidationError(
            "Invalid input for field 'identity': 'password' is a required "
            "property")
    ref = data['user']
    user = None
    if 'id' in ref:
        user = deps.manager.find('user', entity_id=ref['id'])
    else:
        domain = deps.manager.find_domain(
            ref['domain'].get('id'), ref['domain'].get('name'))
        if domain is not None:
            user = deps.manager.find('user', name=ref['name'],
                                     domain_id=domain['id'])
    # Checks the password (or a dummy) even when there is no such user.
    return deps.manager.check_password(user, ref['password'])


def _parent_token(deps, data):
    if data is None:
        raise errors.ValidationError(
            "Invalid input for field 'identity': 'token' is a required "
            "property")
    try:
        return deps.provider.validate(data['id'])
    except errors.NotFound:
        raise errors.Unauthorized()


def _project_in_scope(deps, user, scope):
    """(project, roles) to scope to; (None, []) for an unscoped token."""
    if scope is None:
        # Keystone's default: the user's default project, if usable.
        default = user.get('default_project_id')
        project = default and deps.manager.find('project', entity_id=default)
        roles = project and deps.manager.db.roles_for(user['id'], default)
        if not project or not project['enabled'] or not roles:
            return None, []
        return project, roles
    if scope == 'unscoped' or not scope:
        return None, []
    if 'project' not in scope:
        raise errors.Unauthorized(
            'nube-identity issues project-scoped and unscoped tokens only.')
    ref = scope['project']
    project = None
    if 'id' in ref:
        project = deps.manager.find('project', entity_id=ref['id'])
    else:
        domain = deps.manager.find_domain(ref['domain'].get('id'),
                                          ref['domain'].get('name'))
        if domain is not None:
            project = deps.manager.find('project', name=ref['name'],
                                        domain_id=domain['id'])
    if project is None or not project['enabled']:
        LOG.info('User %s asked for missing or disabled project %s',
                 user['id'], ref.get('id') or ref.get('name'))
        raise errors.Unauthorized()
    roles = deps.manager.db.roles_for(user['id'], project['id'])
    if not roles:
        raise errors.Unauthorized('User %s has no access to project %s.'
                                  % (user['id'], project['id']))
    return project, roles


def issue_token(deps, req, caller):
    auth = common.read_body(req, schemas.auth)['auth']
    identity = auth['identity']
    methods = list(dict.fromkeys(identity['methods']))
    if any(m not in METHODS for m in methods):
        raise errors.Unauthorized(
            'Attempted to authenticate with an unsupported method.')
    user = parent = None
    if 'password' in methods:
        user = _password_user(deps, identity.get('password'))
    if 'token' in methods:
        parent = _parent_token(deps, identity.get('token'))
        if user is not None and user['id'] != parent.user_id:
            raise errors.Unauthorized()
        user = parent.user
        methods = list(dict.fromkeys(parent.methods + methods))
    project, roles = _project_in_scope(deps, user, auth.get('scope'))
    token = deps.provider.issue(user, project, roles, methods,
                                parent=parent)
    LOG.info('Issued token %s to user %s (project %s)', token.audit_id,
             user['id'], project and project['id'])
    body = {'token': deps.provider.render(
        token, include_catalog='nocatalog' not in req.GET)}
    return common.json_response(body, status=201,
                                headers={SUBJECT_HEADER: token.id})


def _subject(deps, req, caller, action, allow_expired=False):
    """The token X-Subject-Token names, if the caller may see it."""
    subject_id = req.headers.get(SUBJECT_HEADER, '').strip()
    if not subject_id:
        raise errors.ValidationError('The %s header is required.'
                                     % SUBJECT_HEADER)
    privileged = caller.is_admin or caller.is_service
    token = deps.provider.validate(
        subject_id, allow_expired=allow_expired and privileged)
    if not privileged and token.user_id != caller.user_id:
        raise errors.Forbidden('identity:%s' % action)
    return token


def validate_token(deps, req, caller):
    token = _subject(deps, req, caller, 'validate_token',
                     common.bool_filter(req, 'allow_expired') or False)
    body = {'token': deps.provider.render(
        token, include_catalog='nocatalog' not in req.GET)}
    return common.json_response(body, headers={SUBJECT_HEADER: token.id})


def check_token(deps, req, caller):
    token = _subject(deps, req, caller, 'check_token',
                     common.bool_filter(req, 'allow_expired') or False)
    return common.empty_response(200, {SUBJECT_HEADER: token.id})


def revoke_token(deps, req, caller):
    token = _subject(deps, req, caller, 'revoke_token')
    deps.provider.revoke(token)
    return common.empty_response()


def catalog(deps, req, caller):
    if caller.project_id is None:
        raise errors.Forbidden(message='A project-scoped token is required '
                                       'to produce a service catalog.')
    return common.json_response(common.collection(
        req, 'catalog', deps.provider.catalog(caller.project_id)))


def projects(deps, req, caller):
    found = [views.project(req, p)
             for p in deps.manager.db.projects_for_user(caller.user_id)
             if p['enabled']]
    return common.json_response(common.collection(req, 'projects', found))


def domains(deps, req, caller):
    # Roles are only ever assigned on projects: no domain scopes.
    return common.json_response(common.collection(req, 'domains', []))
