"""Server actions through the HTTP app and the real facade on SQLite.

API DB and cell DB are SQLite files; a real ComputeManager with a
FakeDriver serves the cell. Only the RPC transports are stood in for
(LocalConductorAPI, LocalComputeAPI): calls go straight to the managers.
"""

import copy
import datetime
import json

import pytest
import webob

from nube.api import app as api_app
from nube import utils
from nube.cells import targeting
from nube.compute import api as compute_api
from nube.compute import host_api
from nube.compute import manager as compute_manager
from nube.compute import states
from nube.compute.virt import fake
from nube.conductor import manager as conductor_manager
import nube.conf
from nube.db import migration
from nube.db.api import api as api_db
from tests.unit.conductor import fakes

CONF = nube.conf.CONF
HOST = 'c1'
CONSOLE = ''.join('line %d\n' % n for n in range(1, 11)) + 'bell\x07\r\n'


class ConsoleDriver(fake.FakeDriver):
    """FakeDriver whose guests print ten lines and a noisy last one."""

    def get_console_output(self, instance):
        super().get_console_output(instance)
        return CONSOLE


class LocalComputeAPI:
    """Stands in for compute_rpcapi.ComputeAPI's transport: each call goes
    to the manager of its host, arguments copied as serialization would."""

    def __init__(self, managers):
        self.managers = managers
        self.calls = []

    def __getattr__(self, name):
        def call(ctxt, host, *args, **kwargs):
            self.calls.append((name, host))
            method = getattr(self.managers[host], name)
            return copy.deepcopy(method(ctxt, *copy.deepcopy(args),
                                        **copy.deepcopy(kwargs)))
        return call


class Cloud:
    def __init__(self, tmp_path):
        self.api_db = api_db.ApiDatabase('sqlite:///%s' % (tmp_path /
                                                           'api.db'))
        migration.db_sync(self.api_db, 'api')
        self.cell_db = fakes.make_cell_db(tmp_path)
        cell_url = 'sqlite:///%s' % (tmp_path / 'cell.db')
        self.cell = self.api_db.cell_mapping_create('cell1', 'fake://',
                                                    cell_url)
        # One engine per SQLite file, so writers never lock each other out.
        targeting._databases[cell_url] = self.cell_db
        conductor = conductor_manager.ConductorManager(
            self.cell_db, compute_api=fakes.RecordingComputeAPI())
        fake.FakeDriver.reset(HOST)
        self.manager = compute_manager.ComputeManager(
            HOST, ConsoleDriver(HOST),
            conductor_api=fakes.LocalConductorAPI(conductor))
        self.manager.init_host()
        self.compute_rpc = LocalComputeAPI({HOST: self.manager})
        self.facade = compute_api.API(db=self.api_db)
        self.facade._compute_apis[self.cell['uuid']] = self.compute_rpc
        self.app = api_app.create_app(compute_api=self.facade,
                                      db=self.api_db)

    def server(self, **claim_kwargs):
        """An ACTIVE server of project p1 built on HOST, mapped to cell1."""
        node = self.cell_db.compute_nodes_get_by_host(HOST)[0]
        inst = fakes.claim_instance(self.cell_db, node, **claim_kwargs)
        self.api_db.build_create([{'instance': inst, 'spec': {}}])
        assert self.api_db.build_request_complete(inst['uuid'],
                                                  self.cell['id'])
        self.manager.build_and_run_instance(
            None, inst, {'requested_networks': 'none'}, [])
        self.wait()
        built = self.cell_db.instance_get(inst['uuid'])
        assert built['vm_state'] == states.ACTIVE
        return built

    def wait(self):
        assert self.manager.wait_for_tasks(timeout=10)

    def request(self, method, path, body=None, token='u1:p1'):
        """(status, JSON body or None) of a /v2.1 request."""
        req = webob.Request.blank('/v2.1' + path, method=method,
                                  headers={'X-Auth-Token': token})
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        response = req.get_response(self.app)
        return response.status_int, (json.loads(response.body)
                                     if response.body else None)

    def action(self, server_id, body, token='u1:p1'):
        return self.request('POST', '/servers/%s/action' % server_id, body,
                            token)

    def instance(self, server_id):
        return self.cell_db.instance_get(server_id)


