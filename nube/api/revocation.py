"""Revocation events in the API processes: refuse cached validations.

keystonemiddleware caches each token's validation for token_cache_time
(300 s by default). nube-identity publishes every revocation event on the
bus (nube/identity/revoke_notifier.py); each API process with the keystone
strategy runs a ``Listener``:

- an RPC server on ``[revocation] topic`` (a fanout queue of its own:
  every process gets every event) whose endpoint adds events to this
  process's ``REVOCATIONS``;
- a thread that fetches the current list (GET /v3/OS-REVOKE/events, as
  the [keystone_authtoken] service user) at start, again once the RPC
  server is subscribed, then every ``[revocation] list_interval``, so
  events missed while the bus or this process was down still apply.

``KeystoneContext`` (nube/api/auth.py) asks ``REVOCATIONS.is_revoked``
about the token data keystonemiddleware hands it (cached or fresh): at
most four dict lookups by audit id, user, user+project and project, and
a time comparison only when one of them hits. A match is a 401, as
keystonemiddleware answers for a token the identity service refuses.

Events are kept while a cached validation could still need them: the
listed ones until the next list replaces them, pushed ones for
token_cache_time plus a grace period after they arrived (after that,
every validation cached before the revocation has expired, and the
identity service refuses the token).
"""

import os
import sys
import threading
import time

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import session as ks_session
# Registers [keystone_authtoken] (token_cache_time, interface, ...).
from keystonemiddleware import auth_token  # noqa: F401
from oslo_log import log as logging
import oslo_messaging as messaging

import nube.conf
from nube.identity import revoke
from nube import rpc
from nube import service_auth

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

AUTHTOKEN_GROUP = 'keystone_authtoken'
# Beyond token_cache_time, how long a pushed event is kept: covers
# identity processes that learn of it from their database only later
# ([identity] revocation_refresh_interval) and validate the token once more.
GRACE = 60.0
# Seconds between attempts while the list cannot be fetched.
LIST_RETRY = 5.0


def token_cache_time():
    return float(CONF[AUTHTOKEN_GROUP].token_cache_time)


class Revocations:
    """The events this process knows, indexed for O(1) checks."""

    def __init__(self, clock=time.monotonic, retention=None):
        self.clock = clock
        self._retention = retention
        self._lock = threading.Lock()
        self._listed = {}        # key -> issued_before (the last list)
        self._pushed = {}        # key -> (issued_before, received at)
        self._index = {}         # what requests read; replaced, not changed
        self.listed_at = None

    def retention(self):
        if self._retention is not None:
            return self._retention
        return token_cache_time() + GRACE

    def __len__(self):
        return len(self._index)

    def _rebuild(self):
        index = dict(self._listed)
        for key, (issued_before, _at) in self._pushed.items():
            known = index.get(key)
            if known is None or known < issued_before:
                index[key] = issued_before
        self._index = index

    @staticmethod
    def _parsed(wire_events):
        for wire in wire_events:
            try:
                event = revoke.from_wire(wire)
            except (KeyError, TypeError, ValueError) as exc:
                LOG.warning('Ignoring malformed revocation event %r: %s',
                            wire, exc)
                continue
            key = revoke.event_key(event)
            if key is not None:
                yield key, event['issued_before']

    def push(self, wire_events):
        """Events from the bus: they apply at once."""
        now = self.clock()
        with self._lock:
            for key, issued_before in self._parsed(wire_events):
                known = self._pushed.get(key)
                if known is None or known[0] < issued_before:
                    self._pushed[key] = (issued_before, now)
            self._rebuild()

    def replace(self, wire_events, started_at):
        """The list fetched from the identity service (the request left at
        ``started_at``, on this object's clock): it holds every event
        committed before, so pushed events received before are dropped.
        """
        listed = {}
        for key, issued_before in self._parsed(wire_events):
            known = listed.get(key)
            if known is None or known < issued_before:
                listed[key] = issued_before
        with self._lock:
            self._listed = listed
            self._pushed = {key: value for key, value in self._pushed.items()
                            if value[1] >= started_at}
            self.listed_at = started_at
            self._rebuild()

    def prune(self):
        """Drop pushed events no cached validation can need any more."""
        oldest = self.clock() - self.retention()
        with self._lock:
            kept = {key: value for key, value in self._pushed.items()
                    if value[1] >= oldest}
            dropped = len(self._pushed) - len(kept)
            if dropped:
                self._pushed = kept
                self._rebuild()
        return dropped

    def is_revoked(self, token_info):
        """Whether ``token_info`` (keystone.token_info) is revoked."""
        index = self._index
        if not index:
            return False
        token = token_info.get('token')
        if not isinstance(token, dict):
            return False          # v2 data: no such tokens here
        audit_ids = token.get('audit_ids') or (None,)
        user_id = (token.get('user') or {}).get('id')
        project_id = (token.get('project') or {}).get('id')
        return revoke.matches(
            index, audit_ids[0], user_id, project_id,
            lambda: revoke.parse_time(token['issued_at']))


