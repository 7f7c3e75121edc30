"""ConductorAPI -> inproc:// transport -> ConductorManager, for real."""

import pytest

from nube import context
from nube import exception
from nube import rpc
from nube.compute import states
from nube.conductor import manager as conductor_manager
from nube.conductor import rpcapi as conductor_rpcapi
from tests.unit.conductor import fakes

URL = 'inproc://'


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    # One server for the module: stopping one takes about a second.
    db = fakes.make_cell_db(tmp_path_factory.mktemp('rpc'))
    manager = conductor_manager.ConductorManager(
        db, compute_api=fakes.RecordingComputeAPI())
    srv = rpc.get_server(conductor_rpcapi.TOPIC, 'conductor-test',
                         [manager], transport_url=URL)
    srv.start()
    yield db
    srv.stop()
    srv.wait()
    rpc.cleanup()
    db.dispose()


@pytest.fixture
def api():
    return conductor_rpcapi.ConductorAPI(transport_url=URL, timeout=10)


def test_round_trip_over_rpc(server, api):
    db = server
    ctxt = context.get_admin_context()
    node = fakes.add_node(db, 'h%d' % len(db.compute_node_get_all()))
    inst = fakes.claim_instance(db, node)

    got = api.instance_get(ctxt, inst['uuid'])
    assert got['uuid'] == inst['uuid']
    assert got['flavor']['memory_mb'] == 512

    updated = api.instance_update(ctxt, inst['uuid'],
                                  {'task_state': states.SPAWNING},
                                  expected_task_state=states.SCHEDULING,
                                  deadline=60)
    assert updated['task_state'] == states.SPAWNING

    vifs = api.allocate_for_instance(ctxt, inst['uuid'], 'auto', 'rpc-host')
    assert vifs[0]['network_label'] == 'private'
    beat = api.service_heartbeat(ctxt, 'rpc-host', 'nube-compute',
                                 'compute')
    assert beat['report_count'] == 1


def test_version_1_1_calls_over_rpc(server, api):
    db = server
    ctxt = context.get_admin_context()
    node = fakes.add_node(db, 'h%d' % len(db.compute_node_get_all()))
    inst = fakes.claim_instance(db, node)
    assert api.instance_update(ctxt, inst['uuid'],
                               {'task_state': states.SPAWNING},
                               expected_task_state=states.SCHEDULING,
                               returning=False) is None
    assert db.instance_get(inst['uuid'])['task_state'] == states.SPAWNING
    assert api.service_heartbeat_many(
        ctxt, ['batch-a', 'batch-b'], 'nube-compute', 'compute') == 2
    assert sorted(s['host'] for s in db.service_get_all(
        binary='nube-compute') if s['host'].startswith('batch-')) == [
        'batch-a', 'batch-b']


def test_cas_conflict_arrives_as_unexpected_task_state(server, api):
    db = server
    ctxt = context.get_admin_context()
    node = fakes.add_node(db, 'h%d' % len(db.compute_node_get_all()))
    inst = fakes.claim_instance(db, node)
    with pytest.raises(exception.UnexpectedTaskState) as err:
        api.instance_update(ctxt, inst['uuid'],
                            {'task_state': states.SPAWNING},
                            expected_task_state=states.DELETING)
    assert inst['uuid'] in str(err.value)
    assert db.instance_get(inst['uuid'])['task_state'] == states.SCHEDULING
    with pytest.raises(exception.InstanceNotFound):
        api.instance_get(ctxt, 'missing')


def test_build_failed_cast_reaches_conductor(server, api):
    db = server
    ctxt = context.get_admin_context()
    node = fakes.add_node(db, 'h%d' % len(db.compute_node_get_all()))
    inst = fakes.claim_instance(db, node)
    db.instance_update(inst['uuid'], {'task_state': states.SPAWNING})
    api.build_failed(ctxt, inst['uuid'], node['host'], 'boom', [])
    assert fakes.wait_for(lambda: db.instance_get(inst['uuid'])[
        'vm_state'] == states.ERROR)


def test_wait_until_ready_returns_once_conductor_answers(server, api):
    assert api.wait_until_ready(context.get_admin_context(),
                                attempt_timeout=5) == 1
