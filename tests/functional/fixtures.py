"""Building blocks for functional tests.

Functional tests run nube against the real things: MariaDB databases,
RabbitMQ vhosts and service processes started from the console scripts.
Everything a test creates has a unique name (so tests can run side by side
and a crashed run cannot poison the next one) and is removed afterwards.
conftest.py wraps these helpers in pytest fixtures.

Environment:
  NUBE_TEST_DB_URL      server URL of an account that may create and drop
                        databases (default openstack_citest on 127.0.0.1)
  NUBE_TEST_RABBIT_URL  broker URL of the nube user (vhost part ignored)
  NUBE_RABBITMQCTL      rabbitmqctl to create vhosts with
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

import pymysql
import requests
from sqlalchemy.engine import make_url

DEFAULT_DB_URL = ('mysql+pymysql://openstack_citest:openstack_citest'
                  '@127.0.0.1/')
DEFAULT_RABBIT_URL = 'rabbit://nube:nube@127.0.0.1:5672/'
# Only the Debian wrapper: the rabbitmqctl under /usr/lib/rabbitmq would
# write a second, mismatched Erlang cookie.
DEFAULT_RABBITMQCTL = '/usr/sbin/rabbitmqctl'
# Names are PREFIX<pid>x<hex>: the pid lets a later run drop what a killed
# run left behind.
NAME_PREFIX = 'nube_ft_'
_STALE_RE = re.compile(r'^%s(\d+)x[0-9a-f]+' % NAME_PREFIX)


class ServiceUnavailable(Exception):
    """A backing service the functional tests need does not answer."""


def poll(fn, timeout, interval=0.05, message='condition not met'):
    """Call fn until it returns something truthy; return that value.

    Tests wait with this instead of sleeping: it returns as soon as the
    condition holds and fails loudly (AssertionError) at the deadline.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError('%s (gave up after %ss; last value: %r)'
                                 % (message, timeout, value))
        time.sleep(interval)


def unique_name(suffix=''):
    name = '%s%dx%s' % (NAME_PREFIX, os.getpid(), secrets.token_hex(4))
    return '%s_%s' % (name, suffix) if suffix else name


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(name):
    match = _STALE_RE.match(name)
    return bool(match) and not _pid_alive(int(match.group(1)))


# --- configuration files ---------------------------------------------------

class Multi(list):
    """Option values written as repeated lines (oslo.config MultiStrOpt)."""


