"""CRUD of users, projects, roles, regions, services and endpoints (admins),
read-only domains, and a user's own password and projects."""

import nube.conf
from nube.identity import common
from nube.identity import errors
from nube.identity import schemas
from nube.identity import views

CONF = nube.conf.CONF

_USER_COLUMNS = ('name', 'domain_id', 'enabled', 'password',
                 'default_project_id', 'description')
_IGNORED = ('id', 'links', 'options', 'password_expires_at', 'tags',
            'is_domain', 'parent_id')


class Resource:
    """Generic handlers for one kind of entity; subclasses add the rules."""

    kind = None
    collection = None
    schemas = (None, None)       # (create, update)
    filters = ()                 # query parameters that filter lists
    bool_filters = ()

    def allowed_to_read(self, deps, caller, entity):
        return False

    def _view(self, req, entity):
        return views.VIEWS[self.kind](req, entity)

    def _one(self, req, entity, status=200):
        return common.json_response({self.kind: self._view(req, entity)},
                                    status=status)

    def _values(self, deps, req, body, creating):
        """The columns to write from a validated request body."""
        return {k: v for k, v in body[self.kind].items()
                if k not in _IGNORED}

    # -- the handlers ------------------------------------------------------

    def index(self, deps, req, caller):
        caller.require_admin('list_%ss' % self.kind)
        filters = {name: req.GET[name] for name in self.filters
                   if name in req.GET}
        for name in self.bool_filters:
            value = common.bool_filter(req, name)
            if value is not None:
                filters[name] = value
        limit = CONF.identity.list_limit
        found = deps.manager.db.get_all(self.kind, limit=limit + 1,
                                        **filters)
        return common.json_response(common.collection(
            req, self.collection, [self._view(req, e) for e in found[:limit]],
            truncated=len(found) > limit))

    def show(self, deps, req, caller, entity_id):
        entity = deps.manager.find(self.kind, entity_id=entity_id)
        if not caller.is_admin and not (
                entity and self.allowed_to_read(deps, caller, entity)):
            caller.require_admin('get_%s' % self.kind)
        if entity is None:
            raise errors.NotFound('Could not find %s: %s.'
                                  % (self.kind, entity_id))
        return self._one(req, entity)

    def create(self, deps, req, caller):
        caller.require_admin('create_%s' % self.kind)
        body = common.read_body(req, self.schemas[0])
        entity = self._create(deps, self._values(deps, req, body, True))
        return self._one(req, entity, status=201)

    def update(self, deps, req, caller, entity_id):
        caller.require_admin('update_%s' % self.kind)
        body = common.read_body(req, self.schemas[1])
        entity = self._update(deps, entity_id,
                              self._values(deps, req, body, False))
        return self._one(req, entity)

    def delete(self, deps, req, caller, entity_id):
        caller.require_admin('delete_%s' % self.kind)
        self._delete(deps, entity_id)
        return common.empty_response()

    # -- storage (overridden where changes have consequences) --------------

    def _create(self, deps, values):
        return deps.manager.create(self.kind, values)

    def _update(self, deps, entity_id, values):
        return deps.manager.update(self.kind, entity_id, values)

    def _delete(self, deps, entity_id):
        deps.manager.delete(self.kind, entity_id)


