"""Proves the functional harness itself against the real services."""

import os
import signal
import sys

import kombu
from oslo_config import cfg
import pytest
import sqlalchemy as sa

from tests.functional import fixtures


def test_databases_round_trip_a_row(databases, db_server):
    assert set(databases) == {'api', 'cell1'}
    assert databases['api'] != databases['cell1']
    for url in databases.values():
        assert url.startswith(
            'mysql+pymysql://openstack_citest:openstack_citest@127.0.0.1')
        query = sa.engine.make_url(url).query
        assert query['charset'] == 'utf8mb4'
        assert query['ssl_disabled'] == 'true'
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(
                    'CREATE TABLE probe (id INT PRIMARY KEY,'
                    ' name VARCHAR(64) NOT NULL)'))
                conn.execute(sa.text(
                    "INSERT INTO probe VALUES (1, 'h\u00e9llo \U0001F600')"))
            with engine.connect() as conn:
                rows = conn.execute(sa.text('SELECT id, name FROM probe'))
                assert rows.all() == [(1, 'h\u00e9llo \U0001F600')]
        finally:
            engine.dispose()


def test_database_set_is_dropped(db_server):
    names = db_server.create_set(['api', 'cell1'])
    assert all(db_server.exists(n) for n in names.values())
    stems = {n.rsplit('_', 1)[0] for n in names.values()}
    assert len(stems) == 1
    for name in names.values():
        db_server.drop(name)
    assert not any(db_server.exists(n) for n in names.values())


def test_stale_databases_of_dead_pids_are_dropped(db_server):
    dead_pid = 4194304 + 1   # above pid_max: never a live process
    stale = '%s%dxdead_api' % (fixtures.NAME_PREFIX, dead_pid)
    live = fixtures.unique_name('api')
    db_server.create(stale)
    db_server.create(live)
    try:
        dropped = db_server.drop_stale()
        assert stale in dropped
        assert not db_server.exists(stale)
        assert db_server.exists(live)
    finally:
        db_server.drop(stale)
        db_server.drop(live)


def test_vhost_round_trips_a_message(transport_url, rabbit_server):
    vhost = transport_url.rsplit('/', 1)[1]
    assert transport_url == 'rabbit://nube:nube@127.0.0.1:5672/' + vhost
    assert vhost in rabbit_server.list_vhosts()
    with kombu.Connection(rabbit_server.kombu_url(vhost),
                          connect_timeout=5) as conn:
        queue = conn.SimpleQueue('harness-probe')
        try:
            queue.put({'hello': 'world'})
            message = queue.get(block=True, timeout=5)
            message.ack()
            assert message.payload == {'hello': 'world'}
        finally:
            queue.close()


def test_vhost_is_deleted(rabbit_server):
    vhost = rabbit_server.create_vhost()
    assert vhost in rabbit_server.list_vhosts()
    rabbit_server.delete_vhost(vhost)
    assert vhost not in rabbit_server.list_vhosts()


def test_write_config_is_read_by_oslo_config(tmp_path):
    path = fixtures.write_config(tmp_path / 'x.conf', {
        'grp': {'names': ['a', 'b'], 'pairs': {'k': 'v', 'n': 2}},
        'DEFAULT': {'flag': True, 'skipped': None, 'text': 'x y',
                    'multi': fixtures.Multi(['one', 'two'])},
    })
    assert open(path).read().startswith('[DEFAULT]\n')
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.BoolOpt('flag'), cfg.StrOpt('skipped'),
                        cfg.StrOpt('text'), cfg.MultiStrOpt('multi')])
    conf.register_opts([cfg.ListOpt('names'), cfg.DictOpt('pairs')],
                       group='grp')
    conf(['--config-file', path], project='harness')
    assert conf.flag is True
    assert conf.skipped is None
    assert conf.text == 'x y'
    assert conf.multi == ['one', 'two']
    assert conf.grp.names == ['a', 'b']
    assert conf.grp.pairs == {'k': 'v', 'n': '2'}


def test_poll_returns_value_or_fails_with_message():
    calls = []

    def third_time():
        calls.append(1)
        return len(calls) >= 3 and 'done'

    assert fixtures.poll(third_time, timeout=5, interval=0.001) == 'done'
    with pytest.raises(AssertionError, match=r"never ready.*last value: 0"):
        fixtures.poll(lambda: 0, timeout=0.05, message='never ready')


def test_service_process_http_log_and_stop(service_factory):
    port = fixtures.free_tcp_port()
    svc = service_factory('python', args=[
        '-m', 'http.server', port, '--bind', '127.0.0.1'])
    resp = svc.wait_for_http('http://127.0.0.1:%d/missing' % port,
                             timeout=30)
    assert resp.status_code == 404
    match = svc.wait_for_log(r'"GET /missing HTTP/1\.1" (\d+)', timeout=10)
    assert match.group(1) == '404'
    mark = svc.log_size()
    with pytest.raises(AssertionError, match='never matched'):
        svc.wait_for_log('GET /missing', timeout=0.2, since=mark)
    rc = svc.stop()
    assert rc == -signal.SIGTERM
    assert not svc.running
    with pytest.raises(ProcessLookupError):
        os.killpg(svc.pid, 0)


def test_service_process_death_is_reported(service_factory):
    svc = service_factory('python', args=[
        '-c', 'import sys; print("boom"); sys.exit(3)'])
    with pytest.raises(AssertionError) as info:
        svc.wait_for_http('http://127.0.0.1:9/', timeout=30)
    assert 'exited with 3' in str(info.value)
    assert 'boom' in str(info.value)


def test_service_stop_escalates_to_sigkill(service_factory):
    code = ('import signal, time\n'
            'signal.signal(signal.SIGTERM, signal.SIG_IGN)\n'
            'print("ready", flush=True)\n'
            'time.sleep(120)\n')
    svc = service_factory('python', args=['-c', code])
    svc.wait_for_log('^ready$', timeout=30)
    assert svc.stop(timeout=0.5) == -signal.SIGKILL


def test_service_config_file_is_passed(service_factory, tmp_path):
    # `python` rejects --config-file, so the exit is expected; what
    # matters is the command line and the file written for it.
    svc = service_factory('python', config={'DEFAULT': {'debug': True}},
                          args=['-c', 'pass'])
    assert svc.command[1] == '--config-file'
    assert svc.command[3:] == ['-c', 'pass']
    assert open(svc.command[2]).read() == '[DEFAULT]\ndebug = true\n'
    svc.wait_for_log('unknown option --config-file', timeout=30)


def test_scripts_are_found_beside_the_interpreter():
    path = fixtures.script_path('python')
    assert os.path.dirname(path) == os.path.dirname(sys.executable)
    with pytest.raises(FileNotFoundError, match='nube-no-such-script'):
        fixtures.script_path('nube-no-such-script')