def _ini_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, dict):
        return ','.join('%s:%s' % (k, _ini_value(v))
                        for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ','.join(_ini_value(v) for v in value)
    text = str(value)
    if '\n' in text:
        raise ValueError('multi-line option values are not supported')
    return text


def write_config(path, sections):
    """Write an oslo.config ini file from {section: {option: value}}.

    bool -> true/false, list/tuple -> comma list (ListOpt), dict ->
    k:v pairs (DictOpt), Multi([...]) -> repeated lines, None -> omitted.
    Values are written verbatim, so '$' starts an oslo.config substitution.
    """
    names = sorted(sections, key=lambda s: (s != 'DEFAULT', s))
    lines = []
    for section in names:
        lines.append('[%s]' % section)
        for key, value in sections[section].items():
            if value is None:
                continue
            values = value if isinstance(value, Multi) else [value]
            lines.extend('%s = %s' % (key, _ini_value(v)) for v in values)
        lines.append('')
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    return str(path)


def free_tcp_port(host='127.0.0.1'):
    """A port nobody listens on right now (for a service's bind option)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# --- MariaDB ----------------------------------------------------------------

class DatabaseServer:
    """Creates and drops throw-away databases over pymysql."""

    def __init__(self, url=None):
        self.url = make_url(url or os.environ.get('NUBE_TEST_DB_URL')
                            or DEFAULT_DB_URL)

    def connect(self, database=None, autocommit=True):
        """A pymysql connection as the test account (to ``database``)."""
        return pymysql.connect(
            host=self.url.host or '127.0.0.1', port=self.url.port or 3306,
            user=self.url.username, password=self.url.password or '',
            database=database, connect_timeout=3, autocommit=autocommit)

    def _execute(self, sql, args=None):
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall()
        finally:
            conn.close()

    def check(self):
        """Raise ServiceUnavailable unless we can log in."""
        try:
            self._execute('SELECT 1')
        except (pymysql.err.MySQLError, OSError) as exc:
            raise ServiceUnavailable(
                'MariaDB not usable at %s:%s as %s: %s' % (
                    self.url.host, self.url.port or 3306,
                    self.url.username, exc)) from exc

    def url_for(self, name):
        # Loopback to a server without TLS: PyMySQL would otherwise build a
        # TLS context for every connection it opens.
        url = self.url.set(database=name, query={'charset': 'utf8mb4',
                                                 'ssl_disabled': 'true'})
        return url.render_as_string(hide_password=False)

    def create(self, name):
        self._execute('CREATE DATABASE `%s` CHARACTER SET utf8mb4' % name)
        return self.url_for(name)

    def create_set(self, suffixes):
        """Create one database per suffix sharing a unique stem.

        Returns {suffix: database name}.
        """
        stem = unique_name()
        names = {}
        try:
            for suffix in suffixes:
                names[suffix] = '%s_%s' % (stem, suffix)
                self.create(names[suffix])
        except Exception:
            for name in names.values():
                self.drop(name)
            raise
        return names

    def drop(self, name):
        self._execute('DROP DATABASE IF EXISTS `%s`' % name)

    def exists(self, name):
        return bool(self._execute(
            'SELECT 1 FROM information_schema.SCHEMATA'
            ' WHERE SCHEMA_NAME = %s', (name,)))

    def list(self):
        rows = self._execute(
            'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA'
            ' WHERE SCHEMA_NAME LIKE %s', (NAME_PREFIX.replace('_', r'\_')
                                           + '%',))
        return sorted(row[0] for row in rows)

    def drop_stale(self):
        """Drop databases left by test processes that no longer exist."""
        stale = [name for name in self.list() if _is_stale(name)]
        for name in stale:
            self.drop(name)
        return stale


# --- RabbitMQ ---------------------------------------------------------------

class RabbitServer:
    """Creates and deletes throw-away vhosts with rabbitmqctl."""

    def __init__(self, url=None, rabbitmqctl=None):
        url = (url or os.environ.get('NUBE_TEST_RABBIT_URL')
               or DEFAULT_RABBIT_URL)
        parts = urllib.parse.urlsplit(url)
        self.user = urllib.parse.unquote(parts.username or 'nube')
        self.password = urllib.parse.unquote(parts.password or '')
        self.host = parts.hostname or '127.0.0.1'
        self.port = parts.port or 5672
        self.rabbitmqctl = (rabbitmqctl
                            or os.environ.get('NUBE_RABBITMQCTL')
                            or DEFAULT_RABBITMQCTL)

    def _ctl(self, *args):
        result = subprocess.run(
            [self.rabbitmqctl, '-q', *args], capture_output=True,
            text=True, timeout=60, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise RuntimeError('rabbitmqctl %s failed (rc=%s): %s' % (
                ' '.join(args), result.returncode,
                (result.stderr or result.stdout).strip()))
        return result.stdout

    def check(self):
        """Raise ServiceUnavailable unless broker and rabbitmqctl work."""
        where = '%s:%s' % (self.host, self.port)
        try:
            socket.create_connection((self.host, self.port), 3).close()
        except OSError as exc:
            raise ServiceUnavailable(
                'RabbitMQ not listening on %s: %s' % (where, exc)) from exc
        if not os.access(self.rabbitmqctl, os.X_OK):
            raise ServiceUnavailable('%s missing' % self.rabbitmqctl)
        try:
            self._ctl('list_vhosts')
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            raise ServiceUnavailable(
                'cannot manage vhosts (needs root or the rabbitmq user):'
                ' %s' % exc) from exc
        import kombu
        try:
            with kombu.Connection(self.kombu_url('/'),
                                  connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1)
        except Exception as exc:
            raise ServiceUnavailable('user %s cannot log in to %s: %s' % (
                self.user, where, exc)) from exc

    def _url(self, scheme, vhost):
        return '%s://%s:%s@%s:%s/%s' % (
            scheme, urllib.parse.quote(self.user, safe=''),
            urllib.parse.quote(self.password, safe=''), self.host,
            self.port, urllib.parse.quote(vhost, safe=''))

    def transport_url(self, vhost):
        """oslo.messaging transport_url for the vhost."""
        return self._url('rabbit', vhost)

    def kombu_url(self, vhost):
        return self._url('amqp', vhost)

    def create_vhost(self):
        name = unique_name()
        self._ctl('add_vhost', name)
        try:
            self._ctl('set_permissions', '-p', name, self.user,
                      '.*', '.*', '.*')
        except Exception:
            self.delete_vhost(name)
            raise
        return name

    def delete_vhost(self, name):
        try:
            self._ctl('delete_vhost', name)
        except RuntimeError:
            if name in self.list_vhosts(all_vhosts=True):
                raise

    def list_vhosts(self, all_vhosts=False):
        names = self._ctl('list_vhosts', 'name').split()
        names = [n for n in names if n != 'name']
        if not all_vhosts:
            names = [n for n in names if n.startswith(NAME_PREFIX)]
        return sorted(names)

    def drop_stale(self):
        stale = [name for name in self.list_vhosts() if _is_stale(name)]
        for name in stale:
            self._ctl('delete_vhost', name)
        return stale


# --- service processes ------------------------------------------------------

def script_path(name):
    """A console script of the running venv (tox puts them beside python)."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(
            '%s not found beside %s: is nube installed in this venv '
            '(tox -e functional)?' % (name, sys.executable))
    return path


