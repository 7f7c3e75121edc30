"""Connection budgets against a real MariaDB with a small max_connections.

The shared server's global variables must not change, so these tests start
a private mariadbd (own datadir, port and socket, max_connections
MAX_CONNECTIONS) and remove it afterwards.
"""

import concurrent.futures
import os
import shutil
import subprocess
import tempfile

import pymysql
import pytest
import sqlalchemy as sa

from nube.db import base
from nube.db import budget
import nube.conf
from tests.functional import fixtures

CONF = nube.conf.CONF

MAX_CONNECTIONS = 20
USER = PASSWORD = 'nube_budget'


class PrivateMariaDB:
    """A throw-away mariadbd owned by this test module."""

    def __init__(self, max_connections):
        self.max_connections = max_connections
        self.dir = tempfile.mkdtemp(prefix='nube-budget-mysqld-')
        self.datadir = os.path.join(self.dir, 'data')
        self.socket = os.path.join(self.dir, 'mysqld.sock')
        self.port = fixtures.free_tcp_port()
        self.proc = None
        self.log = os.path.join(self.dir, 'mysqld.log')

    def start(self):
        for tool in ('mariadb-install-db', 'mariadbd'):
            if shutil.which(tool) is None and not os.path.exists(
                    '/usr/sbin/' + tool):
                raise fixtures.ServiceUnavailable('%s not installed' % tool)
        os.chmod(self.dir, 0o755)
        shutil.chown(self.dir, 'mysql')
        init = os.path.join(self.dir, 'init.sql')
        with open(init, 'w') as f:
            for host in ('%', 'localhost'):
                f.write("CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY "
                        "'%s';\nGRANT ALL PRIVILEGES ON *.* TO '%s'@'%s';\n"
                        % (USER, host, PASSWORD, USER, host))
        subprocess.run(
            ['mariadb-install-db', '--no-defaults', '--user=mysql',
             '--datadir=%s' % self.datadir, '--skip-test-db'],
            check=True, capture_output=True, timeout=120)
        shutil.chown(init, 'mysql')
        with open(self.log, 'wb') as log:
            self.proc = subprocess.Popen(
                ['/usr/sbin/mariadbd', '--no-defaults', '--user=mysql',
                 '--datadir=%s' % self.datadir, '--port=%d' % self.port,
                 '--socket=%s' % self.socket, '--bind-address=127.0.0.1',
                 '--max-connections=%d' % self.max_connections,
                 '--init-file=%s' % init, '--skip-name-resolve',
                 '--skip-log-bin', '--innodb-buffer-pool-size=16M',
                 '--performance-schema=OFF'],
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT)
        fixtures.poll(self._answers, 60, interval=0.1,
                      message='private mariadbd did not start')
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            with open(self.log) as f:
                raise AssertionError('mariadbd exited: %s' % f.read()[-2000:])
        try:
            self.connect().close()
        except pymysql.err.MySQLError:
            return False
        return True

    def connect(self):
        return pymysql.connect(host='127.0.0.1', port=self.port, user=USER,
                               password=PASSWORD, connect_timeout=3,
                               autocommit=True)

    def url(self, database=''):
        return ('mysql+pymysql://%s:%s@127.0.0.1:%d/%s?charset=utf8mb4'
                '&ssl_disabled=true' % (USER, PASSWORD, self.port, database))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope='module')
def mysqld():
    if os.geteuid() != 0:
        pytest.skip('a private mariadbd needs root (--user=mysql)')
    server = PrivateMariaDB(MAX_CONNECTIONS)
    try:
        server.start()
    except fixtures.ServiceUnavailable as exc:
        server.stop()
        pytest.skip(str(exc))
    conn = server.connect()
    with conn.cursor() as cur:
        cur.execute('CREATE DATABASE nube_budget')
    conn.close()
    yield server
    server.stop()


