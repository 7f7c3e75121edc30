"""ComputeManager driven directly, with the FakeDriver and a SQLite cell DB.

The conductor side is a real ConductorManager; fakes.LocalConductorAPI
stands in for the RPC transport only.
"""

import oslo_messaging as messaging
import pytest

from nube import context
from nube import exception
from nube import utils
from nube.compute import manager as compute_manager
from nube.compute import states
from nube.compute.virt import fake
from nube.conductor import manager as conductor_manager
from tests.unit.conductor import fakes


class _Cell:
    """A cell DB, its conductor, and computes that route casts by host."""

    def __init__(self, db):
        self.db = db
        self.compute_api = fakes.RecordingComputeAPI()
        self.conductor = conductor_manager.ConductorManager(
            db, compute_api=self.compute_api)
        self.conductor_api = fakes.LocalConductorAPI(self.conductor)
        self.computes = self.compute_api.managers

    def compute(self, host, conductor_api=None):
        fake.FakeDriver.reset(host)
        mgr = compute_manager.ComputeManager(
            host, fake.FakeDriver(host),
            conductor_api=conductor_api or self.conductor_api)
        mgr.init_host()
        self.computes[host] = mgr
        return mgr

    def wait(self):
        for mgr in list(self.computes.values()):
            assert mgr.wait_for_tasks(timeout=10)


@pytest.fixture
def cell(tmp_path):
    cell = _Cell(fakes.make_cell_db(tmp_path))
    yield cell
    for mgr in cell.computes.values():
        mgr.cleanup_host()
    cell.db.dispose()


@pytest.fixture
def ctxt():
    return context.get_admin_context()


def _node(db, host):
    return db.compute_nodes_get_by_host(host)[0]


def _build(cell, ctxt, host, alternates=(), **kwargs):
    inst = fakes.claim_instance(cell.db, _node(cell.db, host), **kwargs)
    spec = {'requested_networks':
            inst['system_metadata']['requested_networks']}
    cell.computes[host].build_and_run_instance(ctxt, inst, spec,
                                               list(alternates))
    cell.wait()
    return cell.db.instance_get(inst['uuid'])


def test_init_host_reports_resources_and_heartbeats(cell):
    cell.compute('c1')
    node = _node(cell.db, 'c1')
    assert node['vcpus'] == compute_manager.CONF.compute.fake_vcpus
    assert node['host_ip'] == compute_manager.CONF.my_ip
    assert node['cpu_allocation_ratio'] == (
        compute_manager.CONF.cpu_allocation_ratio)
    services = cell.db.service_get_all(host='c1')
    assert [(s['binary'], s['topic']) for s in services] == [
        ('nube-compute', 'compute')]


def test_build_goes_active_with_ip(cell, ctxt):
    mgr = cell.compute('c1')
    inst = _build(cell, ctxt, 'c1')
    assert inst['vm_state'] == states.ACTIVE
    assert inst['task_state'] is None
    assert inst['power_state'] == states.RUNNING
    assert inst['launched_at'] is not None
    assert len(inst['fixed_ips']) == 1
    assert inst['fixed_ips'][0]['address'].startswith('10.0.')
    assert mgr.driver.get_power_states() == {inst['uuid']: states.RUNNING}
    assert cell.db.instance_get_overdue(
        utils.utcnow().replace(year=2100)) == []


def test_build_reads_the_instance_back_once(cell, ctxt):
    """The SPAWNING swap answers the instance the spawn needs; recording
    ACTIVE asks for no row back (the conductor skips reading it)."""
    recorder = fakes.RecordingConductorAPI(cell.conductor)
    cell.compute('c1', conductor_api=recorder)
    del recorder.calls[:]
    inst = _build(cell, ctxt, 'c1', requested_networks='none')
    assert inst['vm_state'] == states.ACTIVE
    updates = [kwargs for name, _args, kwargs in recorder.calls
               if name == 'instance_update']
    assert [u.get('returning', True) for u in updates] == [True, False]
    assert updates[1]['expected_task_state'] == states.SPAWNING


