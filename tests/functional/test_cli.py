"""The `nube` console script as a user runs it: a subprocess against a
whole cloud (keystone_cloud.KeystoneCloud: identity, image API and
registry, compute API, scheduler, conductor, one compute), configured by
OS_* variables, clouds.yaml (--os-cloud) or --os-* flags alone.

Checks what scripts rely on: JSON output, exit codes (3 not found,
2 usage), image bytes surviving an upload/download round trip, --wait.
"""

import json
import os
import subprocess

import pytest

from tests.functional import fixtures
from tests.functional import keystone_cloud

IMAGE_BYTES = os.urandom(3 * 1024 * 1024 + 17)


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    with keystone_cloud.running(request, tmp_path_factory.mktemp('cli'),
                                'cli-host') as c:
        yield c


def _clean_env():
    """The environment without any OS_* variable of the caller."""
    return {k: v for k, v in os.environ.items() if not k.startswith('OS_')}


@pytest.fixture(scope='module')
def admin_env(cloud):
    return dict(_clean_env(), OS_AUTH_URL=cloud.auth_url,
                OS_USERNAME='admin',
                OS_PASSWORD=keystone_cloud.ADMIN_PASSWORD,
                OS_PROJECT_NAME='admin', OS_USER_DOMAIN_NAME='Default',
                OS_PROJECT_DOMAIN_NAME='Default',
                OS_REGION_NAME=keystone_cloud.REGION, OS_INTERFACE='public')


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr.decode('utf-8', 'replace')

    @property
    def text(self):
        return self.out.decode('utf-8')

    @property
    def json(self):
        return json.loads(self.out)