@pytest.fixture
def conf():
    budget.reset()
    yield CONF
    budget.reset()
    for name in ('connection', 'max_pool_size', 'max_overflow',
                 'service_concurrency', 'enforce_connection_budget',
                 'pool_wait_timeout'):
        CONF.clear_override(name, group='database')


def test_check_warns_with_the_server_numbers(mysqld, conf, caplog):
    conf.set_override('connection', mysqld.url('nube_budget'),
                      group='database')
    result = budget.check_service('nube-conductor')
    assert result.total == 48
    assert ('pool budget 48 (database 48; concurrency 64) '
            'exceeds max_connections %d minus ' % MAX_CONNECTIONS
            in caplog.text)
    assert 'raise max_connections to at least 48' in caplog.text


def test_check_refuses_when_enforced_and_passes_when_it_fits(mysqld, conf):
    conf.set_override('connection', mysqld.url('nube_budget'),
                      group='database')
    conf.set_override('enforce_connection_budget', True, group='database')
    with pytest.raises(budget.ConnectionBudgetExceeded) as caught:
        budget.check_service('nube-conductor')
    assert 'max_connections %d' % MAX_CONNECTIONS in caught.value.message
    conf.set_override('service_concurrency', 4, group='database')
    assert budget.check_service('nube-conductor').total == 4


def test_conductor_refuses_to_start_in_one_line(mysqld, tmp_path):
    config = fixtures.write_config(tmp_path / 'nube.conf', {
        'DEFAULT': {'transport_url': 'rabbit://nobody:none@127.0.0.1:9/',
                    'host': 'budget-test'},
        'database': {'connection': mysqld.url('nube_budget'),
                     'enforce_connection_budget': True},
    })
    service = fixtures.ServiceProcess('nube-conductor', config,
                                      log_dir=tmp_path).start()
    try:
        fixtures.poll(lambda: service.returncode is not None, 60,
                      message='nube-conductor did not exit')
        log = service.read_log()
    finally:
        service.stop()
    assert service.returncode == 1
    assert 'nube-conductor: pool budget 48 (database 48; ' \
        'concurrency 64) exceeds max_connections %d' % MAX_CONNECTIONS in log
    assert 'Traceback' not in log


def _hold(database, seconds):
    with database.transaction() as conn:
        # The transaction holds its connection while the server works.
        return conn.exec_driver_sql('SELECT SLEEP(%s), CONNECTION_ID()'
                                    % seconds).one()[1]


def test_work_beyond_the_pool_waits_and_succeeds(mysqld, conf):
    database = base.Database(mysqld.url('nube_budget'), max_pool_size=2,
                             max_overflow=0, pool_timeout=0.2)
    try:
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            ids = list(pool.map(lambda _: _hold(database, 0.3), range(12)))
        # Twelve transactions, each had a connection; only two existed.
        assert len(ids) == 12
        assert len(set(ids)) <= 2
        # The same storm without the wait: the pool's timeout fails some.
        conf.set_override('pool_wait_timeout', 0, group='database')
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            futures = [pool.submit(_hold, database, 0.3) for _ in range(12)]
        errors = [f.exception() for f in futures if f.exception()]
        assert errors and all(isinstance(e, sa.exc.TimeoutError)
                              for e in errors)
    finally:
        database.dispose()


def test_a_full_server_makes_transactions_wait(mysqld, conf):
    # A pool bigger than the server: connections past max_connections are
    # refused with 1040 and must wait for one to close instead of failing.
    database = base.Database(mysqld.url('nube_budget'),
                             max_pool_size=MAX_CONNECTIONS + 10,
                             max_overflow=0, pool_timeout=5)
    workers = MAX_CONNECTIONS + 10
    try:
        _hold(database, 0)   # oslo.db's first connection test
        database.engine.pool.dispose()
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            ids = list(pool.map(lambda _: _hold(database, 0.5),
                                range(workers)))
        assert len(ids) == workers
        # Never more connections at once than the server allows (its
        # one extra for SUPER included).
        assert len(set(ids)) <= MAX_CONNECTIONS + 1
    finally:
        database.dispose()
