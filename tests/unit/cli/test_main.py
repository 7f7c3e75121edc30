"""Global behaviour: exit codes, error output, auth options, misc lists.
The client is the fake of fakes.py (a mock of nube.client.Client)."""

import argparse
import io
import json

from keystoneauth1 import exceptions as ksa_exc
import pytest

from nube.cli import auth
from nube.cli import errors
from nube.cli import main as cli_main
from nube.client import exceptions


def _failing(exc):
    def factory(args):
        raise exc
    return factory


@pytest.mark.parametrize('exc,code', [
    (exceptions.Conflict('busy', request_id='req-1'), errors.ERROR),
    (exceptions.ServerError('boom'), errors.ERROR),
    (exceptions.ConnectionFailed('no route'), errors.ERROR),
    (exceptions.Unauthorized('bad password'), errors.ERROR),
    (exceptions.NotFound('gone'), errors.NOT_FOUND),
    (exceptions.NotFoundByName('no such name'), errors.NOT_FOUND),
    (exceptions.Timeout('slow'), errors.TIMEOUT),
    (exceptions.ResourceInErrorState('broken'), errors.RESOURCE_ERROR),
    (exceptions.ChecksumMismatch('bad bytes'), errors.CHECKSUM),
    (exceptions.ConfigError('no cloud'), errors.USAGE),
    (ksa_exc.MissingRequiredOptions([]), errors.USAGE),
    (ksa_exc.NotFound(), errors.NOT_FOUND),
    (ksa_exc.ConnectFailure('refused'), errors.ERROR),
])
def test_exit_codes(exc, code, capsys):
    rc = cli_main.main(['flavor', 'list'], client_factory=_failing(exc))
    assert rc == code
    err = capsys.readouterr().err
    assert err.startswith('nube: error: ')
    assert 'Traceback' not in err


def test_api_error_message_has_request_id(capsys):
    exc = exceptions.Conflict('Cannot stop while building', http_status=409,
                              request_id='req-abc')
    assert cli_main.main(['server', 'list'],
                         client_factory=_failing(exc)) == errors.ERROR
    err = capsys.readouterr().err
    assert 'Cannot stop while building' in err and 'req-abc' in err


def test_request_id_added_when_str_lacks_it():
    class Odd(exceptions.ClientException):
        def __str__(self):
            return 'odd'
    assert errors.message(Odd('x', request_id='req-9')) == \
        'odd (Request-ID: req-9)'


def test_unexpected_exception_shows_traceback(capsys):
    rc = cli_main.main(['flavor', 'list'],
                       client_factory=_failing(RuntimeError('bug')))
    assert rc == errors.ERROR
    assert 'Traceback' in capsys.readouterr().err


def test_keyboard_interrupt(capsys):
    rc = cli_main.main(['flavor', 'list'],
                       client_factory=_failing(KeyboardInterrupt()))
    assert rc == errors.INTERRUPTED


@pytest.mark.parametrize('argv', [
    [], ['server'], ['server', 'frob'], ['flavor', 'list', '-f', 'xml'],
    ['flavor', 'create'], ['image', 'create', 'x', '--disk-format', 'zip'],
])
def test_usage_errors_exit_2(argv, capsys):
    assert cli_main.main(argv, client_factory=_failing(AssertionError(
        'no client for usage errors'))) == errors.USAGE
    assert 'usage:' in capsys.readouterr().err


def test_unknown_column_exit_2(nube):
    run = nube('server', 'list', '-c', 'Nope')
    assert run.code == errors.USAGE
    assert "unknown column 'Nope'" in run.stderr


def test_help_and_version_exit_0(capsys):
    assert cli_main.main(['--help']) == 0
    out = capsys.readouterr().out
    assert 'OS_AUTH_URL' in out and 'Exit codes' in out
    assert cli_main.main(['--version']) == 0
    assert capsys.readouterr().out.startswith('nube ')


def test_overrides_only_given_flags():
    parser = cli_main.build_parser()
    args = parser.parse_args([
        '--os-cloud', 'c1', '--os-username', 'u', '--os-password', 'p',
        '--os-region-name', 'R', '--os-compute-api-version', '2.47',
        '--insecure', 'versions'])
    assert args.os_cloud == 'c1'
    assert auth.overrides(args) == {
        'username': 'u', 'password': 'p', 'region_name': 'R',
        'compute_api_version': '2.47', 'verify': False}
    assert auth.overrides(parser.parse_args(['versions'])) == {}


def test_make_client_uses_from_cloud(monkeypatch):
    seen = {}

    class Client:
        @classmethod
        def from_cloud(cls, cloud_name=None, env=None, **overrides):
            seen.update(cloud=cloud_name, env=env, **overrides)
            return 'client'

    import nube.client
    monkeypatch.setattr(nube.client, 'Client', Client, raising=False)
    monkeypatch.setenv('OS_USERNAME', 'from-env')
    monkeypatch.setenv('OS_AUTH_URL', 'http://env/v3')
    args = argparse.Namespace(os_cloud='mine', os_auth_url='http://k/v3')
    assert auth.make_client(args) == 'client'
    env = seen.pop('env')
    assert seen == {'cloud': 'mine', 'auth_url': 'http://k/v3'}
    # The flag wins over its variable; other variables stay.
    assert env['OS_AUTH_URL'] == 'http://k/v3'
    assert env['OS_USERNAME'] == 'from-env'


def test_hypervisor_service_az_versions(nube, client):
    rows = json.loads(nube('hypervisor', 'list', '--long',
                           '-f', 'json').stdout)
    assert rows[0]['Hypervisor Hostname'] == 'node1'
    assert rows[0]['vCPUs'] == 2
    rows = json.loads(nube('service', 'list', '--service', 'nube-compute',
                           '-f', 'json').stdout)
    assert rows[0]['Binary'] == 'nube-compute' and rows[0]['State'] == 'up'
    assert client.calls[-1] == ('service.list', (), {
        'binary': 'nube-compute', 'host': None})
    assert nube('availability-zone', 'list', '-f', 'value').stdout == \
        'nova available\n'
    rows = json.loads(nube('availability-zone', 'list', '--long',
                           '-f', 'json').stdout)
    assert rows[0]['Host Name'] == 'host1'
    assert rows[0]['Service Status'] == 'enabled :-)'
    rows = json.loads(nube('versions', '-f', 'json').stdout)
    assert rows[0] == {'Service': 'compute', 'Version': 'v2.1',
                       'Status': 'CURRENT', 'Min Microversion': '2.1',
                       'Max Microversion': '2.100', 'Negotiated': '2.100',
                       'Endpoint': 'http://c/v2.1'}
    assert [(r['Service'], r['Version'], r['Endpoint'])
            for r in rows[1:]] == [('image', 'v2.16', 'http://i'),
                                   ('image', 'v2.15', 'http://i')]


def test_broken_pipe_is_quiet(client):
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError()

        def flush(self):
            raise BrokenPipeError()
    err = io.StringIO()
    rc = cli_main.main(['server', 'list'], client_factory=lambda a: client,
                       stdout=Closed(), stderr=err)
    assert rc == errors.ERROR
    assert err.getvalue() == ''
