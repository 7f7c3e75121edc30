"""Riding out a short outage of the database server or the message bus.

A MariaDB restart drops every pooled connection and refuses new ones for
a few seconds; a RabbitMQ restart loses the replies in flight. Neither
should fail a build that a retry a moment later would finish. Two tools:

- ``DatabaseRetry`` wraps a database API object (a cell's CellDatabase)
  so that each call that fails because the server is unreachable is tried
  again, with backoff, for up to ``[database] outage_wait_timeout``
  seconds. The conductor and the scheduler use it.
- ``is_db_outage`` and ``is_remote_db_outage`` tell such a failure from
  any other, locally or as a RemoteError from the conductor.

Only "could not reach the server" is retried: a deadlock, a duplicate or
a constraint error is an answer, and goes to the caller at once.
"""

import functools
import time

from oslo_db import exception as db_exc
from oslo_log import log as logging
import oslo_messaging as messaging

import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# How oslo.db names "the server went away / cannot be reached".
_OUTAGE_TYPES = (db_exc.DBConnectionError,)
_OUTAGE_NAMES = frozenset(('DBConnectionError',))
_FIRST_PAUSE = 0.1
_MAX_PAUSE = 2.0


def is_db_outage(exc):
    return isinstance(exc, _OUTAGE_TYPES)


def is_remote_db_outage(exc):
    """A conductor's DB outage, as its RPC caller sees it: a RemoteError
    naming it over a real bus, the exception itself over inproc://."""
    if isinstance(exc, messaging.RemoteError):
        return exc.exc_type in _OUTAGE_NAMES
    return is_db_outage(exc)


def outage_wait_timeout():
    try:
        return CONF.database.outage_wait_timeout
    except Exception:
        return 30.0


def retry_db(func, *args, what=None, window=None, **kwargs):
    """``func(*args, **kwargs)``, again while the DB server is unreachable.

    Gives up (re-raising the last error) after ``window`` seconds,
    [database] outage_wait_timeout by default.
    """
    window = outage_wait_timeout() if window is None else window
    start = time.monotonic()
    pause = _FIRST_PAUSE
    attempt = 0
    while True:
        attempt += 1
        try:
            result = func(*args, **kwargs)
        except _OUTAGE_TYPES as exc:
            waited = time.monotonic() - start
            if waited + pause > window:
                LOG.error('Database still unreachable after %.1fs (%d '
                          'attempts) in %s: %s', waited, attempt,
                          what or getattr(func, '__name__', func), exc)
                raise
            if attempt == 1:
                LOG.warning('Database unreachable in %s (%s); retrying for '
                            'up to %.0fs', what or getattr(
                                func, '__name__', func),
                            type(exc).__name__, window)
            time.sleep(pause)
            pause = min(pause * 2, _MAX_PAUSE)
            continue
        if attempt > 1:
            LOG.info('Database reachable again after %d attempts (%.1fs) in '
                     '%s', attempt, time.monotonic() - start,
                     what or getattr(func, '__name__', func))
        return result


class DatabaseRetry:
    """Every public method of ``db``, retried through a DB outage."""

    def __init__(self, db):
        self._db = db

    @property
    def wrapped(self):
        return self._db

    def __getattr__(self, name):
        value = getattr(self._db, name)
        if name.startswith('_') or not callable(value):
            return value

        @functools.wraps(value)
        def call(*args, **kwargs):
            return retry_db(value, *args, what=name, **kwargs)
        return call
