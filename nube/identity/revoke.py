"""Token revocation events, held in memory so validation needs no query.

An event revokes every token that matches all of its non-null fields and
was issued at or before ``issued_before``:

  audit_id            one token (DELETE /v3/auth/tokens)
  user_id             every token of a user (disabled, deleted, password)
  user_id+project_id  a user's tokens on a project (role unassigned)
  project_id          every token on a project (project disabled/deleted)

Events are written to the identity DB; each process reloads them every
[identity] revocation_refresh_interval seconds, and applies its own at once.
Events older than any token that could still be accepted are pruned.
"""

import datetime
import threading

from oslo_log import log as logging

import nube.conf
from nube import utils

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)


def _lifetime():
    """How long after its issue a token can still be presented."""
    return datetime.timedelta(seconds=CONF.identity.token_expiration
                              + CONF.identity.allow_expired_window)


class RevocationCache:

    def __init__(self, db, now=utils.utcnow):
        self.db = db
        self.now = now
        self._lock = threading.Lock()
        self._loaded_at = None
        self._index = {}

    @staticmethod
    def _key(event):
        return (event.get('audit_id'), event.get('user_id'),
                event.get('project_id'))

    def _merge(self, index, event):
        key = self._key(event)
        if key not in index or index[key] < event['issued_before']:
            index[key] = event['issued_before']

    def refresh(self, force=False):
        now = self.now()
        interval = CONF.identity.revocation_refresh_interval
        if (not force and self._loaded_at is not None
                and (now - self._loaded_at).total_seconds() < interval):
            return
        with self._lock:
            if (not force and self._loaded_at is not None and
                    (now - self._loaded_at).total_seconds() < interval):
                return
            index = {}
            for event in self.db.revocation_list(
                    issued_after=now - _lifetime()):
                self._merge(index, event)
            self._index = index
            self._loaded_at = now
        LOG.debug('Loaded %d revocation events', len(index))

    def revoke(self, audit_id=None, user_id=None, project_id=None,
               issued_before=None):
        """Record an event (DB and this process's view)."""
        event = {'audit_id': audit_id, 'user_id': user_id,
                 'project_id': project_id,
                 'issued_before': issued_before or self.now()}
        self.db.revocation_add(**event)
        with self._lock:
            index = dict(self._index)
            self._merge(index, event)
            self._index = index
        try:
            self.db.revocation_prune(self.now() - _lifetime())
        except Exception:   # pruning is housekeeping; never fail a revoke
            LOG.exception('Could not prune revocation events')
        LOG.info('Revoked tokens: audit_id=%s user_id=%s project_id=%s '
                 'issued before %s', audit_id, user_id, project_id,
                 event['issued_before'])

    def is_revoked(self, audit_id, user_id, project_id, issued_at):
        self.refresh()
        index = self._index
        keys = [(audit_id, None, None), (None, user_id, None)]
        if project_id is not None:
            keys += [(None, user_id, project_id), (None, None, project_id)]
        for key in keys:
            issued_before = index.get(key)
            if issued_before is not None and issued_at <= issued_before:
                return True
        return False
