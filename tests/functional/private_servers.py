"""A MariaDB server and a RabbitMQ node of a test's own, to restart.

The fault drills restart the database server and the broker under a
running cloud. Doing that to the shared servers every other test (and
maybe a developer's devstack) uses would be rude, so each drill module
starts its own: ``mariadbd`` on a free loopback port with a data
directory under the test's tmp dir, and a RabbitMQ node with its own name,
ports and mnesia directory. Both are the real servers, restarted for real
(mariadbd is stopped with SIGTERM and started again on the same data; the
broker application is stopped and started, which drops every connection
and every transient queue with its messages).

Needs root (mariadbd --user=root; the rabbitmq-server wrapper runs the
node as the rabbitmq user) and the Debian packages mariadb-server and
rabbitmq-server (bindep.txt, installed by tools/install_services.sh).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pymysql

from tests.functional import fixtures

MARIADBD = '/usr/sbin/mariadbd'
INSTALL_DB = '/usr/bin/mariadb-install-db'
RABBITMQ_SERVER = '/usr/sbin/rabbitmq-server'


def missing():
    """Why private servers cannot run here, or None."""
    if os.geteuid() != 0:
        return 'private MariaDB/RabbitMQ servers need root'
    for path in (MARIADBD, INSTALL_DB, RABBITMQ_SERVER,
                 fixtures.DEFAULT_RABBITMQCTL):
        if not os.access(path, os.X_OK):
            return '%s missing (bindep.txt)' % path
    return None


class PrivateMariaDB(fixtures.DatabaseServer):
    """mariadbd on 127.0.0.1:<free port>, data under ``workdir``."""

    def __init__(self, workdir, max_connections=400):
        self.dir = os.path.join(str(workdir), 'mariadb')
        self.port = fixtures.free_tcp_port()
        self.max_connections = max_connections
        self.proc = None
        self.log = None
        super().__init__('mysql+pymysql://root@127.0.0.1:%d/' % self.port)

    def connect(self, database=None, autocommit=True):
        return pymysql.connect(host='127.0.0.1', port=self.port, user='root',
                               database=database, connect_timeout=3,
                               autocommit=autocommit)

    def install(self):
        os.makedirs(self.dir, exist_ok=True)
        subprocess.run(
            [INSTALL_DB, '--no-defaults', '--datadir=%s/data' % self.dir,
             '--user=root', '--auth-root-authentication-method=normal',
             '--skip-test-db'], check=True, capture_output=True, timeout=120)

    def start(self, timeout=30):
        self.log = open(os.path.join(self.dir, 'mariadbd.log'), 'ab')
        self.proc = subprocess.Popen(
            [MARIADBD, '--no-defaults', '--datadir=%s/data' % self.dir,
             '--socket=%s/sock' % self.dir, '--port=%d' % self.port,
             '--bind-address=127.0.0.1', '--user=root',
             '--skip-grant-tables', '--skip-name-resolve',
             '--max-connections=%d' % self.max_connections,
             '--innodb-buffer-pool-size=64M',
             '--innodb-flush-log-at-trx-commit=2'],
            stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        fixtures.poll(self._answers, timeout, interval=0.05,
                      message='private mariadbd did not start')

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError('mariadbd exited with %s' %
                                 self.proc.returncode)
        try:
            self._execute('SELECT 1')
        except (pymysql.err.MySQLError, OSError):
            return False
        return True

    def stop(self, timeout=60):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()

    def restart(self, down_seconds):
        """Stop the server, keep it down ``down_seconds``, start it again;
        returns how long nothing answered."""
        started = time.monotonic()
        self.stop()
        time.sleep(max(0.0, down_seconds - (time.monotonic() - started)))
        self.start()
        return time.monotonic() - started

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRabbit(fixtures.RabbitServer):
    """A RabbitMQ node of its own (name, ports, mnesia under ``workdir``)."""

    def __init__(self, workdir=None):
        # Not under pytest's tmp dir: its parents are root's alone, and
        # the node runs as the rabbitmq user.
        self.dir = tempfile.mkdtemp(prefix='nube-drill-rabbitmq-')
        self.node = '%s@localhost' % fixtures.unique_name()
        port = fixtures.free_tcp_port()
        super().__init__(url='rabbit://guest:guest@127.0.0.1:%d/' % port)
        self.dist_port = fixtures.free_tcp_port()

    def _ctl(self, *args):
        result = subprocess.run(
            [self.rabbitmqctl, '-q', '-n', self.node, *args],
            capture_output=True, text=True, timeout=60,
            stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise RuntimeError('rabbitmqctl %s failed (rc=%s): %s' % (
                ' '.join(args), result.returncode,
                (result.stderr or result.stdout).strip()))
        return result.stdout

    def start(self, timeout=90):
        os.makedirs(self.dir, exist_ok=True)
        plugins = os.path.join(self.dir, 'enabled_plugins')
        with open(plugins, 'w') as f:
            f.write('[].\n')
        shutil.chown(self.dir, 'rabbitmq', 'rabbitmq')
        shutil.chown(plugins, 'rabbitmq', 'rabbitmq')
        env = dict(os.environ,
                   RABBITMQ_NODENAME=self.node,
                   RABBITMQ_NODE_IP_ADDRESS='127.0.0.1',
                   RABBITMQ_NODE_PORT=str(self.port),
                   RABBITMQ_DIST_PORT=str(self.dist_port),
                   RABBITMQ_MNESIA_BASE=os.path.join(self.dir, 'mnesia'),
                   RABBITMQ_LOG_BASE=os.path.join(self.dir, 'log'),
                   RABBITMQ_PID_FILE=os.path.join(self.dir, 'pid'),
                   RABBITMQ_ENABLED_PLUGINS_FILE=plugins)
        subprocess.run([RABBITMQ_SERVER, '-detached'], env=env, check=True,
                       capture_output=True, timeout=60, cwd='/tmp')
        try:
            fixtures.poll(self._started, timeout, interval=0.25,
                          message='private RabbitMQ node %s did not start'
                          % self.node)
        except AssertionError:
            print(self.log_tail())
            raise

    def log_tail(self, lines=40):
        logs = os.path.join(self.dir, 'log')
        out = []
        for name in sorted(os.listdir(logs)) if os.path.isdir(logs) else ():
            with open(os.path.join(logs, name), errors='replace') as f:
                out.append('== %s ==\n%s' % (name, ''.join(
                    f.readlines()[-lines:])))
        return '\n'.join(out)

    def _started(self):
        try:
            self._ctl('await_startup')
        except RuntimeError:
            return False
        return True

    def restart(self, down_seconds):
        """Stop the broker application, keep it down ``down_seconds``,
        start it again; returns how long nothing answered."""
        started = time.monotonic()
        self._ctl('stop_app')
        time.sleep(max(0.0, down_seconds - (time.monotonic() - started)))
        self._ctl('start_app')
        fixtures.poll(self._started, 60, interval=0.1,
                      message='broker did not come back')
        return time.monotonic() - started

    def destroy(self):
        try:
            self._ctl('stop')
        except (RuntimeError, subprocess.SubprocessError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