def test_build_without_network(cell, ctxt):
    cell.compute('c1')
    inst = _build(cell, ctxt, 'c1', requested_networks='none')
    assert inst['vm_state'] == states.ACTIVE
    assert inst['fixed_ips'] == []


def test_build_of_changed_instance_does_nothing(cell, ctxt):
    mgr = cell.compute('c1')
    inst = fakes.claim_instance(cell.db, _node(cell.db, 'c1'))
    cell.db.instance_update(inst['uuid'], {'task_state': states.DELETING})
    mgr.build_and_run_instance(ctxt, inst, {}, [])
    cell.wait()
    same = cell.db.instance_get(inst['uuid'])
    assert same['task_state'] == states.DELETING
    assert same['vm_state'] == states.BUILDING
    assert same['fixed_ips'] == []
    assert mgr.driver.get_power_states() == {}


def test_build_of_deleted_instance_does_nothing(cell, ctxt):
    mgr = cell.compute('c1')
    inst = fakes.claim_instance(cell.db, _node(cell.db, 'c1'))
    cell.db.instance_destroy(inst['uuid'])
    mgr.build_and_run_instance(ctxt, inst, {}, [])
    cell.wait()
    assert mgr.driver.get_power_states() == {}


def _break_spawn(monkeypatch, mgr):
    def spawn(context, instance, image_meta, network_info):
        raise exception.VirtDriverError(reason='no room for disk')
    monkeypatch.setattr(mgr.driver, 'spawn', spawn)


def test_driver_failure_retries_on_alternate(cell, ctxt, monkeypatch):
    bad = cell.compute('c1')
    cell.compute('c2')
    _break_spawn(monkeypatch, bad)
    alt = fakes.alternate(_node(cell.db, 'c2'))

    inst = _build(cell, ctxt, 'c1', alternates=[alt])
    assert fakes.wait_for(lambda: cell.db.instance_get(inst['uuid'])[
        'vm_state'] == states.ACTIVE)
    cell.wait()
    done = cell.db.instance_get(inst['uuid'])
    assert done['host'] == 'c2'
    assert done['power_state'] == states.RUNNING
    assert [c[1] for c in cell.compute_api.casts] == ['c2']
    assert fakes.node_usage(cell.db, 'c1') == (0, 0, 0, 0)
    assert fakes.node_usage(cell.db, 'c2') == (1, 512, 1, 1)
    assert bad.driver.get_power_states() == {}


def test_driver_failure_without_alternates_errors(cell, ctxt, monkeypatch):
    mgr = cell.compute('c1')
    _break_spawn(monkeypatch, mgr)
    inst = _build(cell, ctxt, 'c1')
    assert inst['vm_state'] == states.ERROR
    assert inst['task_state'] is None
    assert 'failed on all hosts' in inst['fault']['message']
    assert 'no room for disk' in inst['fault']['message']
    # The failed host cleaned up: no guest, no address.
    assert inst['fixed_ips'] == []
    assert mgr.driver.get_power_states() == {}


def test_terminate_releases_usage_and_soft_deletes(cell, ctxt):
    mgr = cell.compute('c1')
    inst = _build(cell, ctxt, 'c1')
    assert fakes.node_usage(cell.db, 'c1') == (1, 512, 1, 1)
    cell.db.instance_update(inst['uuid'], {'task_state': states.DELETING})

    mgr.terminate_instance(ctxt, inst)
    cell.wait()

    assert fakes.node_usage(cell.db, 'c1') == (0, 0, 0, 0)
    with pytest.raises(exception.InstanceNotFound):
        cell.db.instance_get(inst['uuid'])
    gone = cell.db.instance_get(inst['uuid'], read_deleted='yes')
    assert gone['vm_state'] == states.DELETED
    assert gone['deleted_at'] is not None
    assert mgr.driver.get_power_states() == {}
    # Idempotent; a resource report agrees with the released usage.
    mgr.terminate_instance(ctxt, inst)
    cell.wait()
    mgr._report_resources(ctxt)
    assert fakes.node_usage(cell.db, 'c1') == (0, 0, 0, 0)


