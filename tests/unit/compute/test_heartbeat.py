"""Compute heartbeats: one call per host, or gathered for many hosts.

The conductor is a real ConductorManager on a SQLite cell DB;
fakes.LocalConductorAPI stands in for the RPC transport only.
"""

import pytest

from nube import context
from nube.cmd import compute as compute_cmd
from nube.compute import heartbeat
from nube.conductor import manager as conductor_manager
import nube.conf
from tests.unit.conductor import fakes

CONF = nube.conf.CONF


@pytest.fixture
def db(cell_db):
    return cell_db


@pytest.fixture
def conductor_api(db):
    return fakes.RecordingConductorAPI(
        conductor_manager.ConductorManager(db))


@pytest.fixture
def ctxt():
    return context.get_admin_context()


def _report_counts(db):
    return {s['host']: s['report_count']
            for s in db.service_get_all(binary='nube-compute')}


def test_direct_heartbeat_is_one_call_per_beat(db, conductor_api, ctxt):
    beats = heartbeat.DirectHeartbeat(conductor_api)
    beats.beat(ctxt, 'h1')
    beats.beat(ctxt, 'h1')
    assert [c[0] for c in conductor_api.calls] == ['service_heartbeat'] * 2
    assert _report_counts(db) == {'h1': 2}


def test_batched_heartbeats_first_beat_at_once_then_one_call(
        db, conductor_api, ctxt):
    beats = heartbeat.BatchedHeartbeats(conductor_api, interval=3600)
    try:
        for host in ('h1', 'h2', 'h3'):
            beats.beat(ctxt, host)
        # Registered at once: schedulable without waiting for a send.
        assert _report_counts(db) == {'h1': 1, 'h2': 1, 'h3': 1}
        del conductor_api.calls[:]

        beats.beat(ctxt, 'h1')
        beats.beat(ctxt, 'h2')
        assert conductor_api.calls == []
        assert beats.flush(ctxt) == 2
        # One call for both; h3's loop did not beat, so h3 is not vouched
        # for.
        assert conductor_api.calls == [
            ('service_heartbeat_many', (['h1', 'h2'], 'nube-compute',
                                        'compute'), {})]
        assert _report_counts(db) == {'h1': 2, 'h2': 2, 'h3': 1}
        assert beats.flush(ctxt) == 0
    finally:
        beats.stop()


def test_batched_heartbeats_keep_hosts_when_a_send_fails(db, ctxt):
    class Failing:
        def __init__(self):
            self.fail = True
            self.sent = []

        def service_heartbeat(self, ctxt, host, binary, topic):
            return {'host': host}

        def service_heartbeat_many(self, ctxt, hosts, binary, topic):
            if self.fail:
                raise RuntimeError('conductor away')
            self.sent.append(hosts)
            return len(hosts)

    api = Failing()
    beats = heartbeat.BatchedHeartbeats(api, interval=3600)
    try:
        beats.beat(ctxt, 'h1')
        beats.beat(ctxt, 'h1')
        with pytest.raises(RuntimeError):
            beats.flush(ctxt)
        api.fail = False
        assert beats.flush(ctxt) == 1
        assert api.sent == [['h1']]
    finally:
        beats.stop()


def test_batched_heartbeats_sender_runs_on_its_own(db, conductor_api, ctxt):
    beats = heartbeat.BatchedHeartbeats(conductor_api, interval=0.05)
    try:
        beats.beat(ctxt, 'h1')
        beats.beat(ctxt, 'h1')
        assert fakes.wait_for(lambda: _report_counts(db) == {'h1': 2})
    finally:
        beats.stop()


def test_build_services_shares_one_batcher_between_many_hosts():
    CONF.set_override('compute_driver', 'fake', group='compute')
    try:
        many = compute_cmd.build_services(['f1', 'f2', 'f3'])
        one = compute_cmd.build_services(['solo'])
    finally:
        CONF.clear_override('compute_driver', group='compute')
    batchers = {id(s.manager.heartbeats) for s in many}
    assert len(batchers) == 1
    assert isinstance(many[0].manager.heartbeats,
                      heartbeat.BatchedHeartbeats)
    assert isinstance(one[0].manager.heartbeats, heartbeat.DirectHeartbeat)
    for svc in many + one:
        svc.manager.heartbeats.stop()
