"""nube.service.Service: periodic tasks start out of step."""

import threading

import pytest

from nube import service
import nube.conf

CONF = nube.conf.CONF


class Manager:
    def __init__(self):
        self.ran = threading.Event()

    def run_periodic_tasks(self, ctxt):
        self.ran.set()
        return 1.0


@pytest.mark.parametrize('fuzzy, report, bound', [
    (5.0, 10, 5.0),      # the configured spread
    (30.0, 1, 1.0),      # never later than one heartbeat period
    (0.0, 10, 0.0),      # off
])
def test_first_periodic_run_waits_a_random_bounded_delay(
        monkeypatch, fuzzy, report, bound):
    CONF.set_override('periodic_fuzzy_delay', fuzzy)
    CONF.set_override('report_interval', report)
    asked = []

    def uniform(low, high):
        asked.append((low, high))
        return 0.0          # the test need not wait for the delay itself

    monkeypatch.setattr(service.random, 'uniform', uniform)
    manager = Manager()
    svc = service.Service('nube-test', 'test', manager, host='h1',
                          rpc_server=False)
    try:
        svc.start()
        assert manager.ran.wait(10)
        assert asked == [(0, bound)]
    finally:
        svc.stop()
        CONF.clear_override('periodic_fuzzy_delay')
        CONF.clear_override('report_interval')


class _RecordingStop:
    """Stands in for the service's stop Event: records how long the loop
    asks to sleep and ends the loop after a few rounds (no real waiting)."""

    def __init__(self, rounds):
        self.waits = []
        self.rounds = rounds

    def is_set(self):
        return len(self.waits) > self.rounds

    def wait(self, timeout):
        self.waits.append(timeout)

    def set(self):
        self.rounds = -1


def test_periodic_loop_sleeps_until_the_next_task_is_due():
    CONF.set_override('periodic_fuzzy_delay', 0.0)
    answers = iter([30.0, 0.0, None])

    class Due(Manager):
        def run_periodic_tasks(self, ctxt):
            return next(answers)

    svc = service.Service('nube-test', 'test', Due(), host='h1',
                          rpc_server=False)
    svc._stop = _RecordingStop(rounds=3)
    try:
        svc._run_periodic_tasks()
    finally:
        CONF.clear_override('periodic_fuzzy_delay')
    # The fuzzy start, then as long as the manager said, never busy-looping.
    assert svc._stop.waits == [0.0, 30.0, 0.05, 0.05]


class BeatingManager(Manager):
    def __init__(self):
        super().__init__()
        self.beats = threading.Semaphore(0)

    def _heartbeat(self, ctxt):
        self.beats.release()


def test_periodic_enable_false_keeps_only_the_heartbeat():
    CONF.set_override('periodic_enable', False)
    CONF.set_override('periodic_fuzzy_delay', 0.0)
    CONF.set_override('report_interval', 1)
    manager = BeatingManager()
    svc = service.Service('nube-test', 'test', manager, host='h1',
                          rpc_server=False)
    try:
        svc.start()
        # Two heartbeats, one report_interval apart ...
        assert manager.beats.acquire(timeout=10)
        assert manager.beats.acquire(timeout=10)
        # ... and no other periodic task meanwhile.
        assert not manager.ran.is_set()
    finally:
        svc.stop()
        CONF.clear_override('periodic_enable')
        CONF.clear_override('periodic_fuzzy_delay')
        CONF.clear_override('report_interval')


def test_periodic_enable_by_default_runs_the_tasks():
    assert CONF.periodic_enable is True
    CONF.set_override('periodic_fuzzy_delay', 0.0)
    manager = BeatingManager()
    svc = service.Service('nube-test', 'test', manager, host='h1',
                          rpc_server=False)
    try:
        svc.start()
        assert manager.ran.wait(10)
    finally:
        svc.stop()
        CONF.clear_override('periodic_fuzzy_delay')