def test_terminate_failure_errors(cell, ctxt, monkeypatch):
    mgr = cell.compute('c1')
    inst = _build(cell, ctxt, 'c1')
    cell.db.instance_update(inst['uuid'], {'task_state': states.DELETING})

    def destroy(context, instance, network_info):
        raise exception.VirtDriverError(reason='stuck')
    monkeypatch.setattr(mgr.driver, 'destroy', destroy)
    mgr.terminate_instance(ctxt, inst)
    cell.wait()
    failed = cell.db.instance_get(inst['uuid'])
    assert failed['vm_state'] == states.ERROR
    assert failed['task_state'] is None
    assert 'Delete failed' in failed['fault']['message']


def test_init_host_builds_again_what_it_had_taken(cell, ctxt):
    """A restart neither fails nor forgets the builds this host had taken:
    one half spawned, one whose cast was consumed but never started."""
    cell.compute('c1')
    spawning = fakes.claim_instance(cell.db, _node(cell.db, 'c1'))
    cell.db.instance_update(spawning['uuid'],
                            {'task_state': states.SPAWNING})
    queued = fakes.claim_instance(cell.db, _node(cell.db, 'c1'))
    active = _build(cell, ctxt, 'c1')
    usage = fakes.node_usage(cell.db, 'c1')

    mgr = cell.compute('c1')  # the process restarts
    cell.wait()

    for uuid in (spawning['uuid'], queued['uuid']):
        inst = cell.db.instance_get(uuid)
        assert (inst['vm_state'], inst['task_state']) == (states.ACTIVE,
                                                          None)
        assert inst['fault'] is None
        assert uuid in mgr.driver.get_power_states()
    assert cell.db.instance_get(active['uuid'])['vm_state'] == states.ACTIVE
    # Built again on the claim it had: nothing claimed twice.
    assert fakes.node_usage(cell.db, 'c1') == usage


def test_late_cast_of_a_resumed_build_is_dropped(cell, ctxt):
    cell.compute('c1')
    inst = fakes.claim_instance(cell.db, _node(cell.db, 'c1'))
    cell.db.instance_update(inst['uuid'], {'task_state': states.SPAWNING})
    mgr = cell.compute('c1')
    cell.wait()
    built = cell.db.instance_get(inst['uuid'])
    assert built['vm_state'] == states.ACTIVE
    # Its original cast, delivered late, is dropped by the
    # compare-and-swap: the guest is not spawned over again.
    spawned = []
    mgr.driver.spawn = lambda *args: spawned.append(args)
    mgr.build_and_run_instance(ctxt, inst, {}, [])
    cell.wait()
    assert spawned == []
    assert cell.db.instance_get(inst['uuid'])['launched_at'] == \
        built['launched_at']


def test_init_host_resumes_delete(cell, ctxt):
    cell.compute('c1')
    inst = _build(cell, ctxt, 'c1')
    cell.db.instance_update(inst['uuid'], {'task_state': states.DELETING})
    cell.compute('c1')
    cell.wait()
    with pytest.raises(exception.InstanceNotFound):
        cell.db.instance_get(inst['uuid'])
    assert fakes.node_usage(cell.db, 'c1') == (0, 0, 0, 0)


def test_stop_start_reboot(cell, ctxt):
    mgr = cell.compute('c1')
    inst = _build(cell, ctxt, 'c1')
    uuid = inst['uuid']

    cell.db.instance_update(uuid, {'task_state': states.POWERING_OFF},
                            expected_task_state=None)
    mgr.stop_instance(ctxt, inst)
    cell.wait()
    stopped = cell.db.instance_get(uuid)
    assert (stopped['vm_state'], stopped['task_state'],
            stopped['power_state']) == (states.STOPPED, None,
                                        states.SHUTDOWN)

    cell.db.instance_update(uuid, {'task_state': states.POWERING_ON},
                            expected_task_state=None)
    mgr.start_instance(ctxt, stopped)
    cell.wait()
    started = cell.db.instance_get(uuid)
    assert (started['vm_state'], started['task_state'],
            started['power_state']) == (states.ACTIVE, None, states.RUNNING)

    cell.db.instance_update(uuid, {'task_state': states.REBOOTING},
                            expected_task_state=None)
    mgr.reboot_instance(ctxt, started, 'SOFT')
    cell.wait()
    rebooted = cell.db.instance_get(uuid)
    assert (rebooted['vm_state'], rebooted['task_state']) == (
        states.ACTIVE, None)


