"""Servers left waiting by a scheduler that died: the stale build request
scan hands over what was claimed, schedules again what was never taken,
and buries what waited past build_request_timeout.

On the SQLite cloud of tests/unit/compute/test_api_actions.py (API DB, one
cell, a real ComputeManager with the fake driver); only the compute RPC
transport is stood in for.
"""

import datetime
import uuid as uuidlib

import pytest
import sqlalchemy as sa

from nube.cells import targeting
from nube.compute import states
import nube.conf
from nube.db.api import models
from nube.scheduler import manager as scheduler_manager
from tests.unit.compute.test_api_actions import cloud  # noqa: F401
from tests.unit.compute.test_api_actions import HOST
from tests.unit.conductor import fakes

CONF = nube.conf.CONF


class Clients:
    def __init__(self, compute_rpc):
        self.compute_rpc = compute_rpc

    def for_cell(self, cell):
        return self.compute_rpc


@pytest.fixture
def scheduler(cloud):  # noqa: F811
    sched = scheduler_manager.SchedulerManager()
    sched._compute_apis = Clients(cloud.compute_rpc)
    CONF.set_override('build_request_recover_after', 60, group='scheduler')
    CONF.set_override('build_request_timeout', 300, group='scheduler')
    yield sched
    CONF.clear_override('build_request_recover_after', group='scheduler')
    CONF.clear_override('build_request_timeout', group='scheduler')


def _age(cloud, uuid, seconds):  # noqa: F811
    """Make a build request look ``seconds`` old."""
    with cloud.api_db.session() as session:
        session.execute(sa.update(models.BuildRequest).where(
            models.BuildRequest.instance_uuid == uuid).values(
            created_at=datetime.datetime.utcnow() -
            datetime.timedelta(seconds=seconds)))


def _mapped_cell(cloud, uuid):  # noqa: F811
    return cloud.api_db.instance_mapping_get(uuid)['cell_id']


def test_claimed_but_never_handed_over_is_handed_over(cloud, scheduler):  # noqa: F811,E501
    node = cloud.cell_db.compute_nodes_get_by_host(HOST)[0]
    inst = fakes.claim_instance(cloud.cell_db, node,
                                requested_networks='none')
    cloud.api_db.build_create([{'instance': inst, 'spec': {}}])
    _age(cloud, inst['uuid'], 30)
    assert scheduler._reap_stale_build_requests(None)['handed_over'] == 0

    _age(cloud, inst['uuid'], 90)
    counts = scheduler._reap_stale_build_requests(None)
    assert counts == {'handed_over': 1, 'rescheduled': 0, 'buried': 0}
    cloud.wait()
    assert _mapped_cell(cloud, inst['uuid']) == cloud.cell['id']
    built = cloud.instance(inst['uuid'])
    assert (built['vm_state'], built['task_state']) == (states.ACTIVE, None)
    # Nothing left waiting.
    assert scheduler._reap_stale_build_requests(None) == {
        'handed_over': 0, 'rescheduled': 0, 'buried': 0}


def _waiting_server(cloud):  # noqa: F811
    """A server the API accepted whose cast no scheduler ever ran."""
    flavor = dict(fakes.FLAVOR)
    uuid = str(uuidlib.uuid4())
    instance = {
        'uuid': uuid, 'project_id': 'p1', 'user_id': 'u1',
        'display_name': 'lost', 'hostname': 'lost',
        'vm_state': states.BUILDING, 'task_state': states.SCHEDULING,
        'power_state': states.NOSTATE, 'image_ref': 'img-1',
        'flavor': flavor, 'flavorid': '1', 'vcpus': flavor['vcpus'],
        'memory_mb': flavor['memory_mb'], 'root_gb': flavor['root_gb'],
        'ephemeral_gb': flavor['ephemeral_gb'], 'metadata': {}, 'tags': [],
        'system_metadata': {'requested_networks': 'none'}}
    spec = {'flavor': flavor, 'image': {'id': 'img-1', 'properties': {}},
            'availability_zone': None, 'scheduler_hints': {},
            'num_instances': 1, 'instance_uuids': [uuid],
            'project_id': 'p1', 'requested_networks': 'none'}
    cloud.api_db.build_create([{'instance': instance, 'spec': spec}])
    return uuid


def test_never_taken_is_scheduled_again_once(cloud, scheduler):  # noqa: F811
    uuid = _waiting_server(cloud)
    _age(cloud, uuid, 90)
    targeting.get_cells(refresh=True)
    counts = scheduler._reap_stale_build_requests(None)
    assert counts == {'handed_over': 0, 'rescheduled': 1, 'buried': 0}
    cloud.wait()
    assert _mapped_cell(cloud, uuid) == cloud.cell['id']
    built = cloud.instance(uuid)
    assert (built['vm_state'], built['host']) == (states.ACTIVE, HOST)


def test_waiting_past_the_timeout_goes_to_error(cloud, scheduler):  # noqa: F811,E501
    uuid = _waiting_server(cloud)
    _age(cloud, uuid, 400)
    buried = []
    scheduler._bury_in_cell0 = lambda ctxt, inst, message: buried.append(
        (inst['uuid'], message))
    counts = scheduler._reap_stale_build_requests(None)
    assert counts == {'handed_over': 0, 'rescheduled': 0, 'buried': 1}
    assert buried[0][0] == uuid
    assert buried[0][1].startswith('Scheduling timed out after 300s')
