"""nube-manage quota on SQLite: a project's, a user's and a class's limits."""

import uuid

import pytest

from nube.cmd import manage
from nube.db.api import api as api_db
from nube import quota
from tests.unit.cmd.test_manage import conf  # noqa: F401 (fixture)


def _run(capsys, *argv, rc=0):
    assert manage.run(list(argv)) == rc
    captured = capsys.readouterr()
    return captured.out if rc == 0 else captured.err


def _row(out, name):
    """The cells of one table row, by its first column."""
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip('|').split('|')]
        if cells and cells[0] == name:
            return cells[1:]
    raise AssertionError('%s not in %s' % (name, out))


@pytest.fixture
def db(conf, capsys):  # noqa: F811
    _run(capsys, 'api_db', 'sync')
    return api_db.get_database()


def _boot(db, count, user='u1'):
    flavor = {'flavorid': '1', 'vcpus': 1, 'memory_mb': 64}
    db.build_create([{'instance': {
        'uuid': str(uuid.uuid4()), 'project_id': 'p1', 'user_id': user,
        'flavor': flavor, 'vcpus': 1, 'memory_mb': 64}, 'spec': {}}
        for _ in range(count)], min_count=count)


def test_project_and_user_limits(db, capsys):
    _boot(db, 2)
    out = _run(capsys, 'quota', 'show', '--project', 'p1')
    assert _row(out, 'instances') == ['10', '2']
    assert _row(out, 'injected_file_path_bytes') == ['255', '0']
    out = _run(capsys, 'quota', 'update', '--project', 'p1', 'instances=5',
               'cores=-1')
    assert _row(out, 'instances') == ['5', '2']
    assert _row(out, 'cores') == ['-1', '2']
    assert quota.get_project(db, 'p1')['instances'] == 5
    # Below usage: refused unless forced, as the API.
    err = _run(capsys, 'quota', 'update', '--project', 'p1', 'instances=1',
               rc=1)
    assert 'Quota limit 1 for instances must be greater than or equal to ' \
        'already used and reserved 2.' in err
    _run(capsys, 'quota', 'update', '--project', 'p1', '--force',
         'instances=1')
    assert quota.get_project(db, 'p1')['instances'] == 1
    out = _run(capsys, 'quota', 'update', '--project', 'p1', '--user', 'u2',
               '--force', 'key_pairs=3')
    assert _row(out, 'key_pairs') == ['3', '0']
    assert quota.get_project(db, 'p1', 'u2')['key_pairs'] == 3
    assert 'user u2' in _run(capsys, 'quota', 'delete', '--project', 'p1',
                             '--user', 'u2')
    assert quota.get_project(db, 'p1', 'u2')['key_pairs'] == 100
    _run(capsys, 'quota', 'delete', '--project', 'p1')
    assert quota.get_project(db, 'p1')['instances'] == 10


@pytest.mark.parametrize('pair', ['instances', 'bogus=1', 'instances=x',
                                  'instances=-2', 'ram=2147483648'])
def test_bad_limits_are_refused(db, capsys, pair):
    err = _run(capsys, 'quota', 'update', '--project', 'p1', pair, rc=1)
    assert err.startswith('ERROR: ')
    assert quota.get_project(db, 'p1') == quota.get_defaults(db)


def test_class_limits(db, capsys):
    out = _run(capsys, 'quota', 'class', 'show')
    assert _row(out, 'instances') == ['10']
    out = _run(capsys, 'quota', 'class', 'update', 'instances=30')
    assert _row(out, 'instances') == ['30']
    assert quota.get_defaults(db)['instances'] == 30
    assert quota.get_project(db, 'p9')['instances'] == 30
    _run(capsys, 'quota', 'class', 'update', '--name', 'gold', 'cores=64')
    assert _row(_run(capsys, 'quota', 'class', 'show', '--name', 'gold'),
                'cores') == ['64']
    assert quota.get_defaults(db)['cores'] == 20