def test_stop_without_task_state_is_dropped(cell, ctxt):
    mgr = cell.compute('c1')
    inst = _build(cell, ctxt, 'c1')
    mgr.stop_instance(ctxt, inst)  # the API never set powering-off
    cell.wait()
    assert cell.db.instance_get(inst['uuid'])['vm_state'] == states.ACTIVE
    assert mgr.driver.get_power_states()[inst['uuid']] == states.RUNNING


def test_power_action_failure_errors(cell, ctxt, monkeypatch):
    mgr = cell.compute('c1')
    inst = _build(cell, ctxt, 'c1')
    cell.db.instance_update(inst['uuid'], {'task_state': states.POWERING_ON},
                            expected_task_state=None)

    def power_on(context, instance, network_info):
        raise exception.VirtDriverError(reason='cannot start')
    monkeypatch.setattr(mgr.driver, 'power_on', power_on)
    mgr.start_instance(ctxt, inst)
    cell.wait()
    failed = cell.db.instance_get(inst['uuid'])
    assert failed['vm_state'] == states.ERROR
    assert failed['task_state'] is None
    assert 'Failed to start instance' in failed['fault']['message']


def test_console_output_tail(cell, ctxt, monkeypatch):
    mgr = cell.compute('c1')
    inst = _build(cell, ctxt, 'c1')
    monkeypatch.setattr(mgr.driver, 'get_console_output',
                        lambda instance: 'one\ntwo\nthree\n')
    assert mgr.get_console_output(ctxt, inst, 2) == 'three\n'
    assert mgr.get_console_output(ctxt, inst, 3) == 'two\nthree\n'
    assert mgr.get_console_output(ctxt, inst, None) == 'one\ntwo\nthree\n'
    assert mgr.get_console_output(ctxt, inst, -1) == 'one\ntwo\nthree\n'
    assert mgr.get_console_output(ctxt, inst, 0) == ''


def test_power_state_sync(cell, ctxt):
    mgr = cell.compute('c1')
    gone = _build(cell, ctxt, 'c1')
    off = _build(cell, ctxt, 'c1')
    busy = _build(cell, ctxt, 'c1')
    mgr.driver.destroy(ctxt, gone, [])
    mgr.driver.power_off(off)
    mgr.driver.power_off(busy)
    cell.db.instance_update(busy['uuid'], {'task_state': states.REBOOTING})

    assert mgr._sync_power_states(ctxt) == 2

    assert cell.db.instance_get(gone['uuid'])['power_state'] == (
        states.NOSTATE)
    assert cell.db.instance_get(off['uuid'])['power_state'] == (
        states.SHUTDOWN)
    # An instance with a task in progress is left to that task.
    assert cell.db.instance_get(busy['uuid'])['power_state'] == (
        states.RUNNING)
    assert mgr._sync_power_states(ctxt) == 0


class _TimingOutConductor:
    """Conductor client whose allocate_for_instance never answers."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def allocate_for_instance(self, ctxt, instance_uuid, requested, host):
        raise messaging.MessagingTimeout('no reply')


def test_conductor_timeout_leaves_build_to_reaper(cell, ctxt):
    mgr = cell.compute('c1', _TimingOutConductor(cell.conductor_api))
    inst = _build(cell, ctxt, 'c1')
    assert inst['task_state'] == states.SPAWNING
    assert inst['vm_state'] == states.BUILDING
    assert mgr.driver.get_power_states() == {}
    # It has a deadline, so the reaper will end it.
    later = utils.utcnow().replace(year=2100)
    assert [i['uuid'] for i in cell.db.instance_get_overdue(later)] == [
        inst['uuid']]


def test_periodic_spacing_from_config(cell):
    mgr = cell.compute('c1')
    assert mgr._periodic_spacing['_heartbeat'] == (
        compute_manager.CONF.report_interval)
    assert mgr._periodic_spacing['_sync_power_states'] == (
        compute_manager.CONF.compute.power_state_sync_interval)
