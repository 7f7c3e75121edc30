"""The reaper: overdue tasks and tasks on dead computes end in ERROR."""

import datetime

import pytest

from nube import utils
from nube.compute import states
from nube.conductor import reaper
import nube.conf
from tests.unit.conductor import fakes

CONF = nube.conf.CONF


@pytest.fixture
def db(cell_db):
    return cell_db


def _later(seconds):
    return utils.utcnow() + datetime.timedelta(seconds=seconds)


def test_overdue_instance_goes_to_error(db):
    node = fakes.add_node(db, 'h1')
    db.service_heartbeat('h1', 'nube-compute', 'compute')
    late = fakes.claim_instance(db, node)
    db.instance_update(late['uuid'], {'task_state': states.SPAWNING},
                       deadline=30)
    on_time = fakes.claim_instance(db, node)
    db.instance_update(on_time['uuid'], {'task_state': states.SPAWNING},
                       deadline=600)

    counts = reaper.reap(db, _later(40), check_down_hosts=False)

    assert counts == {'overdue': 1, 'host_down': 0}
    failed = db.instance_get(late['uuid'])
    assert failed['vm_state'] == states.ERROR
    assert failed['task_state'] is None
    assert failed['fault']['code'] == 500
    message = failed['fault']['message']
    assert message.startswith('Timed out in task_state spawning after ')
    assert message.endswith('s on host h1')
    still = db.instance_get(on_time['uuid'])
    assert still['task_state'] == states.SPAWNING
    # A second pass finds nothing more to do.
    assert reaper.reap(db, _later(40), check_down_hosts=False) == {
        'overdue': 0, 'host_down': 0}


def _heartbeat(db, host, seconds_ago=0):
    service = db.service_heartbeat(host, 'nube-compute', 'compute')
    if seconds_ago:
        db.service_update(service['id'], {
            'last_seen_up': _later(-seconds_ago)})


def test_instance_on_down_host_goes_to_error(db):
    CONF.set_override('service_down_time', 60)
    try:
        dead, alive = fakes.add_node(db, 'dead'), fakes.add_node(db, 'alive')
        _heartbeat(db, 'dead', seconds_ago=120)
        _heartbeat(db, 'alive')
        stuck = fakes.claim_instance(db, dead, deadline_s=3600)
        idle = fakes.claim_instance(db, dead, task_state=None,
                                    vm_state=states.ACTIVE)
        fine = fakes.claim_instance(db, alive, deadline_s=3600)

        assert reaper.down_compute_hosts(db, utils.utcnow()) == ['dead']
        counts = reaper.reap(db)
    finally:
        CONF.clear_override('service_down_time')
    assert counts == {'overdue': 0, 'host_down': 1}
    failed = db.instance_get(stuck['uuid'])
    assert failed['vm_state'] == states.ERROR
    assert failed['task_state'] is None
    assert 'Compute service on host dead is down' in (
        failed['fault']['message'])
    assert failed['fault']['host'] == 'dead'
    assert db.instance_get(idle['uuid'])['vm_state'] == states.ACTIVE
    assert db.instance_get(fine['uuid'])['task_state'] == states.SCHEDULING


def test_down_hosts_not_checked_until_settled(db):
    node = fakes.add_node(db, 'h1')
    db.service_heartbeat('h1', 'nube-compute', 'compute')
    inst = fakes.claim_instance(db, node, deadline_s=3600)
    counts = reaper.reap(db, _later(3000), check_down_hosts=False)
    assert counts == {'overdue': 0, 'host_down': 0}
    assert db.instance_get(inst['uuid'])['task_state'] == states.SCHEDULING


def test_forced_down_service_is_down(db):
    db.service_heartbeat('h1', 'nube-compute', 'compute')
    service = db.service_get_all(host='h1')[0]
    assert reaper.service_is_up(service, utils.utcnow())
    db.service_update(service['id'], {'forced_down': True})
    assert reaper.down_compute_hosts(db, utils.utcnow()) == ['h1']


class _RacingDB:
    """A CellDatabase where the compute finishes right after each scan."""

    def __init__(self, db, finish):
        self._db = db
        self._finish = finish

    def __getattr__(self, name):
        return getattr(self._db, name)

    def _finish_all(self, instances):
        for inst in instances:
            self._db.instance_update(
                inst['uuid'], self._finish, expected_task_state=inst[
                    'task_state'])
        return instances

    def instance_get_overdue(self, now=None, limit=100):
        return self._finish_all(self._db.instance_get_overdue(now, limit))

    def instance_get_building_on_hosts(self, hosts):
        return self._finish_all(
            self._db.instance_get_building_on_hosts(hosts))


def test_racing_completion_is_not_overwritten(db):
    node = fakes.add_node(db, 'h1')
    db.service_heartbeat('h1', 'nube-compute', 'compute')
    inst = fakes.claim_instance(db, node)
    db.instance_update(inst['uuid'], {'task_state': states.SPAWNING},
                       deadline=1)
    done = {'vm_state': states.ACTIVE, 'task_state': None,
            'power_state': states.RUNNING}

    counts = reaper.reap(_RacingDB(db, done), _later(30),
                         check_down_hosts=False)

    assert counts['overdue'] == 0
    kept = db.instance_get(inst['uuid'])
    assert kept['vm_state'] == states.ACTIVE
    assert kept['power_state'] == states.RUNNING
    assert kept['fault'] is None


def test_racing_completion_on_down_host_is_kept(db):
    node = fakes.add_node(db, 'h1')
    db.service_heartbeat('h1', 'nube-compute', 'compute')
    inst = fakes.claim_instance(db, node, deadline_s=3600)
    done = {'vm_state': states.ERROR, 'task_state': None}
    # The host looks down at "now + 1 day"; its build finishes meanwhile.
    counts = reaper.reap(_RacingDB(db, done), _later(86400))
    assert counts == {'overdue': 0, 'host_down': 0}
    assert db.instance_get(inst['uuid'])['fault'] is None


def test_overdue_in_batches(db, monkeypatch):
    monkeypatch.setattr(reaper, '_BATCH', 3)
    node = fakes.add_node(db, 'h1', vcpus=8, memory_mb=8192)
    late = [fakes.claim_instance(db, node, deadline_s=-10)['uuid']
            for _ in range(7)]
    counts = reaper.reap(db, check_down_hosts=False)
    assert counts['overdue'] == 7
    assert {db.instance_get(u)['vm_state'] for u in late} == {states.ERROR}
