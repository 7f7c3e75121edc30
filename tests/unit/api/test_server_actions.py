"""POST /servers/{id}/action against a stand-in facade: parsing, schemas,
error mapping. The real facade is in tests/unit/compute/test_api_actions.py.
"""

import pytest

from nube import exception
from tests.unit.api import fakes


class ActionComputeAPI(fakes.FakeComputeAPI):
    """FakeComputeAPI plus the server actions, recorded."""

    console = 'one\ntwo\r\nthree\x07\tend\n'
    action_error = None

    def _server(self, ctxt, server_id):
        instance = self.instances.get(server_id)
        if instance is None or instance['project_id'] != ctxt.project_id:
            raise exception.InstanceNotFound(instance_id=server_id)
        if self.action_error is not None:
            raise self.action_error
        return instance

    def get_console_output(self, ctxt, server_id, length=None):
        self.calls.append(('get_console_output', server_id, length))
        self._server(ctxt, server_id)
        return self.console

    def stop(self, ctxt, server_id):
        self.calls.append(('stop', server_id))
        self._server(ctxt, server_id)

    def start(self, ctxt, server_id):
        self.calls.append(('start', server_id))
        self._server(ctxt, server_id)

    def reboot(self, ctxt, server_id, reboot_type):
        self.calls.append(('reboot', server_id, reboot_type))
        self._server(ctxt, server_id)


@pytest.fixture
def compute_api():
    return ActionComputeAPI()


def _action(call, server_id, body, **kwargs):
    return call('POST', '/v2.1/servers/%s/action' % server_id, body,
                **kwargs)


def test_console_output_strips_control_characters(call, compute_api):
    server = compute_api.add()
    result = _action(call, server['uuid'], {'os-getConsoleOutput': {}})
    assert result.status == 200
    assert result.body == {'output': 'one\ntwo\nthree\tend\n'}
    assert compute_api.last('get_console_output') == (
        'get_console_output', server['uuid'], None)


@pytest.mark.parametrize('length, passed', [
    (5, 5), ('7', 7), (0, 0), (-1, None), ('-1', None), (None, None)])
def test_console_output_length(call, compute_api, length, passed):
    server = compute_api.add()
    result = _action(call, server['uuid'],
                     {'os-getConsoleOutput': {'length': length}})
    assert result.status == 200
    assert compute_api.last('get_console_output')[2] == passed


def test_console_output_on_project_url_and_legacy_v2(call, compute_api):
    server = compute_api.add()
    for prefix in ('/v2.1/demo', '/v2'):
        result = call('POST', '%s/servers/%s/action' % (prefix,
                                                        server['uuid']),
                      {'os-getConsoleOutput': {'length': 1}})
        assert result.status == 200, prefix
        assert 'output' in result.body


@pytest.mark.parametrize('body, fragment', [
    ({'os-getConsoleOutput': {'length': -2}}, 'minimum of -1'),
    ({'os-getConsoleOutput': {'length': '-2'}}, 'minimum of -1'),
    ({'os-getConsoleOutput': {'length': 'ten'}}, 'length'),
    ({'os-getConsoleOutput': {'length': 1.5}}, 'length'),
    ({'os-getConsoleOutput': {'lines': 3}}, 'lines'),
    ({'os-getConsoleOutput': 'all'}, 'os-getConsoleOutput'),
    ({'reboot': {}}, 'type'),
    ({'reboot': {'type': 'WARM'}}, 'type'),
    ({'reboot': {'type': 'SOFT', 'force': True}}, 'force'),
])
def test_schema_errors_are_400(call, compute_api, body, fragment):
    server = compute_api.add()
    result = _action(call, server['uuid'], body)
    assert result.status == 400
    assert fragment in result.body['badRequest']['message']
    assert [c for c in compute_api.calls if c[0] != 'get'] == []


def test_unknown_action_is_400(call, compute_api):
    server = compute_api.add()
    result = _action(call, server['uuid'], {'os-frobnicate': None})
    assert result.status == 400
    assert result.body['badRequest']['message'] == (
        'There is no such action: os-frobnicate')