@pytest.fixture
def cloud(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'api.db')
    CONF.set_override('connection', url, group='api_database')
    api_db.reset()
    targeting.reset()
    cloud = Cloud(tmp_path)
    yield cloud
    cloud.manager.cleanup_host()
    targeting.reset()
    cloud.api_db.dispose()
    api_db.reset()
    CONF.clear_override('connection', group='api_database')


def test_console_output_tail_and_all(cloud):
    server = cloud.server()
    status, body = cloud.action(server['uuid'],
                                {'os-getConsoleOutput': {'length': 3}})
    assert status == 200
    # Nova's tail: the empty piece after the last newline is one of the 3.
    assert body == {'output': 'line 10\nbell\n'}
    status, body = cloud.action(server['uuid'], {'os-getConsoleOutput': {}})
    assert status == 200
    assert body['output'].startswith('line 1\nline 2\n')
    assert body['output'].count('\n') == 11
    status, body = cloud.action(server['uuid'],
                                {'os-getConsoleOutput': {'length': 0}})
    assert (status, body) == (200, {'output': ''})
    assert cloud.compute_rpc.calls == [('get_console_output', HOST)] * 3


def test_console_output_of_stopped_server(cloud):
    server = cloud.server()
    cloud.cell_db.instance_update(server['uuid'],
                                  {'vm_state': states.STOPPED})
    status, body = cloud.action(server['uuid'],
                                {'os-getConsoleOutput': {'length': 2}})
    assert (status, body) == (200, {'output': 'bell\n'})


def test_other_projects_server_is_404(cloud):
    server = cloud.server()
    status, body = cloud.action(server['uuid'], {'os-getConsoleOutput': {}},
                                token='u2:p2')
    assert status == 404
    assert cloud.compute_rpc.calls == []


def test_unknown_server_is_404(cloud):
    status, body = cloud.action('6f2e7a0e-0a47-4a57-8a38-0b1c4b2f1d11',
                                {'os-getConsoleOutput': {}})
    assert status == 404
    assert 'itemNotFound' in body


def test_unscheduled_server_is_409(cloud):
    inst = {'uuid': '0b7d6c2e-7a52-4f3a-9d6e-2f51c3a7e001',
            'project_id': 'p1', 'user_id': 'u1'}
    cloud.api_db.build_create([{'instance': inst, 'spec': {}}])
    status, body = cloud.action(inst['uuid'], {'os-getConsoleOutput': {}})
    assert status == 409
    assert body['conflictingRequest']['message'] == (
        'Instance %s is not ready' % inst['uuid'])


def test_deleting_server_is_409(cloud):
    server = cloud.server()
    cloud.cell_db.instance_update(server['uuid'],
                                  {'task_state': states.DELETING})
    status, body = cloud.action(server['uuid'], {'os-getConsoleOutput': {}})
    assert status == 409
    assert 'task_state deleting' in body['conflictingRequest']['message']


def test_building_server_is_409(cloud):
    node = cloud.cell_db.compute_nodes_get_by_host(HOST)[0]
    inst = fakes.claim_instance(cloud.cell_db, node)
    cloud.api_db.build_create([{'instance': inst, 'spec': {}}])
    cloud.api_db.build_request_complete(inst['uuid'], cloud.cell['id'])
    status, body = cloud.action(inst['uuid'], {'os-getConsoleOutput': {}})
    assert status == 409
    assert 'vm_state building' in body['conflictingRequest']['message']


def test_compute_down_is_503(cloud):
    server = cloud.server()
    service = cloud.cell_db.service_get_all(host=HOST)[0]
    cloud.cell_db.service_update(service['id'], {'forced_down': True})
    status, body = cloud.action(server['uuid'], {'os-getConsoleOutput': {}})
    assert status == 503
    assert HOST in body['serviceUnavailable']['message']
    assert cloud.compute_rpc.calls == []


