"""ConductorManager: every ConductorAPI method against a SQLite cell DB."""

import datetime

import pytest

from nube import context
from nube import exception
from nube import utils
from nube.compute import states
from nube.conductor import manager as conductor_manager
import nube.conf
from nube.db.cell import api as cell_api
from tests.unit.conductor import fakes

CONF = nube.conf.CONF


@pytest.fixture
def db(cell_db):
    return cell_db


@pytest.fixture
def compute_api():
    return fakes.RecordingComputeAPI()


@pytest.fixture
def conductor(db, compute_api):
    # Raising what the RPC dispatcher hands its caller.
    return fakes.Unwrapped(conductor_manager.ConductorManager(
        db, compute_api=compute_api))


@pytest.fixture
def ctxt():
    return context.get_admin_context()


def test_instance_get_and_by_host(db, conductor, ctxt):
    node = fakes.add_node(db, 'h1')
    inst = fakes.claim_instance(db, node)
    got = conductor.instance_get(ctxt, inst['uuid'])
    assert got['uuid'] == inst['uuid']
    assert got['host'] == 'h1'
    assert got['system_metadata'] == {'requested_networks': 'auto'}
    by_host = conductor.instance_get_all_by_host(ctxt, 'h1')
    assert [i['uuid'] for i in by_host] == [inst['uuid']]
    assert conductor.instance_get_all_by_host(ctxt, 'h2') == []
    with pytest.raises(exception.InstanceNotFound):
        conductor.instance_get(ctxt, 'no-such-uuid')


def test_instance_update_unset_sentinel_means_no_check(db, conductor, ctxt):
    node = fakes.add_node(db, 'h1')
    inst = fakes.claim_instance(db, node)
    got = conductor.instance_update(
        ctxt, inst['uuid'], {'display_name': 'renamed'},
        expected_task_state='__unset__', deadline='__unset__')
    assert got['display_name'] == 'renamed'
    assert got['task_state'] == states.SCHEDULING


def test_instance_update_cas(db, conductor, ctxt):
    node = fakes.add_node(db, 'h1')
    inst = fakes.claim_instance(db, node)
    got = conductor.instance_update(
        ctxt, inst['uuid'], {'task_state': states.SPAWNING},
        expected_task_state=states.SCHEDULING, deadline=60)
    assert got['task_state'] == states.SPAWNING
    with pytest.raises(exception.UnexpectedTaskState):
        conductor.instance_update(
            ctxt, inst['uuid'], {'task_state': states.SPAWNING},
            expected_task_state=states.SCHEDULING)
    # None is a real expected value (idle), not "unset".
    with pytest.raises(exception.UnexpectedTaskState):
        conductor.instance_update(ctxt, inst['uuid'], {'progress': 5},
                                  expected_task_state=None)
    assert db.instance_get(inst['uuid'])['progress'] == 0


def test_instance_update_without_returning_skips_the_read_back(
        db, conductor, ctxt, monkeypatch):
    node = fakes.add_node(db, 'h1')
    inst = fakes.claim_instance(db, node)
    reads = []
    real_row = cell_api._instance_row

    def counting_row(conn, uuid, *args, **kwargs):
        reads.append(uuid)
        return real_row(conn, uuid, *args, **kwargs)
    monkeypatch.setattr(cell_api, '_instance_row', counting_row)

    assert conductor.instance_update(
        ctxt, inst['uuid'], {'task_state': states.SPAWNING},
        expected_task_state=states.SCHEDULING, returning=False) is None
    assert reads == []
    assert db.instance_get(inst['uuid'])['task_state'] == states.SPAWNING

    # A refused swap still reads the row, to say why.
    del reads[:]
    with pytest.raises(exception.UnexpectedTaskState) as err:
        conductor.instance_update(
            ctxt, inst['uuid'], {'task_state': None},
            expected_task_state=states.SCHEDULING, returning=False)
    assert 'spawning' in str(err.value)
    assert reads == [inst['uuid']]
    with pytest.raises(exception.InstanceNotFound):
        conductor.instance_update(ctxt, 'missing', {'progress': 1},
                                  returning=False)


def test_service_heartbeat_many_creates_and_refreshes(db, conductor, ctxt):
    conductor.service_heartbeat(ctxt, 'h1', 'nube-compute', topic='compute')
    before = db.service_get_all(host='h1', binary='nube-compute')[0]

    assert conductor.service_heartbeat_many(
        ctxt, ['h1', 'h2', 'h2'], 'nube-compute', topic='compute') == 2
    rows = {s['host']: s for s in db.service_get_all(binary='nube-compute')}
    assert sorted(rows) == ['h1', 'h2']
    assert rows['h1']['report_count'] == 2
    assert rows['h1']['last_seen_up'] >= before['last_seen_up']
    assert rows['h2']['report_count'] == 1
    assert rows['h2']['topic'] == 'compute'
    # Other binaries on the same host are not touched.
    conductor.service_heartbeat(ctxt, 'h1', 'nube-conductor')
    conductor.service_heartbeat_many(ctxt, ['h1'], 'nube-compute')
    assert db.service_get_all(host='h1', binary='nube-conductor')[0][
        'report_count'] == 1
    assert db.service_get_all(host='h1', binary='nube-compute')[0][
        'report_count'] == 3
    assert conductor.service_heartbeat_many(ctxt, [], 'nube-compute') == 0


