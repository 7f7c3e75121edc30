"""nube's MariaDB engine against a real server: the round trips it leaves
out (the ping on every checkout, the rollback after every commit) are
only left out where they are not needed."""

import pymysql
import pytest
import sqlalchemy as sa

from nube.db import base


@pytest.fixture
def database(database_factory):
    url = database_factory('engine')['engine']
    db = base.Database(url, max_pool_size=2, max_overflow=0)
    with db.transaction() as conn:
        conn.execute(sa.text('CREATE TABLE t (id INT PRIMARY KEY, v INT)'))
        conn.execute(sa.text('INSERT INTO t VALUES (1, 0)'))
    yield db
    db.dispose()


class _Spy:
    """Counts calls of a PyMySQL method and runs the real one."""

    def __init__(self, monkeypatch, name):
        self.calls = 0
        real = getattr(pymysql.connections.Connection, name)

        def spy(conn, *args, **kwargs):
            self.calls += 1
            return real(conn, *args, **kwargs)
        monkeypatch.setattr(pymysql.connections.Connection, name, spy)


def _server_connection_id(conn):
    return conn.execute(sa.text('SELECT CONNECTION_ID()')).scalar()


def test_committed_transaction_costs_no_ping_and_no_rollback(
        database, monkeypatch):
    with database.transaction() as conn:     # warm the pool
        conn.execute(sa.text('SELECT v FROM t'))
    pings = _Spy(monkeypatch, 'ping')
    rollbacks = _Spy(monkeypatch, 'rollback')
    for _ in range(5):
        with database.transaction() as conn:
            conn.execute(sa.text('UPDATE t SET v = v + 1 WHERE id = 1'))
    assert (pings.calls, rollbacks.calls) == (0, 0)
    with database.transaction() as conn:
        assert conn.execute(sa.text('SELECT v FROM t')).scalar() == 5


def test_connection_returned_inside_a_transaction_is_rolled_back(database):
    raw = database.engine.raw_connection()
    first_id = raw.thread_id()
    cursor = raw.cursor()
    cursor.execute('UPDATE t SET v = 42 WHERE id = 1')
    cursor.close()
    raw.close()          # back to the pool with the UPDATE uncommitted
    with database.transaction() as conn:
        assert _server_connection_id(conn) == first_id   # the same one
        assert conn.execute(sa.text('SELECT v FROM t')).scalar() == 0


def test_failed_transaction_is_rolled_back(database):
    with pytest.raises(RuntimeError):
        with database.transaction() as conn:
            conn.execute(sa.text('UPDATE t SET v = 7 WHERE id = 1'))
            raise RuntimeError('boom')
    with database.transaction() as conn:
        assert conn.execute(sa.text('SELECT v FROM t')).scalar() == 0


def test_idle_connection_killed_by_the_server_is_replaced(
        database, db_server, monkeypatch):
    with database.transaction() as conn:
        killed = _server_connection_id(conn)
    db_server._execute('KILL CONNECTION %d' % killed)
    # The pooled connection now counts as idle long enough to be pinged.
    monkeypatch.setattr(base, 'IDLE_PING_AFTER', 0.0)
    pings = _Spy(monkeypatch, 'ping')
    with database.transaction() as conn:
        assert _server_connection_id(conn) != killed
        assert conn.execute(sa.text('SELECT v FROM t')).scalar() == 0
    assert pings.calls >= 1


def test_busy_connection_is_not_pinged(database, monkeypatch):
    with database.transaction() as conn:
        conn.execute(sa.text('SELECT 1'))
    monkeypatch.setattr(base, 'IDLE_PING_AFTER', 3600.0)
    pings = _Spy(monkeypatch, 'ping')
    with database.transaction() as conn:
        conn.execute(sa.text('SELECT 1'))
    assert pings.calls == 0
