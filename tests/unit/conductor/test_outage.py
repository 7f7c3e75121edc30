"""Riding out bus and database outages: conductor calls asked again,
database calls retried, lost build casts sent again, late results kept.

The RPC tests run ConductorAPI -> inproc:// -> ConductorManager for real;
a reply is "lost" by a conductor that answers after the caller stopped
waiting, which is what a reply dropped in a broker restart looks like to
the caller.
"""

import datetime
import threading
import time

from oslo_db import exception as db_exc
import oslo_messaging as messaging
import pytest

from nube import context
from nube import exception
from nube import outage
from nube import rpc
from nube import utils
from nube.compute import manager as compute_manager
from nube.compute import states
from nube.compute import unreported
from nube.compute.virt import fake
from nube.conductor import manager as conductor_manager
from nube.conductor import rpcapi as conductor_rpcapi
import nube.conf
from tests.unit.conductor import fakes

CONF = nube.conf.CONF
URL = 'inproc://'


class SlowFirstAnswers(conductor_manager.ConductorManager):
    """Does the work, but answers the first ``late[method]`` calls of a
    method only after the caller's attempt timed out."""

    def __init__(self, db, **kwargs):
        super().__init__(db, **kwargs)
        self.late = {}
        self.db_down = {}
        self.calls = {}
        self._lock = threading.Lock()

    def _count(self, method):
        with self._lock:
            self.calls[method] = self.calls.get(method, 0) + 1

    def _late(self, method):
        with self._lock:
            left = self.late.get(method, 0)
            self.late[method] = max(left - 1, 0)
        if left:
            time.sleep(CONF.conductor.call_attempt_timeout + 0.5)

    def _down(self, method):
        with self._lock:
            left = self.db_down.get(method, 0)
            self.db_down[method] = max(left - 1, 0)
        if left:
            raise db_exc.DBConnectionError('server has gone away')

    def instance_update(self, context, *args, **kwargs):
        self._count('instance_update')
        result = super().instance_update(context, *args, **kwargs)
        self._late('instance_update')
        return result

    def instance_destroy(self, context, *args, **kwargs):
        result = super().instance_destroy(context, *args, **kwargs)
        self._late('instance_destroy')
        return result

    def instance_get(self, context, *args, **kwargs):
        self._down('instance_get')
        return super().instance_get(context, *args, **kwargs)


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    db = fakes.make_cell_db(tmp_path_factory.mktemp('outage'))
    manager = SlowFirstAnswers(db, compute_api=fakes.RecordingComputeAPI())
    srv = rpc.get_server(conductor_rpcapi.TOPIC, 'conductor-outage',
                         [manager], transport_url=URL)
    srv.start()
    yield db, manager
    srv.stop()
    srv.wait()
    rpc.cleanup()
    db.dispose()


@pytest.fixture
def api():
    CONF.set_override('call_attempt_timeout', 1, group='conductor')
    CONF.set_override('call_retry_window', 20, group='conductor')
    yield conductor_rpcapi.ConductorAPI(transport_url=URL)
    CONF.clear_override('call_attempt_timeout', group='conductor')
    CONF.clear_override('call_retry_window', group='conductor')


def _instance(db):
    node = fakes.add_node(db, 'h%d' % len(db.compute_node_get_all()))
    return fakes.claim_instance(db, node)


def test_update_whose_answer_was_lost_counts_as_done(server, api):
    db, manager = server
    inst = _instance(db)
    manager.late['instance_update'] = 1
    before = manager.calls.get('instance_update', 0)

    got = api.instance_update(context.get_admin_context(), inst['uuid'],
                              {'task_state': states.SPAWNING},
                              expected_task_state=states.SCHEDULING)

    # Asked twice: the first did it, the second lost its compare-and-swap
    # to the first, and the caller was told it is done.
    assert manager.calls['instance_update'] - before == 2
    assert got['task_state'] == states.SPAWNING
    assert db.instance_get(inst['uuid'])['task_state'] == states.SPAWNING