def test_stop_then_start(cloud):
    server = cloud.server()
    uuid = server['uuid']
    status, _body = cloud.action(uuid, {'os-stop': None})
    assert status == 202
    cloud.wait()
    inst = cloud.instance(uuid)
    assert (inst['vm_state'], inst['task_state'], inst['power_state']) == (
        states.STOPPED, None, states.SHUTDOWN)
    # Stopping a stopped server is a conflict, as in Nova.
    status, body = cloud.action(uuid, {'os-stop': None})
    assert status == 409
    assert 'vm_state stopped' in body['conflictingRequest']['message']
    status, _body = cloud.action(uuid, {'os-start': None})
    assert status == 202
    cloud.wait()
    inst = cloud.instance(uuid)
    assert (inst['vm_state'], inst['task_state'], inst['power_state']) == (
        states.ACTIVE, None, states.RUNNING)
    assert [c[0] for c in cloud.compute_rpc.calls] == [
        'stop_instance', 'start_instance']


def test_stop_sets_task_state_and_deadline_before_the_cast(cloud):
    server = cloud.server()
    seen = {}

    def stop_instance(ctxt, instance):
        seen.update(cloud.cell_db.instance_get(instance['uuid']))
    cloud.manager.stop_instance = stop_instance
    status, _body = cloud.action(server['uuid'], {'os-stop': None})
    assert status == 202
    assert seen['task_state'] == states.POWERING_OFF
    overdue = cloud.cell_db.instance_get_overdue(
        utils.utcnow().replace(year=2100))
    assert [i['uuid'] for i in overdue] == [server['uuid']]


@pytest.mark.parametrize('reboot_type, task_state', [
    ('SOFT', states.REBOOTING), ('HARD', states.REBOOTING_HARD)])
def test_reboot(cloud, reboot_type, task_state):
    server = cloud.server()
    seen = []
    driver_reboot = cloud.manager.driver.reboot

    def reboot(ctxt, instance, network_info, kind):
        seen.append((instance['task_state'], kind))
        return driver_reboot(ctxt, instance, network_info, kind)
    cloud.manager.driver.reboot = reboot
    status, _body = cloud.action(server['uuid'],
                                 {'reboot': {'type': reboot_type.lower()}})
    assert status == 202
    cloud.wait()
    assert seen == [(task_state, reboot_type)]
    inst = cloud.instance(server['uuid'])
    assert (inst['vm_state'], inst['task_state']) == (states.ACTIVE, None)


def test_soft_reboot_of_stopped_server_is_409_hard_is_not(cloud):
    server = cloud.server()
    cloud.action(server['uuid'], {'os-stop': None})
    cloud.wait()
    status, body = cloud.action(server['uuid'], {'reboot': {'type': 'SOFT'}})
    assert status == 409
    status, _body = cloud.action(server['uuid'],
                                 {'reboot': {'type': 'HARD'}})
    assert status == 202
    cloud.wait()
    assert cloud.instance(server['uuid'])['vm_state'] == states.ACTIVE


def test_power_action_during_another_task_is_409(cloud):
    server = cloud.server()
    cloud.cell_db.instance_update(server['uuid'],
                                  {'task_state': states.POWERING_OFF})
    status, body = cloud.action(server['uuid'], {'os-stop': None})
    assert status == 409
    assert 'task_state powering-off' in (
        body['conflictingRequest']['message'])
    assert cloud.compute_rpc.calls == []


def test_locked_server_refuses_power_actions_for_users(cloud):
    server = cloud.server()
    cloud.cell_db.instance_update(server['uuid'], {'locked': True})
    status, body = cloud.action(server['uuid'], {'os-stop': None})
    assert status == 409
    assert 'locked' in body['conflictingRequest']['message']
    assert cloud.instance(server['uuid'])['task_state'] is None


