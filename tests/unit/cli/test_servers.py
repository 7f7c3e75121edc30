"""`nube server ...` against the fake client (a mock; see fakes.py)."""

import json

from nube.cli import errors
from tests.unit.cli import fakes


def _calls(client, name):
    return [c for c in client.calls if c[0] == name]


def test_create_passes_options(nube, client, tmp_path):
    user_data = tmp_path / 'ud'
    user_data.write_bytes(b'#!/bin/sh\n')
    run = nube('server', 'create', 'web2', '--image', 'cirros', '--flavor',
               'm1.tiny', '--no-network', '--min', '2', '--max', '3',
               '--availability-zone', 'az1', '--property', 'a=1',
               '--property', 'b=2', '--key-name', 'k',
               '--user-data', str(user_data), '-f', 'json')
    assert run.code == errors.OK, run.stderr
    (_, args, kwargs), = _calls(client, 'server.create')
    assert args == ('web2', 'cirros', 'm1.tiny')
    assert kwargs == dict(wait=False, timeout=600, networks='none',
                          min_count=2, max_count=3,
                          availability_zone='az1',
                          metadata={'a': '1', 'b': '2'}, key_name='k',
                          user_data=b'#!/bin/sh\n')
    assert json.loads(run.stdout)['name'] == 'web2'


def test_create_networks(nube, client):
    assert nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
                '--network', 'n1', '--network', 'n2').code == 0
    assert nube('server', 'create', 's', '--image', 'i', '--flavor',
                'f').code == 0
    first, second = _calls(client, 'server.create')
    assert first[2]['networks'] == [{'uuid': 'n1'}, {'uuid': 'n2'}]
    assert second[2]['networks'] == 'auto'
    assert second[2]['metadata'] is None


def test_create_usage_errors(nube, client, capsys):
    assert nube('server', 'create', 's', '--flavor', 'f').code == \
        errors.USAGE
    assert '--image' in capsys.readouterr().err
    assert nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
                '--network', 'n', '--no-network').code == errors.USAGE
    assert nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
                '--min', '3', '--max', '2').code == errors.USAGE
    assert nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
                '--property', 'novalue').code == errors.USAGE
    assert not _calls(client, 'server.create')


def test_create_wait_draws_progress_when_forced(nube, client):
    run = nube('--progress', 'server', 'create', 's', '--image', 'i',
               '--flavor', 'f', '--wait', '--timeout', '30', '-c', 'status',
               '-f', 'value')
    assert run.code == errors.OK
    assert run.stdout == 'ACTIVE\n'
    assert _calls(client, 'server.create')[0][2]['timeout'] == 30
    assert 'Creating s' in run.stderr and '100%' in run.stderr
    assert run.stderr.endswith('\n')


def test_no_progress_on_a_pipe_by_default(nube):
    run = nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
               '--wait')
    assert run.code == errors.OK
    assert run.stderr == ''


def test_progress_on_a_tty(nube):
    tty = fakes.TTYStringIO()
    nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
         '--wait', stderr=tty)
    assert 'Creating s' in tty.getvalue()
    tty = fakes.TTYStringIO()
    nube('--no-progress', 'server', 'create', 's', '--image', 'i',
         '--flavor', 'f', '--wait', stderr=tty)
    assert tty.getvalue() == ''


def test_create_wait_error_exits_5(nube, client):
    client.servers.wait_outcome = 'ERROR'
    run = nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
               '--wait')
    assert run.code == errors.RESOURCE_ERROR
    assert 'No valid host' in run.stderr
    assert run.stdout == ''


def test_create_wait_timeout_exits_4(nube, client):
    client.servers.wait_outcome = 'TIMEOUT'
    run = nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
               '--wait')
    assert run.code == errors.TIMEOUT
    assert 'Timed out' in run.stderr