def test_lost_answer_does_not_hide_a_real_conflict(server, api):
    db, manager = server
    inst = _instance(db)
    db.instance_update(inst['uuid'], {'task_state': states.DELETING})
    manager.late['instance_update'] = 1
    with pytest.raises(exception.UnexpectedTaskState):
        api.instance_update(context.get_admin_context(), inst['uuid'],
                            {'task_state': states.SPAWNING},
                            expected_task_state=states.SCHEDULING)
    assert db.instance_get(inst['uuid'])['task_state'] == states.DELETING


def test_destroy_whose_answer_was_lost_counts_as_done(server, api):
    db, manager = server
    inst = _instance(db)
    manager.late['instance_destroy'] = 1
    api.instance_destroy(context.get_admin_context(), inst['uuid'])
    with pytest.raises(exception.InstanceNotFound):
        db.instance_get(inst['uuid'])


def test_conductor_database_outage_is_asked_again(server, api):
    db, manager = server
    inst = _instance(db)
    CONF.set_override('outage_wait_timeout', 0, group='database')
    try:
        manager.db_down['instance_get'] = 2
        got = api.instance_get(context.get_admin_context(), inst['uuid'])
    finally:
        CONF.clear_override('outage_wait_timeout', group='database')
    assert got['uuid'] == inst['uuid']
    assert manager.db_down['instance_get'] == 0


def test_gives_up_after_the_window_as_a_timeout(server, api):
    db, manager = server
    inst = _instance(db)
    CONF.set_override('call_retry_window', 2, group='conductor')
    CONF.set_override('outage_wait_timeout', 0, group='database')
    try:
        manager.db_down['instance_get'] = 1000
        started = time.monotonic()
        with pytest.raises(messaging.MessagingTimeout):
            api.instance_get(context.get_admin_context(), inst['uuid'])
        assert time.monotonic() - started < 5
    finally:
        manager.db_down['instance_get'] = 0
        CONF.clear_override('outage_wait_timeout', group='database')


def test_heartbeats_are_not_retried(server, api):
    db, manager = server
    calls = []

    class Client:
        def prepare(self, **kwargs):
            return self

        def call(self, ctxt, method, **kwargs):
            calls.append(method)
            raise messaging.MessagingTimeout('lost')

    api._client = Client()
    with pytest.raises(messaging.MessagingTimeout):
        api.service_heartbeat(context.get_admin_context(), 'h', 'b')
    assert calls == ['service_heartbeat']


# -- the conductor's own database calls -------------------------------------

class Flaky:
    def __init__(self, failures):
        self.failures = failures
        self.calls = 0

    def instance_get(self, uuid):
        self.calls += 1
        if self.calls <= self.failures:
            raise db_exc.DBConnectionError('(2003) Can\'t connect')
        return {'uuid': uuid}

    def instance_create(self, values):
        self.calls += 1
        raise db_exc.DBDuplicateEntry(['uuid'])


def test_database_retry_rides_out_an_outage():
    flaky = Flaky(failures=3)
    assert outage.DatabaseRetry(flaky).instance_get('u1') == {'uuid': 'u1'}
    assert flaky.calls == 4


def test_database_retry_gives_up_after_its_window():
    flaky = Flaky(failures=1000)
    started = time.monotonic()
    with pytest.raises(db_exc.DBConnectionError):
        outage.retry_db(flaky.instance_get, 'u1', window=0.5)
    assert time.monotonic() - started < 2
    assert flaky.calls > 1


def test_database_retry_passes_real_answers_at_once():
    flaky = Flaky(failures=0)
    with pytest.raises(db_exc.DBDuplicateEntry):
        outage.DatabaseRetry(flaky).instance_create({})
    assert flaky.calls == 1


# -- the reaper sends lost build casts again ---------------------------------

def _later(seconds):
    return utils.utcnow() + datetime.timedelta(seconds=seconds)


