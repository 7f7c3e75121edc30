"""Polling with a deadline: the wait_for_* helpers build on this.

``sleep`` and ``clock`` are parameters so callers (and tests) can drive
time themselves; the defaults are the real ones.
"""

import time

from nube.client import exceptions


def poll(fetch, done, timeout, interval=0.5, callback=None,
         describe='resource', sleep=time.sleep, clock=time.monotonic):
    """Call ``fetch()`` until ``done(value)`` is true; return that value.

    ``done`` may raise to stop early (e.g. ResourceInErrorState).
    ``callback(value)`` runs after every fetch. Raises Timeout when the
    deadline passes first; the message names the last value seen.
    """
    deadline = clock() + timeout
    last = None
    while True:
        last = fetch()
        if callback is not None:
            callback(last)
        if done(last):
            return last
        remaining = deadline - clock()
        if remaining <= 0:
            raise exceptions.Timeout(
                'Timed out after %ss waiting for %s' % (timeout, describe),
                details=last)
        if interval:
            sleep(min(interval, remaining))
