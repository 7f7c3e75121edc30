"""Identity database API: plain dicts in and out, Keystone's messages on
NotFound and Conflict so the service can pass them straight to clients."""

import uuid

import sqlalchemy as sa

from nube import exception
from nube import utils
import nube.conf
from nube.db import base
from nube.db.identity import models

CONF = nube.conf.CONF

# Entity name -> model; the names double as the words in error messages.
_MODELS = {
    'domain': models.Domain,
    'project': models.Project,
    'user': models.User,
    'role': models.Role,
    'region': models.Region,
    'service': models.Service,
    'endpoint': models.Endpoint,
}
_JSON_FIELDS = ('extra',)


def new_id():
    return uuid.uuid4().hex


def _now():
    return utils.utcnow()


def _not_found(kind, entity_id):
    return exception.NotFound('Could not find %s: %s.' % (kind, entity_id))


def _duplicate(kind, detail):
    return exception.Conflict('Conflict occurred attempting to store %s - '
                              'Duplicate entry found with %s.'
                              % (kind, detail))


def _dict(row):
    values = base.row_to_dict(row, json_fields=_JSON_FIELDS)
    if 'extra' in values and not values['extra']:
        values['extra'] = {}
    return values


class IdentityDatabase(base.Database):
    """Queries on the identity database."""

    # -- generic CRUD ------------------------------------------------------

    def _row(self, session, kind, entity_id):
        row = session.get(_MODELS[kind], entity_id)
        if row is None:
            raise _not_found(kind, entity_id)
        return row

    def get(self, kind, entity_id):
        with self.session() as session:
            return _dict(self._row(session, kind, entity_id))

    def get_all(self, kind, limit=None, **filters):
        """Rows whose columns equal every non-None filter, oldest first."""
        model = _MODELS[kind]
        query = sa.select(model)
        for key, value in filters.items():
            if value is not None:
                query = query.where(getattr(model, key) == value)
        order = [model.created_at] if hasattr(model, 'created_at') else []
        query = query.order_by(*order, model.id)
        if limit:
            query = query.limit(limit)
        with self.session() as session:
            return [_dict(row) for row in session.scalars(query)]

    def create(self, kind, values):
        values = dict(values)
        values.setdefault('id', new_id())
        values['created_at'] = values['updated_at'] = _now()
        if 'extra' in values:
            values['extra'] = utils.dumps(values['extra'] or {})
        model = _MODELS[kind]
        with self.session() as session:
            self._check_unique(session, kind, values)
            row = model(**values)
            session.add(row)
            try:
                session.flush()
            except sa.exc.IntegrityError:
                raise _duplicate(kind, 'id %s' % values['id'])
            return _dict(row)

    def update(self, kind, entity_id, values):
        values = dict(values)
        if 'extra' in values:
            values['extra'] = utils.dumps(values['extra'] or {})
        with self.session() as session:
            row = self._row(session, kind, entity_id)
            merged = _dict(row)
            merged.update(values)
            self._check_unique(session, kind, merged, exclude=entity_id)
            for key, value in values.items():
                setattr(row, key, value)
            if hasattr(row, 'updated_at'):
                row.updated_at = _now()
            try:
                session.flush()
            except sa.exc.IntegrityError:
                raise _duplicate(kind, 'id %s' % entity_id)
            return _dict(row)

    def delete(self, kind, entity_id):
        with self.session() as session:
            row = self._row(session, kind, entity_id)
            if kind == 'region':
                used = session.execute(sa.select(models.Endpoint.id).where(
                    models.Endpoint.region_id == entity_id)).first()
                if used:
                    raise exception.Conflict(
                        'Region %s still has endpoints.' % entity_id)
            if kind == 'domain':
                raise exception.Forbidden('Domains cannot be deleted here.')
            session.delete(row)

    def _check_unique(self, session, kind, values, exclude=None):
        model = _MODELS[kind]
        if kind in ('project', 'user'):
            query = sa.select(model.id).where(
                model.name == values['name'],
                model.domain_id == values['domain_id'])
            detail = 'name %s at domain ID %s' % (values['name'],
                                                   values['domain_id'])
        elif kind in ('role', 'domain'):
            query = sa.select(model.id).where(model.name == values['name'])
            detail = 'name %s' % values['name']
        else:
            return
        if exclude is not None:
            query = query.where(model.id != exclude)
        if session.execute(query).first():
            raise _duplicate(kind, detail)

    def get_by_name(self, kind, name, domain_id=None):
        model = _MODELS[kind]
        query = sa.select(model).where(model.name == name)
        if domain_id is not None:
            query = query.where(model.domain_id == domain_id)
        with self.session() as session:
            row = session.scalars(query).first()
            if row is None:
                raise _not_found(kind, name)
            return _dict(row)

    # -- role assignments --------------------------------------------------

    def assignment_add(self, user_id, project_id, role_id):
        """Grant; False when the user already had the role there."""
        with self.session() as session:
            for kind, entity_id in (('user', user_id),
                                    ('project', project_id),
                                    ('role', role_id)):
                self._row(session, kind, entity_id)
            key = (user_id, project_id, role_id)
            if session.get(models.Assignment, key) is not None:
                return False
            session.add(models.Assignment(user_id=user_id,
                                          project_id=project_id,
                                          role_id=role_id))
            try:
                session.flush()
            except sa.exc.IntegrityError:
                return False
            return True

    def assignment_remove(self, user_id, project_id, role_id):
        with self.session() as session:
            row = session.get(models.Assignment,
                              (user_id, project_id, role_id))
            if row is None:
                raise exception.NotFound(
                    'Could not find role assignment with role: %s, user: '
                    '%s, project: %s.' % (role_id, user_id, project_id))
            session.delete(row)

    def assignment_list(self, user_id=None, project_id=None, role_id=None):
        query = sa.select(models.Assignment)
        if user_id is not None:
            query = query.where(models.Assignment.user_id == user_id)
        if project_id is not None:
            query = query.where(models.Assignment.project_id == project_id)
        if role_id is not None:
            query = query.where(models.Assignment.role_id == role_id)
        query = query.order_by(models.Assignment.user_id,
                               models.Assignment.project_id,
                               models.Assignment.role_id)
        with self.session() as session:
            return [{'user_id': a.user_id, 'project_id': a.project_id,
                     'role_id': a.role_id} for a in session.scalars(query)]

    def roles_for(self, user_id, project_id):
        """Roles (dicts) the user holds on the project, by name."""
        query = sa.select(models.Role).join(
            models.Assignment,
            models.Assignment.role_id == models.Role.id).where(
            models.Assignment.user_id == user_id,
            models.Assignment.project_id == project_id).order_by(
            models.Role.name)
        with self.session() as session:
            return [_dict(row) for row in session.scalars(query)]

    def projects_for_user(self, user_id):
        query = sa.select(models.Project).where(
            models.Project.id.in_(sa.select(
                models.Assignment.project_id).where(
                models.Assignment.user_id == user_id))).order_by(
            models.Project.name)
        with self.session() as session:
            return [_dict(row) for row in session.scalars(query)]

    # -- catalog -----------------------------------------------------------

    def catalog(self):
        """[(service, [endpoints])] of enabled services and endpoints."""
        with self.session() as session:
            services = session.scalars(sa.select(models.Service).where(
                models.Service.enabled.is_(True)).order_by(
                models.Service.type, models.Service.id)).all()
            endpoints = session.scalars(sa.select(models.Endpoint).where(
                models.Endpoint.enabled.is_(True)).order_by(
                models.Endpoint.region_id, models.Endpoint.interface,
                models.Endpoint.id)).all()
            by_service = {}
            for endpoint in endpoints:
                by_service.setdefault(endpoint.service_id, []).append(
                    _dict(endpoint))
            return [(_dict(s), by_service.get(s.id, [])) for s in services]

    # -- revocation events -------------------------------------------------

    def revocation_add(self, issued_before, audit_id=None, user_id=None,
                       project_id=None):
        with self.session() as session:
            session.add(models.RevocationEvent(
                audit_id=audit_id, user_id=user_id, project_id=project_id,
                issued_before=issued_before, revoked_at=_now()))

    def revocation_list(self, issued_after=None):
        """Events (raw datetimes) that may still match a live token."""
        query = sa.select(models.RevocationEvent)
        if issued_after is not None:
            query = query.where(
                models.RevocationEvent.issued_before >= issued_after)
        with self.session() as session:
            return [{'audit_id': e.audit_id, 'user_id': e.user_id,
                     'project_id': e.project_id,
                     'issued_before': e.issued_before}
                    for e in session.scalars(query.order_by(
                        models.RevocationEvent.id))]

    def revocation_prune(self, issued_before):
        """Drop events older than any token that could still be used."""
        with self.session() as session:
            result = session.execute(sa.delete(models.RevocationEvent).where(
                models.RevocationEvent.issued_before < issued_before))
            return result.rowcount


_process_database = base.ProcessDatabase(IdentityDatabase,
                                         'identity_database')
get_database = _process_database.get
reset = _process_database.reset
