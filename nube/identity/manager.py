"""Identity data with its rules: password hashing, revocation on changes,
and the small in-memory caches token validation reads from.

Validation needs the user, the project, the user's roles on it and the
catalog. They are cached per key for [identity] cache_time seconds; every
write through this process clears the caches at once, and writes that
take access away also record a revocation event (see revoke.py), which
every identity process applies within [identity]
revocation_refresh_interval and the compute and image APIs as soon as it
reaches them over the bus (revoke_notifier.py, nube/api/revocation.py).
"""

from oslo_log import log as logging

from nube import exception
from nube import utils
import nube.conf
from nube.identity import errors
from nube.identity import password as passwords

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

DEFAULT_DOMAIN_ID = 'default'
_MAX_CACHED = 10000


class TTLCache:
    """Values per key for cache_time seconds (on the manager's clock)."""

    def __init__(self, now):
        self.now = now
        self._data = {}

    def get(self, key, loader):
        now = self.now()
        entry = self._data.get(key)
        if entry is not None and \
                (now - entry[0]).total_seconds() < CONF.identity.cache_time:
            return entry[1]
        value = loader()
        if len(self._data) >= _MAX_CACHED:
            self._data = {}
        self._data[key] = (now, value)
        return value

    def clear(self):
        self._data = {}


class Manager:

    def __init__(self, db, revocations, now=utils.utcnow):
        self.db = db
        self.revocations = revocations
        self.now = now
        self._cache = TTLCache(now)

    def changed(self):
        """Forget cached entities: call after every write."""
        self._cache.clear()

    # -- cached reads (token validation) -----------------------------------

    def _cached_get(self, kind, entity_id):
        def load():
            try:
                return self.db.get(kind, entity_id)
            except exception.NotFound:
                return None
        if entity_id is None:
            return None
        return self._cache.get((kind, entity_id), load)

    def user(self, user_id):
        return self._cached_get('user', user_id)

    def project(self, project_id):
        return self._cached_get('project', project_id)

    def domain(self, domain_id):
        return self._cached_get('domain', domain_id)

    def roles_for(self, user_id, project_id):
        return self._cache.get(('roles', user_id, project_id),
                               lambda: self.db.roles_for(user_id,
                                                         project_id))

    def catalog(self):
        return self._cache.get(('catalog',), self.db.catalog)

    # -- lookups by name ---------------------------------------------------

    def find_domain(self, domain_id=None, name=None):
        try:
            if domain_id is not None:
                return self.db.get('domain', domain_id)
            return self.db.get_by_name('domain', name)
        except exception.NotFound:
            return None

    def find(self, kind, entity_id=None, name=None, domain_id=None):
        """An entity by id, or by name (within a domain); None if none."""
        try:
            if entity_id is not None:
                return self.db.get(kind, entity_id)
            return self.db.get_by_name(kind, name, domain_id)
        except exception.NotFound:
            return None

    # -- authentication ----------------------------------------------------

    def check_password(self, user, password):
        """The user when ``password`` is theirs and they are enabled.

        Unknown users cost one hash too, and every failure raises the same
        Unauthorized, so answers tell nothing about which part was wrong.
        """
        stored = user.get('password_hash') if user else None
        ok = passwords.check_password(password, stored)
        if not ok or not user or not user['enabled']:
            if user and ok:
                LOG.info('Authentication refused: user %s is disabled',
                         user['id'])
            else:
                LOG.info('Authentication failed for user %s',
                         user['id'] if user else '(unknown)')
            raise errors.Unauthorized()
        return user

    # -- users -------------------------------------------------------------

    def _require_domain(self, domain_id):
        if self.find_domain(domain_id) is None:
            raise errors.ValidationError(
                'Domain %s does not exist.' % domain_id)

    def _require_project(self, project_id):
        if project_id is not None and \
                self.find('project', project_id) is None:
            raise errors.ValidationError(
                'Project %s does not exist.' % project_id)

    def create_user(self, values):
        values = dict(values)
        values.setdefault('domain_id', DEFAULT_DOMAIN_ID)
        self._require_domain(values['domain_id'])
        self._require_project(values.get('default_project_id'))
        password = values.pop('password', None)
        if password is not None:
            values['password_hash'] = passwords.hash_password(password)
            values['password_created_at'] = self.now()
        user = self.db.create('user', values)
        self.changed()
        return user

    def update_user(self, user_id, values):
        values = dict(values)
        old = self.db.get('user', user_id)
        if 'domain_id' in values and values['domain_id'] != old['domain_id']:
            raise errors.ValidationError('A user cannot change domain.')
        self._require_project(values.get('default_project_id'))
        password_changed = 'password' in values
        if password_changed:
            password = values.pop('password')
            values['password_hash'] = None if password is None \
                else passwords.hash_password(password)
            values['password_created_at'] = self.now()
        user = self.db.update('user', user_id, values)
        self.changed()
        if password_changed or (old['enabled'] and not user['enabled']):
            self.revocations.revoke(user_id=user_id)
        return user

    def change_password(self, user_id, original, new):
        self.check_password(self.find('user', entity_id=user_id), original)
        return self.update_user(user_id, {'password': new})

    def delete_user(self, user_id):
        self.db.delete('user', user_id)
        self.changed()
        self.revocations.revoke(user_id=user_id)

    # -- projects ----------------------------------------------------------

    def create_project(self, values):
        values = dict(values)
        values.setdefault('domain_id', DEFAULT_DOMAIN_ID)
        self._require_domain(values['domain_id'])
        project = self.db.create('project', values)
        self.changed()
        return project

    def update_project(self, project_id, values):
        old = self.db.get('project', project_id)
        if 'domain_id' in values and values['domain_id'] != old['domain_id']:
            raise errors.ValidationError('A project cannot change domain.')
        project = self.db.update('project', project_id, values)
        self.changed()
        if old['enabled'] and not project['enabled']:
            self.revocations.revoke(project_id=project_id)
        return project

    def delete_project(self, project_id):
        self.db.delete('project', project_id)
        self.changed()
        self.revocations.revoke(project_id=project_id)

    # -- roles and assignments ---------------------------------------------

    def delete_role(self, role_id):
        holders = self.db.assignment_list(role_id=role_id)
        self.db.delete('role', role_id)
        self.changed()
        for pair in sorted({(a['user_id'], a['project_id'])
                            for a in holders}):
            self.revocations.revoke(user_id=pair[0], project_id=pair[1])

    def grant(self, user_id, project_id, role_id):
        created = self.db.assignment_add(user_id, project_id, role_id)
        self.changed()
        return created

    def ungrant(self, user_id, project_id, role_id):
        self.db.assignment_remove(user_id, project_id, role_id)
        self.changed()
        self.revocations.revoke(user_id=user_id, project_id=project_id)

    # -- everything else: plain writes -------------------------------------

    def create(self, kind, values):
        entity = self.db.create(kind, values)
        self.changed()
        return entity

    def update(self, kind, entity_id, values):
        entity = self.db.update(kind, entity_id, values)
        self.changed()
        return entity

    def delete(self, kind, entity_id):
        self.db.delete(kind, entity_id)
        self.changed()
