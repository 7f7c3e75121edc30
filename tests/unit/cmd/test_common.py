"""What every console script does once its services run: freeze start-up."""

import gc
import os
import signal
import threading
import time
import weakref

import pytest

from nube.cmd import common


class _Node:
    """A container object the collector tracks (and can put in a cycle)."""

    def __init__(self):
        self.other = None


@pytest.fixture
def unfrozen():
    """Start with nothing frozen; give the frozen objects back afterwards."""
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.fixture
def restore_signals():
    saved = {sig: signal.getsignal(sig)
             for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _tracked(obj):
    return any(o is obj for o in gc.get_objects())


def test_live_objects_leave_the_collected_generations(unfrozen):
    alive = _Node()
    assert _tracked(alive)

    common.freeze_startup_objects()

    assert gc.get_freeze_count() > 0
    assert not _tracked(alive)


def test_garbage_is_collected_not_frozen(unfrozen):
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.disable()  # no automatic collection may do the freeze's work
    try:
        assert gone() is not None
        common.freeze_startup_objects()
    finally:
        gc.enable()
    assert gone() is None


class _Service:
    """Records the frozen count when started, asks to stop once frozen."""

    def __init__(self):
        self.frozen_at_start = None
        self.stopped = False

    def start(self):
        self.frozen_at_start = gc.get_freeze_count()
        threading.Thread(target=self._signal_when_frozen, daemon=True).start()

    def _signal_when_frozen(self):
        deadline = time.monotonic() + 10
        while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    def stop(self):
        self.stopped = True


def test_services_start_before_the_freeze_and_stop_on_sigterm(
        unfrozen, restore_signals):
    service = _Service()

    common.run_until_signalled([service])

    assert service.frozen_at_start == 0
    assert gc.get_freeze_count() > 0
    assert service.stopped
