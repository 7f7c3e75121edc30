"""Shared pieces of nube's benchmark tools (tools/bench/*.py).

A keep-alive HTTP client that times each request, percentiles, tables,
per-process CPU seconds from /proc, the nube-all process wrapper, and the
reader of the services' own timing files (nube/timing.py). Everything
talks to 127.0.0.1 only and cleans up what it starts.
"""

import collections
import glob
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import warnings

# Deprecation chatter from eventlet and oslo.* on import is not a result.
warnings.filterwarnings('ignore', message=r'(?s).*eventlet')
warnings.filterwarnings('ignore', category=DeprecationWarning)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

TOKEN = 'admin:admin'
MICROVERSION = '2.47'
CLK_TCK = os.sysconf('SC_CLK_TCK')


class BenchError(Exception):
    """The benchmark cannot go on (a service died, a deadline passed)."""


# -- numbers -----------------------------------------------------------------

def percentile(values, pct):
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[min(len(ordered), int(rank)) - 1]


def latency_summary(seconds):
    """count, p50/p95/p99/max/mean in ms of a list of durations (s)."""
    if not seconds:
        return {'count': 0}

    def ms(value):
        return round(value * 1000, 2)
    return {'count': len(seconds), 'p50_ms': ms(percentile(seconds, 50)),
            'p95_ms': ms(percentile(seconds, 95)),
            'p99_ms': ms(percentile(seconds, 99)),
            'max_ms': ms(max(seconds)),
            'mean_ms': ms(sum(seconds) / len(seconds))}


def fmt(value, digits=1):
    if value is None:
        return '-'
    if isinstance(value, float):
        return '%.*f' % (digits, value)
    return str(value)