class Users(Resource):
    kind, collection = 'user', 'users'
    schemas = (schemas.user_create, schemas.user_update)
    filters = ('name', 'domain_id')
    bool_filters = ('enabled',)

    def allowed_to_read(self, deps, caller, entity):
        return entity['id'] == caller.user_id

    def _values(self, deps, req, body, creating):
        values, extra = {}, {}
        for key, value in body['user'].items():
            if key in _USER_COLUMNS:
                values[key] = value
            elif key not in _IGNORED:
                extra[key] = value
        if extra or creating:
            values['extra'] = extra
        return values

    def _update(self, deps, entity_id, values):
        if 'extra' in values:
            old = deps.manager.find('user', entity_id=entity_id)
            if old is None:
                raise errors.NotFound('Could not find user: %s.' % entity_id)
            values['extra'] = dict(old['extra'] or {}, **values['extra'])
        return deps.manager.update_user(entity_id, values)

    def _create(self, deps, values):
        return deps.manager.create_user(values)

    def _delete(self, deps, entity_id):
        deps.manager.delete_user(entity_id)

    def change_password(self, deps, req, caller, entity_id):
        """A user's own password change: the old password is the proof."""
        body = common.read_body(req, schemas.password_change)['user']
        deps.manager.change_password(entity_id, body['original_password'],
                                     body['password'])
        return common.empty_response()

    def projects(self, deps, req, caller, entity_id):
        if entity_id != caller.user_id:
            caller.require_admin('list_user_projects')
        found = [views.project(req, p)
                 for p in deps.manager.db.projects_for_user(entity_id)]
        return common.json_response(common.collection(req, 'projects',
                                                       found))


class Projects(Resource):
    kind, collection = 'project', 'projects'
    schemas = (schemas.project_create, schemas.project_update)
    filters = ('name', 'domain_id')
    bool_filters = ('enabled',)

    def allowed_to_read(self, deps, caller, entity):
        return entity['id'] == caller.project_id

    def _values(self, deps, req, body, creating):
        project = body['project']
        parent = project.get('parent_id')
        domain_id = project.get('domain_id')
        if parent is not None and parent != (domain_id or 'default'):
            raise errors.ValidationError(
                'Projects can only be created directly in a domain.')
        return super()._values(deps, req, body, creating)

    def _create(self, deps, values):
        return deps.manager.create_project(values)

    def _update(self, deps, entity_id, values):
        return deps.manager.update_project(entity_id, values)

    def _delete(self, deps, entity_id):
        deps.manager.delete_project(entity_id)


class Roles(Resource):
    kind, collection = 'role', 'roles'
    schemas = (schemas.role_create, schemas.role_update)
    filters = ('name',)

    def _values(self, deps, req, body, creating):
        values = super()._values(deps, req, body, creating)
        values.pop('domain_id', None)
        return values

    def _delete(self, deps, entity_id):
        deps.manager.delete_role(entity_id)


class Regions(Resource):
    kind, collection = 'region', 'regions'
    schemas = (schemas.region_create, schemas.region_update)
    filters = ('parent_region_id',)

    def _values(self, deps, req, body, creating):
        values = dict(body['region'])
        parent = values.get('parent_region_id')
        if parent is not None and deps.manager.find('region',
                                                    entity_id=parent) is None:
            raise errors.ValidationError('Region %s does not exist.'
                                         % parent)
        return values


class Services(Resource):
    kind, collection = 'service', 'services'
    schemas = (schemas.service_create, schemas.service_update)
    filters = ('type', 'name')


class Endpoints(Resource):
    kind, collection = 'endpoint', 'endpoints'
    schemas = (schemas.endpoint_create, schemas.endpoint_update)
    filters = ('interface', 'service_id', 'region_id')

    def _values(self, deps, req, body, creating):
        values = dict(body['endpoint'])
        region = values.pop('region', None)
        if 'region_id' not in values and region is not None:
            values['region_id'] = region
        if values.get('region_id') is not None and deps.manager.find(
                'region', entity_id=values['region_id']) is None:
            raise errors.ValidationError('Region %s does not exist.'
                                         % values['region_id'])
        if 'service_id' in values and deps.manager.find(
                'service', entity_id=values['service_id']) is None:
            raise errors.ValidationError('Service %s does not exist.'
                                         % values['service_id'])
        return values


class Domains(Resource):
    kind, collection = 'domain', 'domains'
    filters = ('name',)
    bool_filters = ('enabled',)

    def allowed_to_read(self, deps, caller, entity):
        return entity['id'] in (caller.user_domain_id,
                                caller.project_domain_id)


USERS = Users()
PROJECTS = Projects()
ROLES = Roles()
REGIONS = Regions()
SERVICES = Services()
ENDPOINTS = Endpoints()
DOMAINS = Domains()