def test_list_table_and_json(nube, client):
    run = nube('server', 'list')
    assert run.code == 0
    header = run.stdout.splitlines()[1]
    assert [h.strip() for h in header.split('|')[1:-1]] == [
        'ID', 'Name', 'Status', 'Networks', 'Image', 'Flavor']
    assert 'private=10.0.0.3' in run.stdout
    assert 'm1.tiny' in run.stdout
    data = json.loads(nube('server', 'list', '-f', 'json').stdout)
    assert data == [{'ID': fakes.SERVER_ID, 'Name': 'web1',
                     'Status': 'ACTIVE',
                     'Networks': {'private': ['10.0.0.3']},
                     'Image': fakes.IMAGE_ID, 'Flavor': 'm1.tiny'}]


def test_list_long_and_filters(nube, client):
    run = nube('server', 'list', '--long', '--status', 'ACTIVE',
               '--all-projects', '--name', 'web', '-f', 'json')
    row = json.loads(run.stdout)[0]
    assert row['Power State'] == 'Running'
    assert row['Host'] == 'host1'
    assert row['Properties'] == {'role': 'web'}
    (_, _, kwargs), = _calls(client, 'server.list')
    assert kwargs == {'detailed': True, 'status': 'ACTIVE',
                      'all_tenants': True, 'name': 'web'}


def test_show_formats_and_drops_links(nube):
    run = nube('server', 'show', 'web1')
    assert run.code == 0
    assert 'links' not in run.stdout
    assert 'private=10.0.0.3' in run.stdout
    assert 'm1.tiny' in run.stdout
    data = json.loads(nube('server', 'show', 'web1', '-f', 'json').stdout)
    assert data['addresses']['private'][0]['addr'] == '10.0.0.3'
    assert data['OS-EXT-STS:power_state'] == 1


def test_show_not_found_exits_3_with_request_id(nube):
    run = nube('server', 'show', 'ghost')
    assert run.code == errors.NOT_FOUND
    assert "No server with a name or ID of 'ghost'" in run.stderr
    assert 'req-fake-404' in run.stderr
    assert 'Traceback' not in run.stderr
    assert run.stdout == ''


def test_delete_keeps_going_and_reports_first_failure(nube, client):
    run = nube('server', 'delete', 'ghost', 'web1', '--wait')
    assert run.code == errors.NOT_FOUND
    (_, args, kwargs), = _calls(client, 'server.delete')
    assert args == (fakes.SERVER_ID,) and kwargs['wait'] is True
    assert client.servers.items == []
    assert '1 of 2 servers failed' in run.stderr


def test_delete_wait_timeout(nube, client):
    client.servers.wait_outcome = 'TIMEOUT'
    assert nube('server', 'delete', 'web1', '--wait').code == \
        errors.TIMEOUT


def test_actions(nube, client):
    assert nube('server', 'stop', 'web1', '--wait').code == 0
    assert nube('server', 'start', 'web1').code == 0
    assert nube('server', 'reboot', 'web1', '--hard').code == 0
    names = [c[0] for c in client.calls if c[0] != 'server.get']
    assert names == ['server.stop', 'server.wait_for_status',
                     'server.start', 'server.reboot']
    assert _calls(client, 'server.wait_for_status')[0][2]['status'] == \
        'SHUTOFF'
    assert _calls(client, 'server.reboot')[0][2] == {'hard': True}


def test_console_log(nube, client):
    run = nube('server', 'console-log', 'web1', '--lines', '5')
    assert run.stdout == 'line1\nline2\n'
    assert _calls(client, 'server.console_output')[0][2] == {'length': 5}


def test_progress_flags_after_the_action(nube):
    run = nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
               '--wait', '--progress')
    assert 'Creating s' in run.stderr
    tty = fakes.TTYStringIO()
    nube('server', 'create', 's', '--image', 'i', '--flavor', 'f',
         '--wait', '--no-progress', stderr=tty)
    assert tty.getvalue() == ''
    # Absent after the action: the global flag still counts.
    run = nube('--progress', 'server', 'delete', 'web1', '--wait')
    assert 'Deleting web1' in run.stderr