def print_table(title, headers, rows):
    """A plain aligned text table (no dependencies)."""
    cells = [[str(h) for h in headers]] + [[fmt(c) for c in row]
                                           for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print('\n%s' % title)
    line = '  '.join('-' * w for w in widths)
    print(line)
    for n, row in enumerate(cells):
        print('  '.join(c.rjust(w) if n and _numeric(c) else c.ljust(w)
                        for c, w in zip(row, widths)).rstrip())
        if n == 0:
            print(line)
    sys.stdout.flush()


def _numeric(text):
    try:
        float(text)
    except ValueError:
        return text == '-'
    return True


def write_json(path, data):
    if not path:
        return
    with open(path, 'w') as f:
        json.dump(data, f, indent=2, sort_keys=True)
    print('\nwrote %s' % path)


def other_bench_processes():
    """(pid, command) of services another benchmark run started (their
    configuration lives in its nube-bench-* directory)."""
    found = []
    for path in glob.glob('/proc/[0-9]*/cmdline'):
        pid = int(path.split('/')[2])
        if pid == os.getpid():
            continue
        try:
            with open(path, 'rb') as f:
                argv = f.read().decode('utf-8', 'replace').split('\0')
        except OSError:
            continue
        if any(os.path.basename(a).startswith('nube-') for a in argv) and \
                any('/nube-bench-' in a for a in argv):
            found.append((pid, ' '.join(argv).strip()[:120]))
    return found


def machine(settle=60):
    """CPU count and load average: other work on the box skews results.

    Services of another run still exiting (or still running) would be
    measured as this run's background: wait up to ``settle`` seconds for
    them to go, then refuse.
    """
    try:
        poll(lambda: not other_bench_processes(), settle, interval=0.5,
             message='other benchmark processes still running')
    except BenchError:
        raise BenchError('another benchmark run is still running; its '
                         'services would skew this one:\n  %s' % '\n  '.join(
                             '%d %s' % p for p in other_bench_processes()))
    with open('/proc/loadavg') as f:
        load = ' '.join(f.read().split()[:3])
    busy = float(load.split()[0]) > 1.0
    if busy:
        print('WARNING: load average %s before the run: other work on '
              'this machine skews the numbers' % load, file=sys.stderr)
    return {'cpus': os.cpu_count(), 'loadavg': load, 'busy': busy}


def poll(fn, timeout, interval=0.05, message='condition not met'):
    """Call fn until it returns something truthy; BenchError at deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise BenchError('%s (gave up after %ss)' % (message, timeout))
        time.sleep(interval)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# -- how long MariaDB takes to commit, while something else runs -------------

class CommitProbe:
    """Times one single-row UPDATE + COMMIT every ``interval`` seconds.

    Run beside a storm on the storm's MariaDB, it shows whether slow
    requests waited for the database (fsyncs queued behind a busy disk)
    or for something else: a commit that takes 200 ms takes it for every
    service at once. ``connect`` returns a new DB-API connection to a
    database the probe may create a table in.
    """

    def __init__(self, connect, interval=0.02):
        self.connect = connect
        self.interval = interval
        self.latencies = []
        self._stop = threading.Event()
        self._thread = None
        self.error = None

    def start(self):
        conn = self.connect()
        with conn.cursor() as cur:
            cur.execute('CREATE TABLE IF NOT EXISTS commit_probe '
                        '(id INT PRIMARY KEY, n BIGINT NOT NULL)')
            cur.execute('REPLACE INTO commit_probe VALUES (1, 0)')
        conn.commit()
        self._thread = threading.Thread(target=self._run, args=(conn,),
                                        name='commit-probe', daemon=True)
        self._thread.start()

    def _run(self, conn):
        try:
            with conn.cursor() as cur:
                while not self._stop.is_set():
                    started = time.perf_counter()
                    cur.execute('UPDATE commit_probe SET n = n + 1 '
                                'WHERE id = 1')
                    conn.commit()
                    self.latencies.append(time.perf_counter() - started)
                    self._stop.wait(self.interval)
        except Exception as exc:
            self.error = exc
        finally:
            conn.close()

    def stop(self):
        """Stop; the latencies' summary (latency_summary)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        summary = latency_summary(self.latencies)
        if self.error is not None:
            summary['error'] = str(self.error)
        return summary


# -- CPU seconds of processes ------------------------------------------------

def cpu_seconds(pid):
    """utime + stime of a process (and its reaped children: no)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat.rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def pids_named(comm):
    """Pids whose /proc/PID/comm is ``comm`` (e.g. mariadbd, beam.smp)."""
    found = []
    for path in glob.glob('/proc/[0-9]*/comm'):
        try:
            with open(path) as f:
                if f.read().strip() == comm:
                    found.append(int(path.split('/')[2]))
        except OSError:
            continue
    return sorted(found)


class CpuMeter:
    """CPU seconds of named processes between snapshots."""

    def __init__(self, processes):
        self.processes = dict(processes)     # label -> pid
        self.snapshots = {}

    def snapshot(self, name):
        self.snapshots[name] = {label: cpu_seconds(pid)
                                for label, pid in self.processes.items()}

    def delta(self, start, end):
        a, b = self.snapshots[start], self.snapshots[end]
        return {label: (b[label] - a[label])
                if a.get(label) is not None and b.get(label) is not None
                else None for label in self.processes}


# -- HTTP --------------------------------------------------------------------

class Client:
    """One keep-alive connection per thread; every call is timed."""

    def __init__(self, base_url, token=TOKEN, timeout=60):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.prefix = parts.path.rstrip('/')
        self.timeout = timeout
        self.headers = {'X-Auth-Token': token,
                        'X-OpenStack-Nova-API-Version': MICROVERSION,
                        'OpenStack-API-Version': 'compute ' + MICROVERSION,
                        'Content-Type': 'application/json',
                        'Accept': 'application/json'}
        self._local = threading.local()

    def _conn(self):
        conn = getattr(self._local, 'conn', None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port,
                                              timeout=self.timeout)
            self._local.conn = conn
        return conn

    def request(self, method, path, body=None):
        """(status, decoded JSON or None, seconds)."""
        data = None if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            conn = self._conn()
            started = time.perf_counter()
            try:
                conn.request(method, self.prefix + path, body=data,
                             headers=self.headers)
                resp = conn.getresponse()
                raw = resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if resp.getheader('Connection', '').lower() == 'close':
                conn.close()
                self._local.conn = None
            try:
                decoded = json.loads(raw) if raw else None
            except ValueError:
                decoded = {'raw': raw[:500].decode('utf-8', 'replace')}
            return resp.status, decoded, elapsed

    def get(self, path, expect=200):
        status, body, elapsed = self.request('GET', path)
        if expect is not None and status != expect:
            raise BenchError('GET %s -> %s %s' % (path, status, body))
        return body, elapsed

    def up(self):
        try:
            status, _body, _t = self.request('GET', '/flavors')
        except OSError:
            return False
        return status == 200


def list_all(client, query='', page=1000):
    """Every server (detail), following markers; returns the list."""
    servers, marker = [], None
    while True:
        q = 'limit=%d' % page + ('&marker=%s' % marker if marker else '')
        if query:
            q += '&' + query
        body, _t = client.get('/servers/detail?' + q)
        batch = body['servers']
        servers.extend(batch)
        if len(batch) < page:
            return servers
        marker = batch[-1]['id']


def ensure_flavor(client, name, vcpus, ram_mb, disk_gb):
    """The id of flavor ``name`` (created when missing)."""
    body, _t = client.get('/flavors/detail')
    for flavor in body['flavors']:
        if flavor['name'] == name:
            return flavor['id']
    status, body, _t = client.request('POST', '/flavors', {'flavor': {
        'name': name, 'vcpus': vcpus, 'ram': ram_mb, 'disk': disk_gb}})
    if status != 200:
        raise BenchError('creating flavor %s: %s %s' % (name, status, body))
    return body['flavor']['id']


def wait_hypervisors(client, count, timeout, on_poll=None):
    def enough():
        if on_poll is not None:
            on_poll()
        body, _t = client.get('/os-hypervisors/detail')
        up = [h for h in body['hypervisors'] if h.get('state') == 'up']
        return len(up) >= count
    poll(enough, timeout, interval=0.5,
         message='%d hypervisors never came up' % count)


# -- processes ---------------------------------------------------------------

def script(name):
    """A console script beside this Python (the venv nube is installed in)."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if os.access(path, os.X_OK):
        return [path]
    module = {'nube-all': 'nube.cmd.all'}.get(name)
    if module is None:
        raise BenchError('%s not found beside %s' % (name, sys.executable))
    return [sys.executable, '-m', module]


class Process:
    """A child process in its own group, logging to a file."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
        self.proc = None

    def start(self):
        with open(self.log_path, 'ab') as log:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=self.env,
                start_new_session=True)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def tail(self, lines=30):
        try:
            with open(self.log_path, 'rb') as f:
                text = f.read().decode('utf-8', 'replace')
        except OSError:
            return ''
        return '\n'.join(text.splitlines()[-lines:])

    def check(self):
        if not self.alive():
            raise BenchError('%s exited (%s); log tail:\n%s' % (
                self.name, None if self.proc is None else
                self.proc.returncode, self.tail()))

    def stop(self, timeout=20.0):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            _killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        _killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.returncode


def _killpg(pid, sig):
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class NubeAll:
    """``nube-all`` in a temporary state directory on free ports.

    The benchmarks measure the compute path, so the compute API runs with
    noauth2 and no image service (any image UUID boots a blank disk), as
    Nova's own functional harness fakes auth and images; identity still
    runs in the process, on a free port.
    """

    def __init__(self, state_dir, fake_hosts=1, vcpus=None, ram_mb=None,
                 disk_gb=None, extra_args=(), log_dir=None):
        self.state_dir = state_dir
        self.port = free_port()
        argv = script('nube-all') + [
            '--state-dir', state_dir, '--fake-hosts', str(fake_hosts),
            '--api-port', str(self.port), '--auth', 'noauth2',
            '--no-images', '--identity-port', str(free_port())]
        for flag, value in (('--fake-vcpus', vcpus),
                            ('--fake-ram-mb', ram_mb),
                            ('--fake-disk-gb', disk_gb)):
            if value:
                argv += [flag, str(value)]
        argv += list(extra_args)
        log_dir = log_dir or state_dir
        self.process = Process('nube-all', argv, os.path.join(
            log_dir, 'nube-all-%d.log' % self.port))
        self.url = 'http://127.0.0.1:%d/v2.1' % self.port
        self.client = Client(self.url)

    def start(self, timeout=120):
        self.process.start()

        def ready():
            self.process.check()
            return self.client.up()
        poll(ready, timeout, interval=0.2, message='nube-all API not up')
        return self

    def processes(self):
        return {'nube-all': self.process.pid}

    def stop(self):
        return self.process.stop()


class TempDir:
    """mkdtemp removed at exit unless keep."""

    def __init__(self, prefix, keep=False):
        self.path = tempfile.mkdtemp(prefix=prefix)
        self.keep = keep

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        if self.keep:
            print('kept %s' % self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        return False


# -- the services' own timings -----------------------------------------------

def read_timings(state_dirs, newer_than=0.0, wait=0.0):
    """Timing summaries (nube/timing.py) from the state dirs.

    Waits up to ``wait`` seconds until every file was written after
    ``newer_than`` (a time.time()), so the last phase is included.
    """
    deadline = time.monotonic() + wait
    while True:
        found = []
        for state_dir in state_dirs:
            for path in sorted(glob.glob(os.path.join(
                    state_dir, 'timing-*.json'))):
                try:
                    with open(path) as f:
                        found.append(json.load(f))
                except (OSError, ValueError):
                    continue
        fresh = found and all(d.get('written_at', 0) >= newer_than
                              for d in found)
        if fresh or time.monotonic() >= deadline:
            return found
        time.sleep(0.2)


def timing_rows(summaries, limit=None):
    """Rows (process, stage, count, total s, mean, p50, p95, max) by total."""
    rows = []
    names = collections.Counter(d.get('binary', '?') for d in summaries)
    for data in summaries:
        who = data.get('binary', '?')
        if names[who] > 1:
            who = '%s[%s]' % (who, data.get('pid'))
        for stage, s in data.get('stages', {}).items():
            rows.append([who, stage, s['count'], s['total_s'],
                         s['mean_ms'], s['p50_ms'], s['p95_ms'],
                         s['max_ms']])
    rows.sort(key=lambda r: -r[3])
    return rows[:limit] if limit else rows


def print_timings(summaries, title='Where the time went (services\' own '
                  'stage timings, wall clock)'):
    rows = timing_rows(summaries)
    if not rows:
        print('\n(no timing files: is [DEFAULT] timing_stats on?)')
        return
    print_table(title, ['process', 'stage', 'count', 'total s', 'mean ms',
                        'p50 ms', 'p95 ms', 'max ms'], rows)


# -- sampling profiles (py-spy) ----------------------------------------------

def py_spy():
    path = os.path.join(os.path.dirname(sys.executable), 'py-spy')
    return path if os.access(path, os.X_OK) else shutil.which('py-spy')


class Profiler:
    """``py-spy record`` (collapsed stacks) of some pids while running."""

    def __init__(self, out_dir, processes, rate=100):
        self.binary = py_spy()
        if self.binary is None:
            raise BenchError('--profile needs py-spy (pip install py-spy)')
        self.out_dir = out_dir
        self.processes = dict(processes)
        self.rate = rate
        self.running = {}

    def start(self):
        os.makedirs(self.out_dir, exist_ok=True)
        for label, pid in self.processes.items():
            out = os.path.join(self.out_dir, '%s.txt' % label)
            self.running[label] = (out, subprocess.Popen(
                [self.binary, 'record', '-p', str(pid), '-f', 'raw',
                 '-o', out, '-r', str(self.rate), '--nolineno',
                 '--nonblocking'], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.5)    # let py-spy attach before the work starts

    def stop(self):
        outputs = {}
        for label, (out, proc) in self.running.items():
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            outputs[label] = out
        self.running = {}
        return outputs


CPU_SAMPLER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               'cpu_sampler')


def enable_cpu_sampler(out_dir):
    """Services started from now on sample their CPU time (cpu_sampler/)."""
    os.makedirs(out_dir, exist_ok=True)
    os.environ['NUBE_BENCH_CPU_SAMPLES'] = out_dir
    os.environ['PYTHONPATH'] = os.pathsep.join(
        [CPU_SAMPLER_DIR] + [p for p in os.environ.get(
            'PYTHONPATH', '').split(os.pathsep) if p])


class CpuSampler:
    """One phase of cpu_sampler's samples, from processes started after
    enable_cpu_sampler; same interface as Profiler."""

    def __init__(self, out_dir, processes, phase):
        self.out_dir = out_dir
        self.processes = dict(processes)
        self.phase = phase

    def _switch(self, phase):
        with open(os.path.join(self.out_dir, 'PHASE'), 'w') as f:
            f.write(phase)
        for pid in self.processes.values():
            try:
                os.kill(pid, signal.SIGUSR2)
            except ProcessLookupError:
                pass

    def start(self):
        self._switch(self.phase)

    def stop(self):
        self._switch('')
        outputs = {label: os.path.join(self.out_dir, '%d-%s.txt' % (
            pid, self.phase)) for label, pid in self.processes.items()}
        try:
            poll(lambda: all(os.path.exists(path)
                             for path in outputs.values()), 10)
        except BenchError:
            pass    # a process that wrote nothing reports no samples
        return outputs


def top_functions(collapsed_path, limit=15):
    """(samples, self top, inclusive top of nube's own frames)."""
    own = collections.Counter()
    incl = collections.Counter()
    total = 0
    try:
        with open(collapsed_path) as f:
            lines = f.read().splitlines()
    except OSError:
        return 0, [], []
    for line in lines:
        stack, _sep, count = line.rpartition(' ')
        if not stack or not count.isdigit():
            continue
        count = int(count)
        frames = stack.split(';')
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            if ('nube/' in frame or '(nube' in frame) and \
                    'nube/timing.py' not in frame:
                incl[frame] += count
    return total, own.most_common(limit), incl.most_common(limit)


def print_profile(label, collapsed_path, limit=15, kind='py-spy'):
    total, own, incl = top_functions(collapsed_path, limit)
    if not total:
        print('\n(no profile samples for %s)' % label)
        return
    common_rows = [[n, round(100.0 * c / total, 1), f[:100]]
                   for n, (f, c) in enumerate(own, 1)]
    print_table('%s %s: %d samples, top self time (%%)' % (
        kind, label, total), ['#', '%', 'function (file)'], common_rows)
    rows = [[n, round(100.0 * c / total, 1), f[:100]]
            for n, (f, c) in enumerate(incl, 1)]
    print_table('%s %s: nube functions, inclusive time (%%)' % (
        kind, label), ['#', '%', 'function (file)'], rows)
