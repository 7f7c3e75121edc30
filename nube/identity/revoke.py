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

Every event is also published on the message bus (revoke_notifier.py) to
the compute and image APIs, which hold keystonemiddleware's cached
validations: they keep the same index (``merge``, ``matches``) of what
they received (nube/api/revocation.py).
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


# -- the index: {(audit_id, user_id, project_id): latest issued_before} ---

def event_key(event):
    """The index key of an event; None when it names nothing."""
    key = (event.get('audit_id'), event.get('user_id'),
           event.get('project_id'))
    return None if key == (None, None, None) else key


def merge(index, event):
    """Add ``event`` to ``index`` (a dict); True if that changed it."""
    key = event_key(event)
    issued_before = event['issued_before']
    if key is None:
        return False
    known = index.get(key)
    if known is not None and known >= issued_before:
        return False
    index[key] = issued_before
    return True


def token_keys(audit_id, user_id, project_id):
    """The (at most four) keys an event revoking this token can have."""
    keys = [(audit_id, None, None), (None, user_id, None)]
    if project_id is not None:
        keys += [(None, user_id, project_id), (None, None, project_id)]
    return keys


def matches(index, audit_id, user_id, project_id, issued_at):
    """Whether an event in ``index`` revokes this token: dict lookups.

    ``issued_at`` is a datetime, or a function returning one (called only
    when some event names the token, so callers parse no time otherwise).
    """
    issued = issued_at
    for key in token_keys(audit_id, user_id, project_id):
        issued_before = index.get(key)
        if issued_before is None:
            continue
        if callable(issued):
            issued = issued()
        if issued <= issued_before:
            return True
    return False


# -- events on the wire (the bus, GET /v3/OS-REVOKE/events) ---------------

_FIELDS = ('audit_id', 'user_id', 'project_id')


def to_wire(event):
    """Keystone's OS-REVOKE shape: the fields set, times as text."""
    wire = {name: event[name] for name in _FIELDS if event.get(name)}
    wire['issued_before'] = event['issued_before'].strftime(
        '%Y-%m-%dT%H:%M:%S.%fZ')
    return wire


def parse_time(text):
    """A naive UTC datetime from Keystone's ISO 8601 (Z or +00:00)."""
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def from_wire(wire):
    """An event from to_wire's shape; ValueError/KeyError if malformed.

    Fields beyond ours (a real Keystone's role_id, domain_id, ...) are
    ignored, which revokes more tokens, never fewer.
    """
    event = {name: wire.get(name) or None for name in _FIELDS}
    event['issued_before'] = parse_time(wire['issued_before'])
    return event


class RevocationCache:

    def __init__(self, db, now=utils.utcnow, publisher=None):
        self.db = db
        self.now = now
        self._lock = threading.Lock()
        self._loaded_at = None
        self._index = {}
        if publisher is None:
            from nube.identity import revoke_notifier
            publisher = revoke_notifier.get_publisher()
        self.publisher = publisher

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
                merge(index, event)
            self._index = index
            self._loaded_at = now
        LOG.debug('Loaded %d revocation events', len(index))

    def events(self):
        """Every event that may still match a live token, from the DB
        (GET /v3/OS-REVOKE/events)."""
        return self.db.revocation_list(issued_after=self.now() - _lifetime())

    def revoke(self, audit_id=None, user_id=None, project_id=None,
               issued_before=None):
        """Record an event (DB and this process's view), then publish it."""
        event = {'audit_id': audit_id, 'user_id': user_id,
                 'project_id': project_id,
                 'issued_before': issued_before or self.now()}
        self.db.revocation_add(**event)
        with self._lock:
            index = dict(self._index)
            merge(index, event)
            self._index = index
        # Committed first: an API that lists the events after it got this
        # one finds it there too.
        self.publisher.publish(event)
        try:
            self.db.revocation_prune(self.now() - _lifetime())
        except Exception:   # pruning is housekeeping; never fail a revoke
            LOG.exception('Could not prune revocation events')
        LOG.info('Revoked tokens: audit_id=%s user_id=%s project_id=%s '
                 'issued before %s', audit_id, user_id, project_id,
                 event['issued_before'])

    def is_revoked(self, audit_id, user_id, project_id, issued_at):
        self.refresh()
        return matches(self._index, audit_id, user_id, project_id,
                       issued_at)
