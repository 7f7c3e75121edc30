"""One libvirt connection per driver, reopened when it drops.

libvirt calls block in C. When the process is monkey-patched by eventlet,
the connection (and every virDomain it returns) is wrapped in
eventlet.tpool.Proxy so those calls run in native threads and the hub keeps
serving other greenthreads.

Note on the test driver: every ``test:///PATH/node.xml`` connection is a
fresh private host built from the file, so a reconnect there starts with no
guests; ``test:///default`` is one shared host per process.
"""

import threading

from eventlet import patcher
from eventlet import tpool
import libvirt
from oslo_log import log as logging

from nube import exception

LOG = logging.getLogger(__name__)

DEFAULT_URI = 'qemu:///system'

_handler_lock = threading.Lock()
_handler_registered = False


def _quiet_errors(_ctx, _err):
    """libvirt's default handler prints every error to stderr; we raise."""


def _register_error_handler():
    global _handler_registered
    with _handler_lock:
        if not _handler_registered:
            libvirt.registerErrorHandler(_quiet_errors, None)
            _handler_registered = True


def is_test_uri(uri):
    return uri.startswith('test:')


def use_tpool():
    return patcher.is_monkey_patched('thread')


class Host:
    """Owns the connection to one libvirt URI."""

    def __init__(self, uri=None):
        self.uri = uri or DEFAULT_URI
        self._conn = None
        self._lock = threading.Lock()
        _register_error_handler()

    @property
    def is_test(self):
        return is_test_uri(self.uri)

    def _open(self):
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError as e:
            raise exception.VirtDriverError(
                reason='cannot connect to %s: %s' % (self.uri, e))
        LOG.debug('Connected to libvirt at %s', self.uri)
        if use_tpool():
            conn = tpool.Proxy(conn, autowrap=(libvirt.virDomain,))
        return conn

    @staticmethod
    def _alive(conn):
        try:
            return bool(conn.isAlive())
        except libvirt.libvirtError:
            # A closed connection answers "invalid connection pointer".
            return False

    def get_connection(self):
        """The open connection; reopens it when it was closed or dropped."""
        with self._lock:
            if self._conn is not None and not self._alive(self._conn):
                LOG.warning('libvirt connection to %s was lost; reconnecting',
                            self.uri)
                self._conn = None
            if self._conn is None:
                self._conn = self._open()
            return self._conn

    def close(self):
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except libvirt.libvirtError:
                pass

    def wrap(self, dom):
        """A domain from a listing, proxied like the connection is."""
        if use_tpool() and not isinstance(dom, tpool.Proxy):
            return tpool.Proxy(dom)
        return dom

    def execute(self, func, *args, **kwargs):
        """Run a batch of libvirt calls in one native thread when patched."""
        if use_tpool():
            return tpool.execute(func, *args, **kwargs)
        return func(*args, **kwargs)