class ServiceProcess:
    """One service (console script) running as its own OS process.

    It gets its own session/process group so stop() and kill() reach any
    workers it forks; output goes to a log file the test can wait on.
    """

    def __init__(self, name, config_file=None, args=(), log_dir='.',
                 env=None, cwd=None):
        self.name = name
        self.command = [script_path(name)]
        if config_file is not None:
            self.command += ['--config-file', str(config_file)]
        self.command += [str(a) for a in args]
        self.env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
        self.cwd = cwd
        os.makedirs(str(log_dir), exist_ok=True)
        self.log_path = self._log_path(str(log_dir), name)
        self.proc = None

    @staticmethod
    def _log_path(log_dir, name):
        for n in range(1000):
            path = os.path.join(log_dir, '%s-%d.log' % (name, n))
            if not os.path.exists(path):
                return path
        raise RuntimeError('too many %s logs in %s' % (name, log_dir))

    def start(self):
        with open(self.log_path, 'ab') as log:
            log.write(('+ %s\n' % ' '.join(self.command)).encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.command, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd,
                start_new_session=True)
        return self

    @property
    def pid(self):
        return self.proc.pid

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self):
        return None if self.proc is None else self.proc.poll()

    def read_log(self, since=0):
        with open(self.log_path, 'rb') as f:
            f.seek(since)
            return f.read().decode('utf-8', 'replace')

    def log_size(self):
        """Offset to pass as `since` to only match later output."""
        return os.path.getsize(self.log_path)

    def tail(self, lines=60):
        return '\n'.join(self.read_log().splitlines()[-lines:])

    def _assert_alive(self):
        if not self.running:
            raise AssertionError('%s exited with %s; log tail:\n%s' % (
                self.name, self.returncode, self.tail()))

    def wait_for_http(self, url, timeout=30.0, status=None):
        """Wait until url answers (with `status`, if given); return it."""
        def answered():
            self._assert_alive()
            try:
                resp = requests.get(url, timeout=2)
            except requests.RequestException:
                return None
            if status is None or resp.status_code == status:
                return [resp]   # a Response is falsy for 4xx/5xx
            return None
        return poll(answered, timeout, interval=0.1,
                    message='%s: no HTTP answer from %s' % (self.name, url))[0]

    def wait_for_log(self, regex, timeout=30.0, since=0):
        """Wait until the log (from byte `since`) matches; return match."""
        pattern = re.compile(regex, re.MULTILINE)

        def matched():
            found = pattern.search(self.read_log(since))
            if found is None:
                self._assert_alive()
            return found
        return poll(matched, timeout,
                    message='%s: log never matched %r' % (self.name, regex))

    def kill(self, sig=signal.SIGKILL):
        """Send sig to the whole process group."""
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout=10.0):
        """SIGTERM the group, SIGKILL it after timeout; return exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.proc.wait(10)
        # Workers the service forked must not outlive it.
        self.kill(signal.SIGKILL)
        return self.proc.returncode
