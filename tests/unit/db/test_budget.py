"""Connection budgets: the formula, the start-up check and the waiting."""

import logging
import os
import subprocess
import sys

from oslo_db import exception as db_exc
import pymysql
import pytest
import sqlalchemy as sa

from nube.db.api import api as api_db
from nube.db import base
from nube.db import budget
from nube.db import migration
import nube.conf

CONF = nube.conf.CONF

MYSQL = 'mysql+pymysql://u:p@db.example:3306/%s'


@pytest.fixture(autouse=True)
def _clean():
    budget.reset()
    yield
    budget.reset()
    CONF.clear_override('service_concurrency', group='database')
    CONF.clear_override('enforce_connection_budget', group='database')
    for group in ('database', 'api_database', 'image_database',
                  'identity_database'):
        for name in ('connection', 'max_pool_size', 'max_overflow'):
            CONF.clear_override(name, group=group)
    CONF.clear_override('wsgi_pool_size', group='api')
    CONF.clear_override('executor_thread_pool_size')


def test_engine_limit_is_pool_plus_overflow_capped_by_concurrency():
    assert budget.engine_limit(16, 32) == 48
    assert budget.engine_limit(16, 32, concurrency=1000) == 48
    assert budget.engine_limit(16, 32, concurrency=20) == 20
    assert budget.engine_limit(16, 32, concurrency=4) == 4
    # SQLAlchemy's defaults when oslo.db passes none.
    assert budget.engine_limit(None, None) == 15
    # Unbounded pools are bounded by the concurrency alone.
    assert budget.engine_limit(0, 10) is None
    assert budget.engine_limit(16, -1, concurrency=64) == 64


def test_fit_pool_keeps_the_pool_then_the_overflow():
    opts = {'max_pool_size': 16, 'max_overflow': 32, 'pool_timeout': 3}
    assert budget.fit_pool(opts, None) == opts
    assert budget.fit_pool(opts, 1000) == dict(opts, max_pool_size=16,
                                               max_overflow=32)
    assert budget.fit_pool(opts, 20) == dict(opts, max_pool_size=16,
                                             max_overflow=4)
    assert budget.fit_pool(opts, 8) == dict(opts, max_pool_size=8,
                                            max_overflow=0)
    assert budget.fit_pool({'max_pool_size': 0, 'max_overflow': 5}, 12) == {
        'max_pool_size': 12, 'max_overflow': 0}


def test_process_concurrency_keeps_the_largest():
    assert budget.process_concurrency() is None
    assert budget.set_concurrency(64) == 64
    assert budget.set_concurrency(20) == 64
    assert budget.set_concurrency(None) == 64
    assert budget.set_concurrency(100) == 100


def test_service_concurrency_is_derived_and_can_be_overridden():
    CONF.set_override('wsgi_pool_size', 30, group='api')
    CONF.set_override('executor_thread_pool_size', 12)
    assert budget.service_concurrency('nube-api') == 30
    assert budget.service_concurrency('nube-conductor') == 12
    assert budget.service_concurrency('nube-scheduler') == 12
    assert budget.service_concurrency('nube-image-registry') == 1000
    assert budget.service_concurrency('nube-compute') is None
    assert budget.service_concurrency('nube-image-api') is None
    CONF.set_override('service_concurrency', 7, group='database')
    assert budget.service_concurrency('nube-api') == 7
    assert budget.service_concurrency('nube-compute') is None


def test_api_budget_counts_every_engine():
    CONF.set_override('connection', MYSQL % 'api', group='api_database')
    CONF.set_override('max_pool_size', 4, group='api_database')
    CONF.set_override('max_overflow', 6, group='api_database')
    cells = [('cell0', MYSQL % 'cell0'), ('cell1', MYSQL % 'cell1'),
             ('cell2', 'mysql+pymysql://u:p@other:3307/cell2')]
    result = budget.Budget.for_service('nube-api', cells=cells)
    # API DB 4 + 6; cells 16 + 32 each.
    assert [e[2] for e in result.engines] == [10, 48, 48, 48]
    assert result.total == 154
    servers = result.by_server()
    assert sorted(servers) == [('db.example', 3306), ('other', 3307)]
    assert [e[0] for e in servers[('db.example', 3306)]] == [
        'api_database', 'cell0', 'cell1']


def test_conductor_budget_follows_its_executor():
    CONF.set_override('connection', MYSQL % 'cell1', group='database')
    CONF.set_override('executor_thread_pool_size', 10)
    result = budget.Budget.for_service('nube-conductor')
    assert result.engines == [('database', MYSQL % 'cell1', 10)]
    assert budget.Budget.for_service('nube-compute').engines == []


def _status(max_connections, in_use, calls):
    def status(connection):
        calls.append(connection)
        return max_connections, in_use
    return status


def test_check_warns_with_what_to_set(caplog):
    CONF.set_override('connection', MYSQL % 'api', group='api_database')
    cells = [('cell%d' % n, MYSQL % ('cell%d' % n)) for n in range(3)]
    calls = []
    with caplog.at_level(logging.WARNING, logger='nube.db.budget'):
        result = budget.check_service('nube-api', cells=cells,
                                      status=_status(151, 113, calls))
    assert result.total == 4 * 48
    assert calls == [MYSQL % 'api']   # one probe per server
    message = [r.getMessage() for r in caplog.records
               if r.levelno == logging.WARNING]
    assert message == [
        'pool budget 192 (api_database 48, cell0 48, cell1 48, '
        'cell2 48; concurrency 1000) exceeds max_connections 151 minus '
        '113 in use on db.example:3306; set [database] '
        'max_pool_size/max_overflow (and [api_database], '
        '[image_database], [identity_database]) or [database] '
        'service_concurrency lower, or raise max_connections to at '
        'least 305']
    # The process's engines are sized to the service from now on.
    assert budget.process_concurrency() == 1000


