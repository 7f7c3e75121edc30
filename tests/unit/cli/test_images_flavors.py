"""`nube image|flavor ...` against the fake client (a mock; fakes.py)."""

import io
import json

from nube.cli import common
from nube.cli import errors
from tests.unit.cli import fakes


def _calls(client, name):
    return [c for c in client.calls if c[0] == name]


def test_flavor_create(nube, client):
    run = nube('flavor', 'create', 'small', '--ram', '64', '--disk', '1',
               '--vcpus', '2', '--id', 'f1', '--private', '-f', 'json')
    assert run.code == 0, run.stderr
    (_, args, kwargs), = _calls(client, 'flavor.create')
    assert args == ('small',)
    assert kwargs == dict(ram=64, vcpus=2, disk=1, flavorid='f1',
                          ephemeral=0, swap=0, is_public=False)
    body = json.loads(run.stdout)
    assert body['id'] == 'f1' and 'links' not in body


def test_flavor_list_and_visibility_filters(nube, client):
    run = nube('flavor', 'list', '-f', 'json')
    assert json.loads(run.stdout) == [{
        'ID': '1', 'Name': 'm1.tiny', 'RAM': 512, 'Disk': 1,
        'Ephemeral': 0, 'VCPUs': 1, 'Is Public': True}]
    nube('flavor', 'list', '--all')
    nube('flavor', 'list', '--private', '--long')
    publics = [c[2]['is_public'] for c in _calls(client, 'flavor.list')]
    assert publics == [True, None, False]


def test_flavor_show_delete(nube, client):
    assert nube('flavor', 'show', 'm1.tiny', '-c', 'ram',
                '-f', 'value').stdout == '512\n'
    assert nube('flavor', 'delete', 'm1.tiny').code == 0
    assert client.flavors.items == []
    assert nube('flavor', 'delete', 'm1.tiny').code == errors.NOT_FOUND


def test_image_create_with_file_and_progress(nube, client, tmp_path):
    path = tmp_path / 'disk.img'
    path.write_bytes(b'x' * 4096)
    run = nube('--progress', 'image', 'create', 'img', '--file', str(path),
               '--disk-format', 'qcow2', '--public', '--property', 'os=linux',
               '--min-disk', '1', '--tag', 't1', '--protected')
    assert run.code == 0, run.stderr
    (_, args, kwargs), = _calls(client, 'image.create')
    assert args == ('img',)
    assert kwargs == dict(data=str(path), size=4096, disk_format='qcow2',
                          container_format='bare', visibility='public',
                          properties={'os': 'linux'}, min_disk=1,
                          tags=['t1'], protected=True)
    assert client.images.data == b'x' * 4096
    assert 'Uploading img' in run.stderr and '100%' in run.stderr


def test_image_create_without_file(nube, client):
    assert nube('image', 'create', 'empty').code == 0
    (_, _, kwargs), = _calls(client, 'image.create')
    assert kwargs['visibility'] is None and kwargs['properties'] is None
    assert 'data' not in kwargs or kwargs['data'] is None


def test_image_create_missing_file_is_usage_error(nube, client):
    run = nube('image', 'create', 'img', '--file', '/nonexistent/x')
    assert run.code == errors.USAGE
    assert 'no such file' in run.stderr
    assert not _calls(client, 'image.create')


def test_image_upload(nube, client, tmp_path):
    path = tmp_path / 'd'
    path.write_bytes(b'abc')
    assert nube('image', 'upload', 'cirros', '--file', str(path)).code == 0
    (_, args, kwargs), = _calls(client, 'image.upload')
    assert args == (fakes.IMAGE_ID, str(path)) and kwargs == {'size': 3}


def test_image_download_to_file(nube, client, tmp_path):
    dest = tmp_path / 'out'
    run = nube('image', 'download', 'cirros', '--file', str(dest))
    assert run.code == 0 and run.stdout == ''
    assert dest.read_bytes() == b'0123456789'
    assert _calls(client, 'image.download')[0][2] == {'verify': True}


def test_image_download_to_stdout(nube, client, monkeypatch):
    sink = io.BytesIO()
    monkeypatch.setattr(common, 'binary_stdout', lambda: sink)
    assert nube('image', 'download', 'cirros', '--no-verify').code == 0
    assert sink.getvalue() == b'0123456789'
    assert _calls(client, 'image.download')[0][2] == {'verify': False}


def test_image_download_refuses_a_terminal(nube, client, monkeypatch):
    class TTY(io.BytesIO):
        def isatty(self):
            return True
    monkeypatch.setattr(common, 'binary_stdout', TTY)
    assert nube('image', 'download', 'cirros').code == errors.USAGE


def test_image_download_checksum_mismatch_exits_6(nube, client, tmp_path):
    client.images.checksum_ok = False
    run = nube('image', 'download', 'cirros', '--file',
               str(tmp_path / 'o'))
    assert run.code == errors.CHECKSUM
    assert 'mismatch' in run.stderr


def test_image_list_show_set_delete(nube, client):
    rows = json.loads(nube('image', 'list', '--private', '--long',
                           '-f', 'json').stdout)
    assert rows[0]['ID'] == fakes.IMAGE_ID and rows[0]['Size'] == 10
    assert _calls(client, 'image.list')[0][2] == {'visibility': 'private'}
    assert nube('image', 'show', 'cirros', '-c', 'status',
                '-f', 'value').stdout == 'active\n'
    assert nube('image', 'set', 'cirros').code == errors.USAGE
    assert nube('image', 'set', 'cirros', '--name', 'c2', '--community',
                '--property', 'k=v', '--unprotected').code == 0
    assert nube('image', 'set', 'cirros', '--remove-property', 'k').code \
        == 0
    (_, args, kwargs), (_, _, removal) = _calls(client, 'image.update')
    assert args == (fakes.IMAGE_ID,)
    assert kwargs == {'name': 'c2', 'visibility': 'community', 'k': 'v',
                      'protected': False, 'remove_props': ()}
    assert removal == {'remove_props': ['k']}
    assert nube('image', 'delete', 'cirros').code == 0
    assert client.images.items == []
