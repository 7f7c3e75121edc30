"""nube-manage bootstrap / identity_db / fernet_*, and the all-in-one."""

import json
import os
import socket

import eventlet
import pytest

from nube.cmd import manage
from nube.db.identity import api as identity_db
from nube.identity import all_in_one
from nube.identity import password as passwords


@pytest.fixture
def conf(tmp_path, overrides):
    url = 'sqlite:///%s' % (tmp_path / 'identity.db')
    overrides('connection', url, group='identity_database')
    overrides('key_repository', str(tmp_path / 'keys'), group='identity')
    overrides('password_hash_cost', 4, group='identity')
    identity_db.reset()
    yield tmp_path
    identity_db.reset()


def _run(capsys, *argv):
    assert manage.run(list(argv)) == 0, capsys.readouterr()
    return capsys.readouterr().out


def _snapshot(db):
    kinds = ('domain', 'project', 'user', 'role', 'region', 'service',
             'endpoint')
    return ({kind: sorted(e['id'] for e in db.get_all(kind))
             for kind in kinds},
            db.assignment_list())


def test_bootstrap_is_idempotent(conf, capsys):
    assert 'revision 0001' in _run(capsys, 'identity_db', 'sync')
    out = _run(capsys, 'bootstrap', '--bootstrap-password', 'pw1',
               '--host', 'ctl.example')
    assert 'Bootstrap done' in out
    db = identity_db.get_database()
    first = _snapshot(db)
    assert len(first[0]['role']) == 4          # admin member reader service
    assert len(first[0]['endpoint']) == 9      # 3 services x 3 interfaces
    assert len(first[1]) == 1
    _run(capsys, 'bootstrap', '--bootstrap-password', 'pw1',
         '--host', 'ctl.example')
    assert _snapshot(db) == first
    urls = {(s['type'], e['interface']): e['url']
            for s, endpoints in db.catalog() for e in endpoints}
    assert urls[('identity', 'public')] == 'http://ctl.example:5000/v3'
    assert urls[('compute', 'internal')] == 'http://ctl.example:8774/v2.1'
    assert urls[('image', 'admin')] == 'http://ctl.example:9292'
    assert {s['type']: s['name'] for s, _e in db.catalog()} == {
        'identity': 'keystone', 'compute': 'nova', 'image': 'glance'}


def test_bootstrap_resets_password_and_adds_regions(conf, capsys,
                                                    monkeypatch):
    monkeypatch.setenv('NUBE_ADMIN_PASSWORD', 'from-env')
    _run(capsys, 'bootstrap')
    db = identity_db.get_database()
    admin = db.get_by_name('user', 'admin', 'default')
    assert passwords.check_password('from-env', admin['password_hash'])
    assert 'from-env' not in admin['password_hash']
    out = _run(capsys, 'bootstrap', '--bootstrap-password', 'changed',
               '--region-id', 'RegionTwo', '--services', 'compute,image',
               '--public-url-compute', 'https://two.example/compute',
               '--internal-url-compute', 'http://10.0.0.2:8774/v2.1')
    assert 'Created region RegionTwo' in out
    admin = db.get_by_name('user', 'admin', 'default')
    assert passwords.check_password('changed', admin['password_hash'])
    two = {(s['type'], e['interface']): e['url']
           for s, endpoints in db.catalog() for e in endpoints
           if e['region_id'] == 'RegionTwo'}
    assert two == {
        ('compute', 'public'): 'https://two.example/compute',
        ('compute', 'internal'): 'http://10.0.0.2:8774/v2.1',
        ('compute', 'admin'): 'https://two.example/compute',
        ('image', 'public'): 'http://127.0.0.1:9292',
        ('image', 'internal'): 'http://127.0.0.1:9292',
        ('image', 'admin'): 'http://127.0.0.1:9292'}
    # Still one service per type, with endpoints in both regions.
    assert sorted(s['type'] for s, _e in db.catalog()) == [
        'compute', 'identity', 'image']


def test_bootstrap_service_user(conf, capsys, monkeypatch):
    monkeypatch.setenv('NUBE_SERVICE_PASSWORD', 'svc-pw')
    _run(capsys, 'bootstrap', '--bootstrap-password', 'pw',
         '--service-username', 'glance', '--services', '')
    db = identity_db.get_database()
    user = db.get_by_name('user', 'glance', 'default')
    project = db.get_by_name('project', 'service', 'default')
    assert [r['name'] for r in db.roles_for(user['id'], project['id'])] == \
        ['service']
    assert passwords.check_password('svc-pw', user['password_hash'])
    assert db.catalog() == []


def test_bootstrap_needs_a_password(conf, capsys, monkeypatch):
    monkeypatch.delenv('NUBE_ADMIN_PASSWORD', raising=False)
    assert manage.run(['bootstrap']) == 1
    assert 'bootstrap-password' in capsys.readouterr().err


def test_fernet_commands(conf, capsys):
    keys = str(conf / 'keys')
    assert 'keys in %s: 0 1' % keys in _run(capsys, 'fernet_setup')
    assert '0 1 2 (primary 2)' in _run(capsys, 'fernet_rotate')
    assert '0 2 3 (primary 3)' in _run(capsys, 'fernet_rotate')
    assert sorted(os.listdir(keys)) == ['0', '2', '3']
    assert manage.run(['fernet_rotate', '--key-repository',
                       str(conf / 'none')]) == 1


def test_main_splits_config_options_from_identity_commands(conf, capsys):
    assert manage._parser().parse_args(['identity_db', 'sync']).func is not \
        None
    assert 'bootstrap' in manage._CATEGORIES


def _get(port, path):
    sock = eventlet.connect(('127.0.0.1', port))
    sock.settimeout(10)
    try:
        sock.sendall(('GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n'
                      'Connection: close\r\n\r\n' % (path, port)).encode())
        data = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    head, _sep, body = data.partition(b'\r\n\r\n')
    return head.split(b'\r\n')[0], json.loads(body)


def test_all_in_one(tmp_path, overrides, monkeypatch):
    overrides('password_hash_cost', 4, group='identity')
    monkeypatch.delenv('NUBE_ADMIN_PASSWORD', raising=False)
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    state = str(tmp_path / 'state')
    service = all_in_one.prepare(state, port=port)
    password = service.admin_password
    assert password and len(password) >= 16
    assert os.stat(os.path.join(state, 'admin-password')).st_mode & 0o077 \
        == 0
    # Prepared again (next start): same password, no duplicates.
    again = all_in_one.prepare(state, port=port)
    assert again.admin_password == password
    db = again.app.deps.db
    assert len(db.get_all('endpoint')) == 12     # 4 services x 3 interfaces
    assert service.auth_url == 'http://127.0.0.1:%d/v3' % port
    assert again.service_password == service.service_password != password
    config = again.authtoken_config()
    assert config['auth_url'] == service.auth_url
    assert config['www_authenticate_uri'] == 'http://127.0.0.1:%d' % port
    manager = again.app.deps.manager
    nube = manager.find('user', name=config['username'], domain_id='default')
    service_project = manager.find('project', name='service',
                                   domain_id='default')
    assert [r['name'] for r in manager.db.roles_for(
        nube['id'], service_project['id'])] == ['service']
    assert manager.check_password(nube, config['password'])
    again.start()
    try:
        status, body = _get(port, '/v3')
        assert status == b'HTTP/1.1 200 OK'
        assert body['version']['links'][0]['href'] == \
            'http://127.0.0.1:%d/v3/' % port
    finally:
        again.stop()
    admin = manager.find('user', name='admin', domain_id='default')
    assert manager.check_password(admin, password)['id'] == admin['id']
