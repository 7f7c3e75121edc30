"""Aggregate zone rules under real concurrency (MariaDB): one host added
at the same moment to aggregates of different zones ends up in exactly
one zone, and a zone set on an aggregate races host additions safely."""

import threading

import pytest

from nube.db.api import aggregates
from nube.db.api import api as api_db
from nube.db import migration


@pytest.fixture
def api(database_factory):
    url = database_factory('aggrace')['aggrace']
    db = api_db.ApiDatabase(url)
    migration.db_sync(db, 'api')
    cell = db.cell_mapping_create('cell1', 'fake:///', 'sqlite://')
    for i in range(5):
        db.host_mapping_create('h%d' % i, cell['id'])
    yield db
    db.dispose()


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = []

    def run(fn):
        barrier.wait()
        try:
            fn()
            results.append('ok')
        except aggregates.InvalidAggregateAction:
            results.append('refused')

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    return sorted(results)


def test_one_host_two_zones_at_once(api):
    for round_ in range(5):
        host = 'h%d' % round_
        zones = [aggregates.create(api, 'r%d-z%d' % (round_, z),
                                   availability_zone='z%d' % z)
                 for z in range(8)]
        results = _race([
            (lambda agg: lambda: aggregates.add_host(api, agg['id'], host))(a)
            for a in zones])
        assert results == ['ok'] + ['refused'] * 7
        assert aggregates.host_zones(api, [host]) != {}
        assert len(aggregates.host_zones(api, [host])[host]) == 1


def test_zone_change_races_host_add(api):
    plain = aggregates.create(api, 'plain', hosts=['h0'])
    zoned = aggregates.create(api, 'zoned', availability_zone='a')
    results = _race([
        lambda: aggregates.add_host(api, zoned['id'], 'h0'),
        lambda: aggregates.set_metadata(api, plain['id'],
                                        {'availability_zone': 'b'})])
    assert results == ['ok', 'refused']
    assert len(aggregates.host_zones(api, ['h0'])['h0']) == 1