def test_instance_update_deadline_is_enforced_by_reaper(db, conductor, ctxt):
    node = fakes.add_node(db, 'h1')
    inst = fakes.claim_instance(db, node)
    conductor.instance_update(ctxt, inst['uuid'],
                              {'task_state': states.SPAWNING}, deadline=1)
    later = utils.utcnow() + datetime.timedelta(seconds=5)
    assert [i['uuid'] for i in db.instance_get_overdue(later)] == [
        inst['uuid']]
    conductor.instance_update(ctxt, inst['uuid'], {}, deadline=None)
    assert db.instance_get_overdue(later) == []


def test_fault_create(db, conductor, ctxt):
    node = fakes.add_node(db, 'h1')
    inst = fakes.claim_instance(db, node)
    fault = conductor.instance_fault_create(ctxt, inst['uuid'], 500, 'boom',
                                            details='trace', host='h1')
    assert fault['message'] == 'boom'
    assert fault['code'] == 500
    assert fault['host'] == 'h1'


def test_instance_destroy_releases_claim_and_ip(db, conductor, ctxt):
    node = fakes.add_node(db, 'h1')
    inst = fakes.claim_instance(db, node)
    conductor.allocate_for_instance(ctxt, inst['uuid'], 'auto', 'h1')
    assert fakes.node_usage(db, 'h1') == (1, 512, 1, 1)
    gone = conductor.instance_destroy(ctxt, inst['uuid'])
    assert gone['vm_state'] == states.DELETED
    assert db.instance_get(inst['uuid'],
                           read_deleted='yes')['fixed_ips'] == []
    assert fakes.node_usage(db, 'h1') == (0, 0, 0, 0)
    with pytest.raises(exception.InstanceNotFound):
        conductor.instance_destroy(ctxt, inst['uuid'])


def test_compute_node_update_and_heartbeat(db, conductor, ctxt):
    node = conductor.compute_node_update(ctxt, 'h9', 'h9', {
        'vcpus': 8, 'memory_mb': 1024, 'local_gb': 10,
        'hypervisor_type': 'fake', 'hypervisor_version': 1,
        'supported_instances': [['x86_64', 'fake', 'hvm']]})
    assert node['vcpus'] == 8
    assert db.compute_nodes_get_by_host('h9')[0]['memory_mb'] == 1024
    first = conductor.service_heartbeat(ctxt, 'h9', 'nube-compute',
                                        topic='compute')
    second = conductor.service_heartbeat(ctxt, 'h9', 'nube-compute',
                                         topic='compute')
    assert first['report_count'] == 1
    assert second['report_count'] == 2
    assert second['topic'] == 'compute'


def test_allocate_for_instance(db, conductor, ctxt):
    CONF.set_override('fixed_range', '192.168.7.0/24', group='network')
    CONF.set_override('label', 'flat', group='network')
    try:
        node = fakes.add_node(db, 'h1')
        inst = fakes.claim_instance(db, node)
        vifs = conductor.allocate_for_instance(ctxt, inst['uuid'], 'auto',
                                               'h1')
        assert len(vifs) == 1
        ip = vifs[0]
        # The cell's default network, made on first use: its first
        # address after the gateway.
        assert ip['address'] == '192.168.7.2'
        assert ip['gateway'] == '192.168.7.1'
        assert ip['mac'].startswith(CONF.network.mac_prefix + ':')
        assert ip['network_label'] == 'flat'
        assert ip['bridge'] == CONF.network.flat_network_bridge
        # Idempotent per instance.
        assert conductor.allocate_for_instance(
            ctxt, inst['uuid'], 'auto', 'h1') == vifs
        assert db.instance_get(inst['uuid'])['fixed_ips'][0][
            'network'] == 'flat'
        conductor.deallocate_for_instance(ctxt, inst['uuid'])
        assert db.instance_get(inst['uuid'])['fixed_ips'] == []
        assert db.port_get_all() == []
    finally:
        CONF.clear_override('fixed_range', group='network')
        CONF.clear_override('label', group='network')


def test_reaper_periodic_task_runs(db, conductor, ctxt):
    node = fakes.add_node(db, 'h1')
    inst = fakes.claim_instance(db, node, deadline_s=-5)
    counts = conductor._run_reaper(ctxt)
    assert counts['overdue'] == 1
    assert db.instance_get(inst['uuid'])['vm_state'] == states.ERROR


def test_reaper_spacing_comes_from_config(db):
    CONF.set_override('reaper_interval', 7, group='conductor')
    try:
        mgr = conductor_manager.ConductorManager(db)
        assert mgr._periodic_spacing['_run_reaper'] == 7
    finally:
        CONF.clear_override('reaper_interval', group='conductor')