def nube(env, *argv, timeout=180):
    proc = subprocess.run([fixtures.script_path('nube')] + list(argv),
                          env=env, capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    return Result(proc)


def ok(env, *argv, **kwargs):
    result = nube(env, *argv, **kwargs)
    assert result.code == 0, (argv, result.code, result.err)
    return result


@pytest.fixture(scope='module')
def flavor(admin_env):
    body = ok(admin_env, 'flavor', 'create', 'cli.tiny', '--id', 'cli1',
              '--ram', '64', '--vcpus', '1', '--disk', '1', '-f',
              'json').json
    assert body['name'] == 'cli.tiny' and body['ram'] == 64
    return body['id']


@pytest.fixture(scope='module')
def image(admin_env, tmp_path_factory):
    path = tmp_path_factory.mktemp('cli-img') / 'disk.raw'
    path.write_bytes(IMAGE_BYTES)
    result = ok(admin_env, '--progress', 'image', 'create', 'cli-image',
                '--file', str(path), '--disk-format', 'raw',
                '--container-format', 'bare', '--property', 'purpose=cli',
                '-f', 'json')
    body = result.json
    assert body['status'] == 'active'
    assert body['size'] == len(IMAGE_BYTES)
    assert body['purpose'] == 'cli'
    # Forced progress bar: on stderr, never mixed into the JSON.
    assert 'Uploading cli-image' in result.err and '100%' in result.err
    return body['id']


def test_flavor_create_and_list(admin_env, flavor):
    rows = ok(admin_env, 'flavor', 'list', '-f', 'json').json
    mine = [r for r in rows if r['ID'] == flavor]
    assert mine == [{'ID': 'cli1', 'Name': 'cli.tiny', 'RAM': 64,
                     'Disk': 1, 'Ephemeral': 0, 'VCPUs': 1,
                     'Is Public': True}]
    table = ok(admin_env, 'flavor', 'list').text
    assert '| cli1 ' in table and 'cli.tiny' in table
    assert ok(admin_env, 'flavor', 'show', 'cli.tiny', '-c', 'vcpus',
              '-f', 'value').text == '1\n'


def test_image_download_round_trip(admin_env, image, tmp_path):
    dest = tmp_path / 'copy.raw'
    result = ok(admin_env, 'image', 'download', 'cli-image', '--file',
                str(dest))
    assert dest.read_bytes() == IMAGE_BYTES
    assert result.err == ''   # stderr is a pipe: no progress bar
    to_stdout = ok(admin_env, 'image', 'download', image)
    assert to_stdout.out == IMAGE_BYTES
    rows = ok(admin_env, 'image', 'list', '--long', '-f', 'json').json
    (row,) = [r for r in rows if r['ID'] == image]
    assert row['Size'] == len(IMAGE_BYTES) and row['Status'] == 'active'


def test_image_set_and_delete(admin_env):
    body = ok(admin_env, 'image', 'create', 'cli-empty', '-f', 'json').json
    assert body['status'] == 'queued'
    ok(admin_env, 'image', 'set', body['id'], '--property', 'color=blue',
       '--min-ram', '32')
    shown = ok(admin_env, 'image', 'show', body['id'], '-f', 'json').json
    assert shown['color'] == 'blue' and shown['min_ram'] == 32
    ok(admin_env, 'image', 'delete', 'cli-empty')
    assert nube(admin_env, 'image', 'show', body['id']).code == 3


def test_server_lifecycle(admin_env, image, flavor):
    created = ok(admin_env, '--progress', 'server', 'create', 'cli-vm',
                 '--image', 'cli-image', '--flavor', 'cli.tiny',
                 '--no-network', '--property', 'owner=cli', '--wait',
                 '--timeout', '120', '-f', 'json')
    server = created.json
    assert server['status'] == 'ACTIVE', created.err
    assert server['metadata'] == {'owner': 'cli'}
    assert 'Creating cli-vm' in created.err
    server_id = server['id']

    rows = ok(admin_env, 'server', 'list', '-f', 'json').json
    (row,) = [r for r in rows if r['ID'] == server_id]
    assert row['Name'] == 'cli-vm' and row['Status'] == 'ACTIVE'
    assert row['Image'] == image and row['Flavor'] == 'cli.tiny'

    assert ok(admin_env, 'server', 'show', 'cli-vm', '-c', 'status',
              '-f', 'value').text == 'ACTIVE\n'
    shown = ok(admin_env, 'server', 'show', server_id, '-f', 'json').json
    assert shown['id'] == server_id and 'links' not in shown

    log = nube(admin_env, 'server', 'console-log', 'cli-vm', '--lines', '5')
    assert log.code == 0, log.err

    ok(admin_env, 'server', 'delete', 'cli-vm', '--wait', '--timeout', '120')
    gone = nube(admin_env, 'server', 'show', server_id)
    assert gone.code == 3
    assert 'nube: error:' in gone.err and 'HTTP 404' in gone.err
    assert 'Request-ID: req-' in gone.err


def test_not_found_and_usage_exit_codes(admin_env):
    for argv in (('server', 'show', 'no-such-server'),
                 ('flavor', 'show', 'no-such-flavor'),
                 ('image', 'show', 'no-such-image'),
                 ('server', 'delete', 'no-such-server')):
        result = nube(admin_env, *argv)
        assert result.code == 3, (argv, result.code, result.err)
        assert 'no-such' in result.err
    usage = nube(admin_env, 'server', 'create', 'x', '--flavor', 'f')
    assert usage.code == 2 and 'usage:' in usage.err
    column = nube(admin_env, 'flavor', 'list', '-c', 'Nope')
    assert column.code == 2


def test_api_error_exit_1_with_request_id(admin_env, flavor):
    # A second flavor with the same id: 409 from the compute API.
    dup = nube(admin_env, 'flavor', 'create', 'cli.dup', '--id', flavor,
               '--ram', '64')
    assert dup.code == 1, dup.err
    assert 'HTTP 409' in dup.err and 'Request-ID: req-' in dup.err


def test_clouds_yaml_as_member(cloud, admin_env, flavor, tmp_path):
    cloud.project('cli-project')
    cloud.actor('cli-member', 'cli-project', 'member')
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text(json.dumps({'clouds': {'cli-test': {
        'auth': {'auth_url': cloud.auth_url, 'username': 'cli-member',
                 'password': 'cli-member-pw', 'project_name': 'cli-project',
                 'user_domain_name': 'Default',
                 'project_domain_name': 'Default'},
        'region_name': keystone_cloud.REGION}}}))
    env = dict(_clean_env(), OS_CLIENT_CONFIG_FILE=str(clouds))
    rows = ok(env, '--os-cloud', 'cli-test', 'flavor', 'list',
              '-f', 'json').json
    assert flavor in [r['ID'] for r in rows]
    # The member sees no server of the admin's project.
    assert ok(env, '--os-cloud', 'cli-test', 'server', 'list',
              '-f', 'json').json == []
    # A wrong password given as a flag beats clouds.yaml: 401, exit 1.
    bad = nube(env, '--os-cloud', 'cli-test', '--os-password', 'wrong',
               'flavor', 'list')
    assert bad.code == 1 and '401' in bad.err
    missing = nube(env, '--os-cloud', 'no-such-cloud', 'flavor', 'list')
    assert missing.code == 2 and 'no-such-cloud' in missing.err


def test_flags_only(cloud):
    result = ok(_clean_env(), '--os-auth-url', cloud.auth_url,
                '--os-username', 'admin', '--os-password',
                keystone_cloud.ADMIN_PASSWORD, '--os-project-name', 'admin',
                '--os-user-domain-name', 'Default',
                '--os-project-domain-name', 'Default',
                '--os-region-name', keystone_cloud.REGION,
                'availability-zone', 'list', '-f', 'json')
    assert {'Zone Name': 'nova', 'Zone Status': 'available'} in result.json


def test_admin_listings_and_versions(admin_env):
    hvs = ok(admin_env, 'hypervisor', 'list', '-f', 'json').json
    assert [h['State'] for h in hvs] == ['up']
    services = ok(admin_env, 'service', 'list', '-f', 'json').json
    assert 'nube-compute' in {s['Binary'] for s in services}
    versions = ok(admin_env, 'versions', '-f', 'json').json
    services = {v['Service'] for v in versions}
    assert services == {'compute', 'image'}
    (compute,) = [v for v in versions if v['Service'] == 'compute']
    assert compute['Version'] == 'v2.1' and compute['Max Microversion']
