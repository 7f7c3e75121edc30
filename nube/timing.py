"""Where a process spends its time, stage by stage (for tools/bench).

Code marks stage boundaries with ``with timing.stage('scheduler.claim'):``,
``@timing.timed('conductor.instance_update')``, ``timing.record(name, s)``
or a lap timer (``laps = timing.laps('api.create')`` then
``laps.lap('db_write')`` after each step). With ``[DEFAULT] timing_stats``
off (the default) each of those costs one option lookup and records
nothing. On, the process keeps per stage the count, total and max of the
wall-clock seconds plus a bounded random sample (for percentiles), and
writes a JSON summary to ``$state_path/timing-<binary>-<pid>.json`` every
few seconds and at exit. Wall clock on purpose: under eventlet a stage's
time includes waiting for the database, the broker and other green
threads, which is what a slow request is made of. Services started by
``nube.cmd.common`` also time their garbage collections (``gc.gen0`` to
``gc.gen2``): a collection stops every green thread.
"""

import atexit
import collections
import functools
import gc
import json
import os
import random
import sys
import threading
import time

import nube.conf

CONF = nube.conf.CONF

RESERVOIR = 2048          # samples kept per stage for percentiles
DUMP_INTERVAL = 2.0       # seconds between summary files
now = time.perf_counter


def enabled():
    return CONF.timing_stats


class _Stat:
    __slots__ = ('count', 'total', 'max', 'samples')

    def __init__(self):
        self.count = 0
        self.total = 0.0
        self.max = 0.0
        self.samples = []

    def add(self, seconds, rng):
        self.count += 1
        self.total += seconds
        if seconds > self.max:
            self.max = seconds
        if len(self.samples) < RESERVOIR:
            self.samples.append(seconds)
        else:
            # Reservoir sampling: every value so far is kept with the
            # same probability, so the sample stays unbiased.
            slot = rng.randrange(self.count)
            if slot < RESERVOIR:
                self.samples[slot] = seconds

    def summary(self):
        ordered = sorted(self.samples)
        return {'count': self.count,
                'total_s': round(self.total, 6),
                'mean_ms': round(self.total / self.count * 1000, 3)
                if self.count else 0.0,
                'p50_ms': _ms(percentile(ordered, 50)),
                'p95_ms': _ms(percentile(ordered, 95)),
                'p99_ms': _ms(percentile(ordered, 99)),
                'max_ms': _ms(self.max)}


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 3)


def percentile(ordered, pct):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * pct // 100))   # ceil
    return ordered[min(len(ordered), int(rank)) - 1]


class Timings:
    """A process-local aggregator of stage durations."""

    def __init__(self, seed=None):
        self._stats = {}
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.started_at = time.time()

    def record(self, name, seconds):
        with self._lock:
            stat = self._stats.get(name)
            if stat is None:
                stat = self._stats[name] = _Stat()
            stat.add(seconds, self._rng)

    def summary(self):
        with self._lock:
            stats = {name: stat.summary()
                     for name, stat in sorted(self._stats.items())}
        return {'binary': _binary(), 'pid': os.getpid(),
                'started_at': self.started_at, 'written_at': time.time(),
                'stages': stats}

    def reset(self):
        with self._lock:
            self._stats.clear()
            self.started_at = time.time()


_TIMINGS = Timings()
_dumper = {'pid': None}


def _binary():
    return os.path.basename(sys.argv[0] or 'python') or 'python'


def record(name, seconds):
    """Add one duration (seconds) to stage ``name``."""
    if not CONF.timing_stats:
        return
    _TIMINGS.record(name, seconds)
    if _dumper['pid'] != os.getpid():
        _start_dumper()


class _Stage:
    __slots__ = ('name', 'started')

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.started = now()
        return self

    def __exit__(self, *exc):
        record(self.name, now() - self.started)
        return False


class _NoOp:
    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def lap(self, name):
        pass


_NOOP = _NoOp()


def stage(name):
    """Context manager timing its block as stage ``name``."""
    if not CONF.timing_stats:
        return _NOOP
    return _Stage(name)


def timed(name):
    """Decorator: every call of the function is a stage ``name``."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not CONF.timing_stats:
                return func(*args, **kwargs)
            started = now()
            try:
                return func(*args, **kwargs)
            finally:
                record(name, now() - started)
        return wrapper
    return decorate


class _Laps:
    __slots__ = ('prefix', 'last')

    def __init__(self, prefix):
        self.prefix = prefix
        self.last = now()

    def lap(self, name):
        """Record the time since the previous lap as ``prefix.name``."""
        current = now()
        record('%s.%s' % (self.prefix, name), current - self.last)
        self.last = current


def laps(prefix):
    """A lap timer: each ``lap(name)`` ends one step of a sequence."""
    if not CONF.timing_stats:
        return _NOOP
    return _Laps(prefix)


# -- garbage collection pauses ----------------------------------------------

# Pauses measured but not yet recorded, per generation. The collector runs
# inside whatever allocation crossed its threshold, Timings.record holding
# its lock included, so the callback takes no lock and looks up no option:
# it appends a float, and summary() records the pauses.
_GC_PENDING = tuple(collections.deque(maxlen=RESERVOIR) for _ in range(3))
_gc_started = [None]


def _on_gc(phase, info):
    if phase == 'start':
        _gc_started[0] = now()
    elif _gc_started[0] is not None:
        _GC_PENDING[info['generation']].append(now() - _gc_started[0])
        _gc_started[0] = None


def watch_gc():
    """Time this process's garbage collections (stages gc.gen0-gc.gen2).

    A collection stops every green thread of the process: its pauses
    belong beside the stages they lengthen.
    """
    if not CONF.timing_stats or _on_gc in gc.callbacks:
        return
    gc.callbacks.append(_on_gc)
    _start_dumper()


def _record_gc_pauses():
    for generation, pending in enumerate(_GC_PENDING):
        while True:
            try:
                seconds = pending.popleft()
            except IndexError:
                break
            _TIMINGS.record('gc.gen%d' % generation, seconds)


# -- the summary file --------------------------------------------------------

def summary():
    _record_gc_pauses()
    return _TIMINGS.summary()


def reset():
    for pending in _GC_PENDING:
        pending.clear()
    _TIMINGS.reset()


def dump_path():
    return os.path.join(CONF.state_path, 'timing-%s-%d.json'
                        % (_binary(), os.getpid()))


def dump(path=None):
    """Write the summary (atomically); returns the path or None."""
    path = path or dump_path()
    try:
        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
        tmp = '%s.tmp' % path
        with open(tmp, 'w') as f:
            json.dump(summary(), f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        return None
    return path


def _dump_if_enabled():
    if CONF.timing_stats:
        dump()


def _dump_forever():
    while True:
        time.sleep(DUMP_INTERVAL)
        _dump_if_enabled()


def _start_dumper():
    with _TIMINGS._lock:
        if _dumper['pid'] == os.getpid():
            return
        _dumper['pid'] = os.getpid()
    threading.Thread(target=_dump_forever, name='timing-dump',
                     daemon=True).start()
    atexit.register(_dump_if_enabled)