@pytest.mark.parametrize('body', [
    {}, {'os-stop': None, 'os-start': None}, ['os-stop'], 'os-stop'])
def test_malformed_bodies_are_400(call, compute_api, body):
    server = compute_api.add()
    result = _action(call, server['uuid'], body)
    assert result.status == 400
    assert result.body['badRequest']['message'] == 'Malformed request body'


@pytest.mark.parametrize('action', [
    'os-stop', 'os-start', 'forceDelete', 'restore', 'lock', 'unlock'])
@pytest.mark.parametrize('value', [[1, 2], 'now', 3, True])
def test_argument_free_actions_take_null_or_an_object(call, compute_api,
                                                      action, value):
    server = compute_api.add()
    result = _action(call, server['uuid'], {action: value})
    assert result.status == 400
    assert [c for c in compute_api.calls if c[0] != 'get'] == []
    for fine in (None, {}):
        assert _action(call, server['uuid'],
                       {action: fine}).status != 400


def test_missing_body_is_400(call, compute_api):
    server = compute_api.add()
    result = call('POST', '/v2.1/servers/%s/action' % server['uuid'])
    assert result.status == 400


def test_other_projects_server_is_404(call, compute_api):
    server = compute_api.add(project_id='demo')
    result = _action(call, server['uuid'], {'os-getConsoleOutput': {}},
                     token='mallory:evil')
    assert result.status == 404
    assert 'itemNotFound' in result.body


def test_not_ready_is_409(call, compute_api):
    server = compute_api.add()
    compute_api.action_error = exception.InstanceNotReady(
        instance_id=server['uuid'])
    result = _action(call, server['uuid'], {'os-getConsoleOutput': {}})
    assert result.status == 409
    assert result.body['conflictingRequest']['message'] == (
        'Instance %s is not ready' % server['uuid'])


def test_action_route_is_post_only(call, compute_api):
    server = compute_api.add()
    result = call('GET', '/v2.1/servers/%s/action' % server['uuid'])
    assert result.status == 405
    assert result.headers['Allow'] == 'POST'


@pytest.mark.parametrize('body, expected', [
    ({'os-stop': None}, ('stop',)),
    ({'os-start': None}, ('start',)),
    ({'reboot': {'type': 'soft'}}, ('reboot', 'SOFT')),
    ({'reboot': {'type': 'Hard'}}, ('reboot', 'HARD')),
])
def test_power_actions_are_202(call, compute_api, body, expected):
    server = compute_api.add()
    result = _action(call, server['uuid'], body)
    assert result.status == 202
    assert result.response.body == b''
    name = expected[0]
    assert compute_api.last(name) == (name, server['uuid']) + expected[1:]


def test_power_action_conflict_is_409(call, compute_api):
    server = compute_api.add()
    compute_api.action_error = exception.InstanceInvalidState(
        action='start', instance_uuid=server['uuid'], attr='vm_state',
        state='active')
    result = _action(call, server['uuid'], {'os-start': None})
    assert result.status == 409
    assert "Cannot 'start' instance" in (
        result.body['conflictingRequest']['message'])


def test_force_delete_deletes_and_unknown_server_is_404(call, compute_api):
    # Nova without deferred delete: forceDelete is a delete.
    server = compute_api.add()
    result = _action(call, server['uuid'], {'forceDelete': None})
    assert result.status == 202
    assert compute_api.last('delete') == ('delete', server['uuid'])
    result = _action(call, server['uuid'], {'forceDelete': None})
    assert result.status == 404


def test_restore_is_409_or_404(call, compute_api):
    # Nothing is soft-deleted: restore of a live server conflicts.
    server = compute_api.add()
    result = _action(call, server['uuid'], {'restore': None})
    assert result.status == 409
    assert "Cannot 'restore' instance" in (
        result.body['conflictingRequest']['message'])
    result = _action(call, '9c6d38cc-fcfb-437a-85b9-7b788af8bf01',
                     {'restore': None})
    assert result.status == 404
