"""Revocation events from nube-identity to every API process, over the bus.

``Publisher.publish(event)`` is called by RevocationCache.revoke() once
the event is in the database. It only queues the event: a thread of the
publisher casts what has queued as one fanout message on
``[revocation] topic`` (oslo.messaging, ``[DEFAULT] transport_url``), so
a revoking request never waits for the bus. Each API process listens on
that topic with an RPC server of its own (nube/api/revocation.py) and
gets every message. A message the bus does not take after a few attempts
is dropped with a warning: the APIs also list the events from the
identity service periodically, and their token cache time bounds the
rest.
"""

import queue
import threading

from oslo_log import log as logging

from nube import context as nube_context
from nube.identity import revoke
import nube.conf
from nube import rpc

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

RPC_VERSION = '1.0'
# Connection attempts per message before it is dropped (oslo.messaging's
# retry: None would retry for ever and queue every later event behind).
SEND_RETRIES = 2


class Publisher:
    """Fans revocation events out, off the request path."""

    def __init__(self, transport_url=None):
        self.transport_url = transport_url
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread = None
        self._client = None
        self._warned_unconfigured = False
        self.sent = 0        # messages the bus took (tests, logs)

    def _configured(self):
        if not CONF.revocation.enabled:
            return False
        if self.transport_url or CONF.transport_url:
            return True
        if not self._warned_unconfigured:
            self._warned_unconfigured = True
            LOG.info('No [DEFAULT] transport_url: revocation events are not '
                     'pushed to the APIs; they see them when they next list '
                     'them, or once their token cache expires.')
        return False

    def publish(self, event):
        if not self._configured():
            return
        self._queue.put(revoke.to_wire(event))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name='revocation-publisher',
                    daemon=True)
                self._thread.start()

    def _run(self):
        while True:
            events = [self._queue.get()]
            while True:
                try:
                    events.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self.send(events)

    def _get_client(self):
        if self._client is None:
            self._client = rpc.get_client(
                CONF.revocation.topic, RPC_VERSION,
                transport_url=self.transport_url).prepare(
                    fanout=True, retry=SEND_RETRIES)
        return self._client

    def send(self, events):
        """Cast ``events`` (wire dicts) to every listener now."""
        try:
            ctxt = nube_context.RequestContext(overwrite=False)
            self._get_client().cast(ctxt, 'revoke', events=events)
        except Exception as exc:   # MessageDeliveryFailure, ...
            LOG.warning('Could not publish %d revocation event(s) on the '
                        'bus (%s); the APIs apply them when they next list '
                        'them.', len(events), exc)
            return False
        self.sent += 1
        LOG.debug('Published %d revocation event(s)', len(events))
        return True


_publisher = None
_publisher_lock = threading.Lock()


def get_publisher():
    """This process's Publisher (one bus client for every identity app)."""
    global _publisher
    with _publisher_lock:
        if _publisher is None:
            _publisher = Publisher()
        return _publisher
