"""build_failed: move the claim to an alternate, or ERROR with a fault."""

import pytest

from nube import context
from nube.compute import states
from nube.conductor import manager as conductor_manager
from tests.unit.conductor import fakes


@pytest.fixture
def db(cell_db):
    return cell_db


@pytest.fixture
def compute_api():
    return fakes.RecordingComputeAPI()


@pytest.fixture
def conductor(db, compute_api):
    return conductor_manager.ConductorManager(db, compute_api=compute_api)


@pytest.fixture
def ctxt():
    return context.get_admin_context()


def _spawning(db, node):
    inst = fakes.claim_instance(db, node)
    db.instance_update(inst['uuid'], {'task_state': states.SPAWNING},
                       expected_task_state=states.SCHEDULING, deadline=600)
    return inst


def test_claim_moves_to_alternate(db, conductor, compute_api, ctxt):
    h1, h2, h3 = (fakes.add_node(db, h) for h in ('h1', 'h2', 'h3'))
    inst = _spawning(db, h1)
    assert fakes.node_usage(db, 'h1') == (1, 512, 1, 1)

    alternates = [fakes.alternate(h2), fakes.alternate(h3)]
    new_host = conductor.build_failed(ctxt, inst['uuid'], 'h1', 'boom',
                                      alternates)

    assert new_host == 'h2'
    assert fakes.node_usage(db, 'h1') == (0, 0, 0, 0)
    assert fakes.node_usage(db, 'h2') == (1, 512, 1, 1)
    moved = db.instance_get(inst['uuid'])
    assert (moved['host'], moved['node']) == ('h2', 'h2')
    assert moved['task_state'] == states.SCHEDULING
    assert moved['vm_state'] == states.BUILDING
    assert moved['fault'] is None
    # The build went to h2 with what is left of the alternates.
    assert compute_api.casts == [(
        'build_and_run_instance', 'h2', inst['uuid'],
        {'requested_networks': 'auto'}, [fakes.alternate(h3)])]


def test_full_alternate_is_skipped(db, conductor, compute_api, ctxt):
    h1 = fakes.add_node(db, 'h1')
    small = fakes.add_node(db, 'small', vcpus=1, memory_mb=256)
    h3 = fakes.add_node(db, 'h3')
    inst = _spawning(db, h1)

    new_host = conductor.build_failed(
        ctxt, inst['uuid'], 'h1', 'boom',
        [fakes.alternate(small), fakes.alternate(h3)])

    assert new_host == 'h3'
    assert fakes.node_usage(db, 'small') == (0, 0, 0, 0)
    assert fakes.node_usage(db, 'h3') == (1, 512, 1, 1)
    assert fakes.node_usage(db, 'h1') == (0, 0, 0, 0)
    assert [c[1] for c in compute_api.casts] == ['h3']


def test_no_alternate_fits_errors_with_fault(db, conductor, compute_api,
                                             ctxt):
    h1 = fakes.add_node(db, 'h1')
    small = fakes.add_node(db, 'small', vcpus=1, memory_mb=256)
    inst = _spawning(db, h1)

    assert conductor.build_failed(ctxt, inst['uuid'], 'h1',
                                  'VirtDriverError: disk full',
                                  [fakes.alternate(small)]) is None

    failed = db.instance_get(inst['uuid'])
    assert failed['vm_state'] == states.ERROR
    assert failed['task_state'] is None
    assert failed['fault']['code'] == 500
    assert failed['fault']['message'].startswith(
        'Build of instance %s failed on all hosts: VirtDriverError: disk '
        'full' % inst['uuid'])
    assert 'small' in failed['fault']['details']
    assert compute_api.casts == []
    # The claim stays where the instance is (released when it is deleted).
    assert fakes.node_usage(db, 'h1') == (1, 512, 1, 1)
    assert db.instance_get_overdue() == []


def test_no_alternates_at_all(db, conductor, compute_api, ctxt):
    h1 = fakes.add_node(db, 'h1')
    inst = _spawning(db, h1)
    conductor.build_failed(ctxt, inst['uuid'], 'h1', 'boom', [])
    failed = db.instance_get(inst['uuid'])
    assert failed['vm_state'] == states.ERROR
    assert 'failed on all hosts: boom' in failed['fault']['message']


def test_deleting_instance_is_not_retried(db, conductor, compute_api, ctxt):
    h1, h2 = fakes.add_node(db, 'h1'), fakes.add_node(db, 'h2')
    inst = _spawning(db, h1)
    db.instance_update(inst['uuid'], {'task_state': states.DELETING})

    assert conductor.build_failed(ctxt, inst['uuid'], 'h1', 'boom',
                                  [fakes.alternate(h2)]) is None

    same = db.instance_get(inst['uuid'])
    assert same['task_state'] == states.DELETING
    assert same['host'] == 'h1'
    assert fakes.node_usage(db, 'h2') == (0, 0, 0, 0)
    assert compute_api.casts == []


def test_deleted_instance_is_ignored(db, conductor, compute_api, ctxt):
    h1, h2 = fakes.add_node(db, 'h1'), fakes.add_node(db, 'h2')
    inst = _spawning(db, h1)
    db.instance_destroy(inst['uuid'])
    assert conductor.build_failed(ctxt, inst['uuid'], 'h1', 'boom',
                                  [fakes.alternate(h2)]) is None
    assert fakes.node_usage(db, 'h2') == (0, 0, 0, 0)
    assert compute_api.casts == []


def test_alternate_without_node_id(db, conductor, compute_api, ctxt):
    h1 = fakes.add_node(db, 'h1')
    fakes.add_node(db, 'h2')
    inst = _spawning(db, h1)
    assert conductor.build_failed(
        ctxt, inst['uuid'], 'h1', 'boom',
        [{'host': 'h2', 'nodename': 'h2'}]) == 'h2'
    assert fakes.node_usage(db, 'h2') == (1, 512, 1, 1)