def test_scheduler_heartbeat_lists_it_among_services(cloud, tmp_path):
    from nube.scheduler import manager as scheduler_manager
    (tmp_path / 'cell0').mkdir()
    cell0_db = fakes.make_cell_db(tmp_path / 'cell0')
    cell0_url = 'sqlite:///%s' % (tmp_path / 'cell0' / 'cell.db')
    cloud.api_db.cell_mapping_create('cell0', 'none:///', cell0_url,
                                     uuid=targeting.CELL0_UUID)
    targeting._databases[cell0_url] = cell0_db
    targeting.get_cells(refresh=True)
    scheduler_manager.SchedulerManager()._heartbeat(None)
    services = host_api.HostAPI().service_get_all(None)
    scheduler = [s for s in services if s['binary'] == 'nube-scheduler']
    assert len(scheduler) == 1
    assert scheduler[0]['availability_zone'] == 'internal'
    assert scheduler[0]['cell_name'] == 'cell0'


@pytest.mark.parametrize('search_opts, expected', [
    ({'deleted': True}, ['gone']),
    ({'deleted': False}, ['kept']),
    ({'changes-since': datetime.datetime(2000, 1, 1)}, ['gone', 'kept']),
    ({'deleted': True, 'changes-since': datetime.datetime(2000, 1, 1)},
     ['gone']),
])
def test_get_all_deleted_filter(cloud, search_opts, expected):
    """deleted=True lists only deleted servers, as Nova does (openstack
    server list --deleted); changes-since alone lists both."""
    from nube import context
    kept = cloud.server()
    gone = cloud.server()
    cloud.cell_db.instance_destroy(gone['uuid'])
    names = {kept['uuid']: 'kept', gone['uuid']: 'gone'}
    ctxt = context.RequestContext(user_id='u1', project_id='p1',
                                  is_admin=True)
    found = cloud.facade.get_all(ctxt, dict(search_opts))
    assert sorted(names[s['uuid']] for s in found) == expected


@pytest.mark.parametrize('first_read', ['build_requests', 'cells'])
def test_get_all_lists_a_server_handed_over_mid_listing(
        cloud, monkeypatch, first_read):
    """A server the scheduler hands to its cell while a listing runs is
    listed once, whichever of the two reads the hand-over lands after
    (Tempest's multiple-create test lists right after the POST)."""
    from nube import context
    node = cloud.cell_db.compute_nodes_get_by_host(HOST)[0]
    inst = fakes.claim_instance(cloud.cell_db, node)
    cloud.api_db.build_create([{'instance': inst, 'spec': {}}])
    handed_over = []

    def hand_over():
        if not handed_over:
            assert cloud.api_db.build_request_complete(inst['uuid'],
                                                       cloud.cell['id'])
            handed_over.append(True)

    real_requests = cloud.api_db.build_request_get_all
    real_cell = cloud.cell_db.instance_get_all

    def build_requests(*args, **kwargs):
        rows = real_requests(*args, **kwargs)
        if first_read == 'build_requests':
            hand_over()
        return rows

    def cell_rows(*args, **kwargs):
        rows = real_cell(*args, **kwargs)
        if not handed_over:
            # Before the hand-over the cell's row is not there yet.
            rows = [r for r in rows if r['uuid'] != inst['uuid']]
        if first_read == 'cells':
            hand_over()
        return rows

    monkeypatch.setattr(cloud.api_db, 'build_request_get_all',
                        build_requests)
    monkeypatch.setattr(cloud.cell_db, 'instance_get_all', cell_rows)
    ctxt = context.RequestContext(user_id='u1', project_id='p1')
    found = cloud.facade.get_all(ctxt, {})
    assert handed_over
    assert [s['uuid'] for s in found] == [inst['uuid']]
    # Seen in both reads: the cell's row (it knows the host) is listed.
    if first_read == 'build_requests':
        assert found[0].get('cell_name') == 'cell1'