def test_reaper_sends_a_lost_build_again_once(cell_db):
    CONF.set_override('lost_build_recasts', 1, group='conductor')
    compute_api = fakes.RecordingComputeAPI()
    manager = conductor_manager.ConductorManager(cell_db,
                                                 compute_api=compute_api)
    node = fakes.add_node(cell_db, 'live')
    cell_db.service_heartbeat('live', 'nube-compute', 'compute')
    inst = fakes.claim_instance(cell_db, node)
    cell_db.instance_update(inst['uuid'], {}, deadline=1)
    time.sleep(1.1)  # past its (1 s) deadline, by the database's clock

    assert manager._run_reaper(None) == {'overdue': 0, 'host_down': 0}
    assert [c[:3] for c in compute_api.casts] == [
        ('build_and_run_instance', 'live', inst['uuid'])]
    again = cell_db.instance_get(inst['uuid'])
    assert again['task_state'] == states.SCHEDULING
    # With a fresh deadline: the next pass leaves it alone.
    assert manager._run_reaper(None) == {'overdue': 0, 'host_down': 0}
    assert len(compute_api.casts) == 1

    # Still never started after the second deadline: now it is an error.
    cell_db.instance_update(inst['uuid'], {}, deadline=1)
    time.sleep(1.1)
    assert manager._run_reaper(None)['overdue'] == 1
    assert len(compute_api.casts) == 1
    failed = cell_db.instance_get(inst['uuid'])
    assert failed['vm_state'] == states.ERROR
    assert failed['fault']['message'].startswith(
        'Timed out in task_state scheduling')


# -- results a compute could not report --------------------------------------

class UnreachableThenLocal(fakes.LocalConductorAPI):
    def __init__(self, manager):
        super().__init__(manager)
        self.down = False

    def __getattr__(self, name):
        call = super().__getattr__(name)

        def maybe(ctxt, *args, **kwargs):
            if self.down and name == 'instance_update' and \
                    (args[1:2] or [kwargs.get('updates')])[0].get(
                        'vm_state') == states.ACTIVE:
                raise messaging.MessagingTimeout('conductor unreachable')
            return call(ctxt, *args, **kwargs)
        return maybe


def test_build_result_reported_when_the_conductor_is_back(cell_db):
    conductor = conductor_manager.ConductorManager(
        cell_db, compute_api=fakes.RecordingComputeAPI())
    conductor_api = UnreachableThenLocal(conductor)
    node = fakes.add_node(cell_db, 'c1')
    fake.FakeDriver.reset('c1')
    mgr = compute_manager.ComputeManager('c1', fake.FakeDriver('c1'),
                                         conductor_api=conductor_api)
    ctxt = context.get_admin_context()
    try:
        inst = fakes.claim_instance(cell_db, node)
        conductor_api.down = True
        mgr.build_and_run_instance(ctxt, inst, {}, [])
        assert mgr.wait_for_tasks(timeout=10)
        assert len(mgr.unreported) == 1
        assert cell_db.instance_get(inst['uuid'])['task_state'] == \
            states.SPAWNING
        assert mgr._report_unreported(ctxt) == 0

        conductor_api.down = False
        assert mgr._report_unreported(ctxt) == 1
        done = cell_db.instance_get(inst['uuid'])
        assert (done['vm_state'], done['task_state']) == (states.ACTIVE,
                                                          None)
        assert len(mgr.unreported) == 0
    finally:
        mgr.cleanup_host()


def test_result_of_an_instance_that_moved_on_is_dropped(cell_db):
    node = fakes.add_node(cell_db, 'c2')
    inst = fakes.claim_instance(cell_db, node)
    conductor = conductor_manager.ConductorManager(
        cell_db, compute_api=fakes.RecordingComputeAPI())
    results = unreported.UnreportedResults()
    results.add(inst['uuid'], {'vm_state': states.ACTIVE,
                               'task_state': None}, states.SPAWNING, inst, [])
    lost = []
    assert results.flush(context.get_admin_context(),
                         fakes.LocalConductorAPI(conductor),
                         lambda ctxt, i, n: lost.append(i['uuid'])) == 0
    assert lost == [inst['uuid']]
    assert len(results) == 0
    assert cell_db.instance_get(inst['uuid'])['vm_state'] == \
        states.BUILDING
