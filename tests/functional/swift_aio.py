"""A throw-away Swift all-in-one for tests and devstack-style setups.

One replica on loopback: memcached, account/container/object servers and a
proxy with tempauth (user ``test:tester``, key ``testing``; SLO and DLO
enabled), each its own process with a log file, all state under one
directory (its own swift_dir, rings built with swift-ring-builder,
mount_check off). Needs ``pip install swift python-swiftclient`` (in the
running venv) and memcached from apt (bindep.txt).

    aio = SwiftAIO('/tmp/swift').start()
    aio.auth_url, aio.user, aio.key     # tempauth v1 credentials
    aio.stop()

From a shell: ``python -m tests.functional.swift_aio start DIR`` (prints
the credentials as shell variables, leaves it running) and
``... stop DIR``; tools/swift_aio.sh wraps both.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

USER = 'test:tester'
KEY = 'testing'
SERVERS = ('object', 'container', 'account', 'proxy')


class SwiftUnavailable(Exception):
    """Swift (or memcached) cannot be started here."""


def _free_port(host='127.0.0.1'):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _bin(name):
    """A console script beside the running python (the venv), or on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), name)
    if os.access(here, os.X_OK):
        return here
    found = shutil.which(name)
    if found is None:
        raise SwiftUnavailable(
            '%s not found: pip install swift python-swiftclient' % name)
    return found


def _memcached():
    for path in (shutil.which('memcached'), '/usr/bin/memcached'):
        if path and os.access(path, os.X_OK):
            return path
    raise SwiftUnavailable('memcached not found: apt-get install memcached '
                           '(bindep.txt)')


_COMMON = """[DEFAULT]
bind_ip = {host}
bind_port = {port}
swift_dir = {swift_dir}
devices = {devices}
mount_check = false
workers = 0
user = {user}
log_name = swift-{name}
log_level = WARNING
"""

_BACKEND = _COMMON + """
[pipeline:main]
pipeline = {name}-server

[app:{name}-server]
use = egg:swift#{name}

[{name}-replicator]
[{name}-auditor]
[{name}-updater]
"""

_PROXY = _COMMON + """
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache
    listing_formats bulk tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = {host}:{memcached_port}
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
"""

_SWIFT_CONF = """[swift-hash]
swift_hash_path_suffix = nube-aio
swift_hash_path_prefix = nube-aio

[storage-policy:0]
name = Policy-0
default = yes
"""


