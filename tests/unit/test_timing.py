"""nube.timing: the per-stage aggregator behind tools/bench."""

import gc
import json
import os
import threading

import pytest

import nube.conf
from nube import timing

CONF = nube.conf.CONF


@pytest.fixture
def timings(tmp_path, monkeypatch):
    """Stats on, state in tmp_path, no background dumper thread."""
    CONF.set_override('timing_stats', True)
    CONF.set_override('state_path', str(tmp_path))
    monkeypatch.setitem(timing._dumper, 'pid', os.getpid())
    timing.reset()
    yield tmp_path
    timing.reset()
    CONF.clear_override('timing_stats')
    CONF.clear_override('state_path')


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert timing.percentile(values, 50) == 50
    assert timing.percentile(values, 95) == 95
    assert timing.percentile(values, 99) == 99
    assert timing.percentile(values, 100) == 100
    assert timing.percentile([7], 99) == 7
    assert timing.percentile([], 50) is None


def test_aggregator_counts_exactly_and_bounds_its_sample():
    agg = timing.Timings(seed=1)
    for i in range(timing.RESERVOIR * 3):
        agg.record('x', (i % 100) / 1000.0)
    stage = agg.summary()['stages']['x']
    assert stage['count'] == timing.RESERVOIR * 3
    assert stage['max_ms'] == pytest.approx(99.0)
    assert stage['total_s'] == pytest.approx(
        sum((i % 100) / 1000.0 for i in range(timing.RESERVOIR * 3)))
    # The sample is uniform over 0..99 ms: its median is near 49.5.
    assert 40 <= stage['p50_ms'] <= 60
    assert len(agg._stats['x'].samples) == timing.RESERVOIR


def test_disabled_records_nothing(tmp_path):
    CONF.set_override('state_path', str(tmp_path))
    timing.reset()
    try:
        assert not CONF.timing_stats
        with timing.stage('off.stage'):
            pass
        timing.record('off.record', 1.0)
        timing.laps('off').lap('step')
        assert timing.timed('off.timed')(lambda: 42)() == 42
        assert timing.summary()['stages'] == {}
    finally:
        CONF.clear_override('state_path')


def test_stage_timed_laps_and_dump(timings):
    with timing.stage('a.stage'):
        pass

    @timing.timed('a.timed')
    def work(x):
        return x * 2

    assert work(21) == 42
    with pytest.raises(ZeroDivisionError):
        with timing.stage('a.raises'):
            1 / 0
    laps = timing.laps('a.create')
    laps.lap('validate')
    laps.lap('db_write')
    timing.record('a.record', 0.25)

    path = timing.dump()
    assert path == os.path.join(str(timings), 'timing-%s-%d.json' % (
        timing._binary(), os.getpid()))
    with open(path) as f:
        data = json.load(f)
    assert data['pid'] == os.getpid()
    stages = data['stages']
    assert set(stages) == {'a.stage', 'a.timed', 'a.raises',
                           'a.create.validate', 'a.create.db_write',
                           'a.record'}
    assert all(s['count'] == 1 for s in stages.values())
    assert stages['a.record']['p99_ms'] == 250.0
    assert stages['a.record']['total_s'] == 0.25


@pytest.fixture
def gc_watched(timings):
    timing.watch_gc()
    yield timings
    while timing._on_gc in gc.callbacks:
        gc.callbacks.remove(timing._on_gc)


def test_garbage_collections_are_stages_per_generation(gc_watched):
    timing.watch_gc()
    assert gc.callbacks.count(timing._on_gc) == 1
    gc.collect(0)
    gc.collect()
    stages = timing.summary()['stages']
    assert stages['gc.gen0']['count'] >= 1
    assert stages['gc.gen2']['count'] >= 1
    assert stages['gc.gen2']['max_ms'] > 0


def test_a_collection_inside_record_does_not_wait_for_its_lock(gc_watched):
    # The collector may run in any allocation, record()'s included.
    def collect_under_the_lock():
        with timing._TIMINGS._lock:
            gc.collect()

    worker = threading.Thread(target=collect_under_the_lock, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert timing.summary()['stages']['gc.gen2']['count'] >= 1


def test_garbage_collections_are_not_watched_with_stats_off():
    assert not CONF.timing_stats
    timing.watch_gc()
    assert timing._on_gc not in gc.callbacks