def test_check_refuses_when_enforced():
    CONF.set_override('connection', MYSQL % 'image', group='image_database')
    CONF.set_override('enforce_connection_budget', True, group='database')
    with pytest.raises(budget.ConnectionBudgetExceeded) as caught:
        budget.check_service('nube-image-registry',
                             status=_status(40, 0, []))
    # [image_database] keeps oslo.db's pool defaults, 5 + 50.
    assert 'pool budget 55 (image_database 55; concurrency 1000) exceeds ' \
        'max_connections 40 minus 0 in use on db.example:3306' \
        in caught.value.message


def test_check_passes_when_it_fits(caplog):
    CONF.set_override('connection', MYSQL % 'cell1', group='database')
    CONF.set_override('enforce_connection_budget', True, group='database')
    CONF.set_override('service_concurrency', 5, group='database')
    with caplog.at_level(logging.INFO, logger='nube.db.budget'):
        result = budget.check_service('nube-conductor',
                                      status=_status(151, 140, []))
    assert result.total == 5
    assert 'pool budget 5 of max_connections 151 (140 in use)' in \
        caplog.text
    assert 'exceeds' not in caplog.text


def test_check_skips_sqlite_and_services_without_a_database(tmp_path):
    connection = 'sqlite:///%s' % (tmp_path / 'api.db')
    CONF.set_override('connection', connection, group='api_database')

    def unreachable(connection):
        raise AssertionError('no server to ask')
    result = budget.check_service('nube-scheduler', status=unreachable)
    assert result.engines[0][0] == 'api_database'
    assert result.by_server() == {}
    assert budget.check_service('nube-compute', status=unreachable) is None


def test_check_survives_an_unreachable_server(caplog):
    CONF.set_override('connection', MYSQL % 'cell1', group='database')
    CONF.set_override('enforce_connection_budget', True, group='database')

    def down(connection):
        raise pymysql.err.OperationalError(2003, "Can't connect")
    with caplog.at_level(logging.WARNING, logger='nube.db.budget'):
        budget.check_service('nube-conductor', status=down)
    assert 'cannot check the connection budget on db.example:3306' in \
        caplog.text


def test_pool_exhaustion_is_recognised():
    too_many = pymysql.err.OperationalError(1040, 'Too many connections')
    assert budget.is_pool_exhausted(sa.exc.TimeoutError('QueuePool limit'))
    assert budget.is_pool_exhausted(too_many)
    wrapped = sa.exc.OperationalError('connect', {}, too_many)
    assert budget.is_pool_exhausted(db_exc.DBError(wrapped))
    assert not budget.is_pool_exhausted(
        pymysql.err.OperationalError(1045, 'Access denied'))
    assert not budget.is_pool_exhausted(ValueError('x'))


def test_wait_for_connection_retries_a_full_pool_within_the_bound():
    results = [sa.exc.TimeoutError('full'), sa.exc.TimeoutError('full'),
               'conn']

    def connect():
        value = results.pop(0)
        if isinstance(value, Exception):
            raise value
        return value
    assert budget.wait_for_connection(connect, wait=30) == 'conn'
    assert results == []

    def always_full():
        raise sa.exc.TimeoutError('full')
    with pytest.raises(sa.exc.TimeoutError):
        budget.wait_for_connection(always_full, wait=0)

    def broken():
        raise pymysql.err.OperationalError(1045, 'Access denied')
    with pytest.raises(pymysql.err.OperationalError):
        budget.wait_for_connection(broken, wait=30)


def test_sqlite_databases_still_work_through_the_new_paths(tmp_path):
    budget.set_concurrency(3)
    db = api_db.ApiDatabase('sqlite:///%s' % (tmp_path / 'api.db'))
    migration.db_sync(db, 'api')
    with db.transaction() as conn:
        assert conn.exec_driver_sql('SELECT 1').scalar() == 1
    db.dispose()


def test_server_engine_is_sized_to_the_process(monkeypatch):
    made = {}

    def fake_engine(connection, opts):
        made.update(opts)
        return object()
    monkeypatch.setattr(base, '_server_engine', fake_engine)
    budget.set_concurrency(6)
    db = base.Database(MYSQL % 'cell1', max_pool_size=16, max_overflow=32)
    db.engine
    assert made['max_pool_size'] == 6 and made['max_overflow'] == 0


def test_budget_command_prints_the_total(tmp_path):
    # What devstack runs, in a process of its own (it parses the config).
    conf = tmp_path / 'nube.conf'
    conf.write_text('[api_database]\nconnection = %s\n[database]\n'
                    'connection = %s\nmax_pool_size = 5\nmax_overflow = 5\n'
                    % (MYSQL % 'api', MYSQL % 'cell1'))
    result = subprocess.run(
        [sys.executable, '-m', 'nube.db.budget', '--service', 'nube-api',
         '--cells', '3', '--config-file', str(conf)],
        capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    assert result.returncode == 0, result.stderr
    # api_database 16 + 32, and 3 cells of 5 + 5.
    assert result.stdout.strip() == '78'