class SwiftAIO:
    def __init__(self, base_dir, host='127.0.0.1'):
        self.base_dir = os.path.abspath(str(base_dir))
        self.host = host
        self.swift_dir = os.path.join(self.base_dir, 'etc')
        self.devices = os.path.join(self.base_dir, 'devices')
        self.log_dir = os.path.join(self.base_dir, 'logs')
        self.state_file = os.path.join(self.base_dir, 'aio.json')
        self.ports = {}
        self.procs = {}

    @property
    def auth_url(self):
        return 'http://%s:%d/auth/v1.0' % (self.host, self.ports['proxy'])

    user = USER
    key = KEY

    # -- set-up ------------------------------------------------------------

    def _write(self, path, text):
        with open(path, 'w') as f:
            f.write(text)

    def _configure(self):
        for path in (self.swift_dir, os.path.join(self.devices, 'd1'),
                     self.log_dir):
            os.makedirs(path, exist_ok=True)
        self.ports = {name: _free_port(self.host)
                      for name in SERVERS + ('memcached',)}
        self._write(os.path.join(self.swift_dir, 'swift.conf'), _SWIFT_CONF)
        user = 'root' if os.geteuid() == 0 else os.environ.get('USER',
                                                                'nobody')
        for name in SERVERS:
            template = _PROXY if name == 'proxy' else _BACKEND
            self._write(self._conf(name), template.format(
                host=self.host, port=self.ports[name], name=name,
                swift_dir=self.swift_dir, devices=self.devices, user=user,
                memcached_port=self.ports['memcached']))
        builder = _bin('swift-ring-builder')
        for name in ('account', 'container', 'object'):
            path = os.path.join(self.swift_dir, '%s.builder' % name)
            for args in (['create', '10', '1', '1'],
                         ['add', 'r1z1-%s:%d/d1' % (self.host,
                                                    self.ports[name]), '1'],
                         ['rebalance']):
                result = subprocess.run([builder, path] + args,
                                        capture_output=True, text=True,
                                        cwd=self.swift_dir, timeout=60)
                if result.returncode not in (0, 1):
                    raise SwiftUnavailable('swift-ring-builder %s failed: %s'
                                           % (' '.join(args), result.stdout
                                              + result.stderr))

    def _conf(self, name):
        return os.path.join(self.swift_dir, '%s-server.conf' % name)

    def _spawn(self, name, command):
        log = open(os.path.join(self.log_dir, '%s.log' % name), 'ab')
        try:
            self.procs[name] = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()

    def start(self, timeout=60.0):
        """Configure and start everything; wait until tempauth answers."""
        self._configure()
        memcached = [_memcached(), '-l', self.host, '-p',
                     str(self.ports['memcached']), '-U', '0', '-m', '64']
        if os.geteuid() == 0:
            memcached += ['-u', 'root']
        self._spawn('memcached', memcached)
        for name in SERVERS:
            self._spawn(name, [_bin('swift-%s-server' % name),
                               self._conf(name)])
        self._save_state()
        try:
            self.wait(timeout)
        except Exception:
            self.stop()
            raise
        return self

    def _save_state(self):
        self._write(self.state_file, json.dumps({
            'ports': self.ports,
            'pids': {n: p.pid for n, p in self.procs.items()}}))

    def auth(self):
        """(storage_url, token) from tempauth."""
        req = urllib.request.Request(self.auth_url, headers={
            'X-Storage-User': self.user, 'X-Storage-Pass': self.key})
        with urllib.request.urlopen(req, timeout=5) as resp:
            return (resp.headers['X-Storage-Url'],
                    resp.headers['X-Auth-Token'])

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise SwiftUnavailable('%s exited with %s:\n%s' % (
                        name, proc.returncode, self.log_tail(name)))
            try:
                url, token = self.auth()
                # The account must answer too (account/container servers).
                req = urllib.request.Request(url, method='HEAD',
                                             headers={'X-Auth-Token': token})
                urllib.request.urlopen(req, timeout=5).close()
                return
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(0.2)
        raise SwiftUnavailable('Swift did not answer within %ss: %s'
                               % (timeout, last))

    def log_tail(self, name, lines=30):
        path = os.path.join(self.log_dir, '%s.log' % name)
        try:
            with open(path, 'rb') as f:
                text = f.read().decode('utf-8', 'replace')
        except OSError:
            return ''
        return '\n'.join(text.splitlines()[-lines:])

    # -- tear-down ---------------------------------------------------------

    def stop(self, timeout=10.0):
        pids = {n: p.pid for n, p in self.procs.items()}
        if not pids and os.path.exists(self.state_file):
            with open(self.state_file) as f:
                pids = json.load(f)['pids']
        for pid in pids.values():
            _kill_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, pid in pids.items():
            proc = self.procs.get(name)
            while _alive(pid, proc) and time.monotonic() < deadline:
                time.sleep(0.05)
            _kill_group(pid, signal.SIGKILL)
            if proc is not None:
                proc.wait(5)
        self.procs = {}


def _alive(pid, proc=None):
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _kill_group(pid, sig):
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 2 or argv[0] not in ('start', 'stop'):
        print('usage: python -m tests.functional.swift_aio start|stop DIR',
              file=sys.stderr)
        return 2
    aio = SwiftAIO(argv[1])
    if argv[0] == 'stop':
        aio.stop()
        return 0
    try:
        aio.start()
    except SwiftUnavailable as exc:
        print('ERROR: %s' % exc, file=sys.stderr)
        return 1
    print('SWIFT_AUTH_URL=%s' % aio.auth_url)
    print('SWIFT_USER=%s' % aio.user)
    print('SWIFT_KEY=%s' % aio.key)
    return 0


if __name__ == '__main__':
    sys.exit(main())