REVOCATIONS = Revocations()


class RevocationEndpoint:
    """The RPC endpoint the identity service casts events to."""

    target = messaging.Target(version='1.0')

    def __init__(self, revocations):
        self.revocations = revocations

    def revoke(self, ctxt, events):
        self.revocations.push(events)
        LOG.info('Received %d revocation event(s)', len(events))


def fetch_events(session):
    """GET /v3/OS-REVOKE/events from the catalog's identity endpoint."""
    conf = CONF[AUTHTOKEN_GROUP]
    identity = ks_adapter.Adapter(
        session, service_type='identity', interface=conf.interface,
        region_name=conf.region_name)
    resp = identity.get('/OS-REVOKE/events', raise_exc=True,
                        headers={'Accept': 'application/json'})
    return resp.json().get('events', [])


class Listener:
    """Subscribes ``revocations`` to the bus and keeps its list fresh."""

    def __init__(self, revocations, server_name, transport_url=None,
                 fetch=None):
        self.revocations = revocations
        self.server_name = server_name
        self.transport_url = transport_url
        self._fetch = fetch
        self._session = None
        self._server = None
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._threads = []
        self.subscribed = threading.Event()
        self.lists = 0           # successful fetches (tests, logs)

    def start(self):
        bus = self.transport_url or CONF.transport_url
        if bus:
            self._spawn(self._subscribe, 'revocation-listener')
        else:
            LOG.warning('No [DEFAULT] transport_url: revoked tokens are '
                        'refused after the next list of revocation events '
                        'or once keystonemiddleware\'s cache expires.')
        if CONF.revocation.list_interval > 0:
            self._spawn(self._list_loop, 'revocation-list')

    def _spawn(self, target, name):
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _subscribe(self):
        try:
            server = rpc.get_server(
                CONF.revocation.topic, self.server_name,
                [RevocationEndpoint(self.revocations)],
                transport_url=self.transport_url)
            # Connects to the bus (and waits for it while it is down).
            server.start()
        except Exception:
            LOG.exception('Cannot listen for revocation events')
            return
        if self._stopping.is_set():
            self._stop_server(server)
            return
        self._server = server
        self.subscribed.set()
        LOG.info('Listening for revocation events on topic %s as %s',
                 CONF.revocation.topic, self.server_name)
        # What was revoked before we listened: list it now.
        self._wake.set()

    def _get_session(self):
        if self._session is None:
            self._session = ks_session.Session(auth=service_auth.get_auth(),
                                               timeout=10)
        return self._session

    def fetch(self):
        if self._fetch is not None:
            return self._fetch()
        return fetch_events(self._get_session())

    def list_once(self):
        """Fetch and apply the list; True if that worked."""
        started = self.revocations.clock()
        try:
            events = self.fetch()
        except Exception as exc:
            log = LOG.warning if self.lists == 0 else LOG.info
            log('Cannot list revocation events (%s); retrying in %ss',
                exc, LIST_RETRY)
            return False
        self.revocations.replace(events, started)
        self.lists += 1
        LOG.debug('Listed %d revocation events', len(events))
        return True

    def _list_loop(self):
        while not self._stopping.is_set():
            # Cleared first: a wake-up during the fetch lists again at once.
            self._wake.clear()
            ok = self.list_once()
            self.revocations.prune()
            delay = CONF.revocation.list_interval
            if not ok:
                delay = min(delay, LIST_RETRY)
            self._wake.wait(delay)

    @staticmethod
    def _stop_server(server):
        try:
            server.stop()
            server.wait()
        except Exception:
            LOG.exception('Stopping the revocation listener')

    def stop(self):
        self._stopping.set()
        self._wake.set()
        if self._server is not None:
            self._stop_server(self._server)
            self._server = None


_listener = None
_users = 0
_listener_lock = threading.Lock()


def server_name(binary=None):
    """The listener's RPC server name: one per host and program.

    oslo.messaging's RabbitMQ driver gives every listener its own fanout
    queue (``<topic>_fanout_<uuid>``), so several processes of one
    program on one host each still get every event; a stable name keeps
    restarts from leaving a ``<topic>.<server>`` queue behind each time.
    """
    binary = binary or os.path.basename(sys.argv[0]) or 'nube'
    return '%s.%s' % (CONF.host, binary)


def start_listener():
    """Start this process's listener (once: nube-all's APIs share it);
    None when [revocation] enabled is false."""
    global _listener, _users
    if not CONF.revocation.enabled:
        LOG.info('[revocation] enabled is false: revoked tokens are '
                 'accepted until keystonemiddleware\'s cache expires.')
        return None
    with _listener_lock:
        _users += 1
        if _listener is None:
            _listener = Listener(REVOCATIONS, server_name())
            _listener.start()
        return _listener


def stop_listener():
    global _listener, _users
    with _listener_lock:
        _users = max(_users - 1, 0)
        if _users or _listener is None:
            return
        listener, _listener = _listener, None
    listener.stop()
