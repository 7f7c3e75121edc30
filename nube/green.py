"""Tweaks to eventlet's monkey-patching that nube's processes need.

``threading.current_thread()`` under eventlet answers a greenlet that is
not a started ``threading.Thread`` (oslo.messaging's RPC workers, which
futurist spawns with ``spawn_n``) by listing every thread through a
function wrapper that swaps ``sys.modules`` entries - on every call, since
such greenlets cannot be cached. oslo.messaging builds a watchdog
``Thread`` per RPC message and logging asks for the thread name per
record, so with a compute's worker threads alive that was about a tenth
of nube-all's CPU in a boot storm. The replacement gives the same
answers: a started Thread from ``threading._active`` directly, and for
plain greenlets eventlet's own answer (the OS thread's Thread object),
remembered per OS thread.
"""

import threading

import eventlet
from eventlet.green import threading as green_threading
import greenlet


def speed_up_current_thread():
    """Install the cached current_thread (after eventlet.monkey_patch)."""
    slow = green_threading.current_thread
    if getattr(slow, '_nube_fast', False):
        return
    active = threading._active
    os_thread_ident = eventlet.patcher.original('_thread').get_ident
    by_os_thread = {}
    getcurrent = greenlet.getcurrent

    def current_thread():
        g = getcurrent()
        started = active.get(id(g))
        if started is not None:
            return started
        if not g or hasattr(g, 'link'):
            # The main greenlet, or a GreenThread: eventlet caches those.
            return slow()
        key = os_thread_ident()
        answer = by_os_thread.get(key)
        if answer is None:
            answer = by_os_thread[key] = slow()
        return answer

    current_thread._nube_fast = True
    current_thread._nube_slow = slow
    green_threading.current_thread = current_thread
    threading.current_thread = current_thread
