"""Quota-checked build writes under real concurrency (MariaDB): twenty
writers of one project at one moment against a limit of ten leave exactly
ten servers, whatever the interleaving, and other projects never wait on
the lock of this one."""

import threading
import uuid

import pytest

from nube.db.api import api as api_db
from nube.db import migration
from nube import quota

FLAVOR = {'flavorid': '1', 'vcpus': 1, 'memory_mb': 64}


@pytest.fixture
def api(database_factory):
    url = database_factory('quotarace')['quotarace']
    db = api_db.ApiDatabase(url)
    migration.db_sync(db, 'api')
    yield db
    db.dispose()


def _build(project):
    instance = {'uuid': str(uuid.uuid4()), 'project_id': project,
                'user_id': 'u', 'flavor': FLAVOR, 'vcpus': 1,
                'memory_mb': 64}
    return {'instance': instance, 'spec': {}}


def _race(api, projects):
    barrier = threading.Barrier(len(projects))
    results = []

    def create(project):
        barrier.wait()
        try:
            api.build_create([_build(project)], min_count=1)
            results.append((project, 'ok'))
        except quota.QuotaExceeded:
            results.append((project, 'over'))

    threads = [threading.Thread(target=create, args=(p,)) for p in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_twenty_writers_against_a_limit_of_ten(api):
    for round_ in range(3):
        project = 'race-%d' % round_
        quota.update_project(api, project, {'instances': 10})
        results = _race(api, [project] * 20)
        assert sorted(r for _p, r in results) == ['ok'] * 10 + ['over'] * 10
        assert quota.get_usage(api, project, resources=['instances']) == {
            'instances': 10}


def test_projects_do_not_share_a_limit(api):
    projects = ['a', 'b'] * 10
    for project in ('a', 'b'):
        quota.update_project(api, project, {'instances': 6})
    results = _race(api, projects)
    for project in ('a', 'b'):
        assert sorted(r for p, r in results if p == project) == \
            ['ok'] * 6 + ['over'] * 4
