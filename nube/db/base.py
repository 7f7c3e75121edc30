"""Shared pieces of the database layer: declarative bases, engines, sessions.

oslo.db builds and tunes the engines (pooling, MySQL sql_mode, error
translation, reconnects); nube opens sessions from them explicitly so one
request can use the API DB and a cell DB at once without sharing
transaction state.
"""

import contextlib
import datetime
import threading
import time

from oslo_db import api as oslo_db_api
from oslo_db.sqlalchemy import engines as oslo_engines
from oslo_db.sqlalchemy import exc_filters
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy import orm

from nube.db import budget
from nube import utils


# Writers that may lose a lock-order race on MariaDB (InnoDB picks a victim
# and answers 1213) run again from the start of their transaction.
retry_on_deadlock = oslo_db_api.wrap_db_retry(
    max_retries=10, retry_on_deadlock=True, retry_interval=0.02,
    inc_retry_interval=True, max_retry_interval=0.5)


# Up to 16 MiB on MariaDB (TEXT holds 64 KiB): for JSON documents that
# carry a server's user_data, which alone may be 64 KiB of base64.
MediumText = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')


class TimestampMixin:
    created_at = sa.Column(sa.DateTime)
    updated_at = sa.Column(sa.DateTime)


class ApiBase(orm.DeclarativeBase):
    """Models of the API database."""


class CellBase(orm.DeclarativeBase):
    """Models of a cell database."""


class Database:
    """One database: an engine and read/write sessions.

    MariaDB/MySQL engines come from oslo.db (pooling, SQL mode, error
    translation, connect retries) with two round trips fewer per
    transaction (see _server_engine). A SQLite file gets one persistent
    connection of its own instead: oslo.db gives SQLite files a NullPool,
    so every transaction would reconnect and checkpoint, while nube
    already runs a file's transactions one at a time (see _sqlite_lock).
    """

    def __init__(self, connection, **engine_opts):
        self.connection = connection
        self._maker = None
        self._lock = threading.RLock()
        self._serial = _sqlite_lock(connection)
        if self._serial is not None:
            self._engine = _sqlite_engine(connection)
        else:
            self._engine = None
            self._engine_opts = {k: v for k, v in engine_opts.items()
                                 if v is not None}

    @property
    def engine(self):
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    # Never more connections than the service can use
                    # at once (nube.db.budget).
                    self._engine = _server_engine(
                        self.connection, budget.fit_pool(
                            self._engine_opts,
                            budget.process_concurrency()))
        return self._engine

    def _connect(self):
        """A pooled connection; while the pool is full (or the server
        refuses more connections) the caller waits, up to [database]
        pool_wait_timeout seconds, instead of failing."""
        return budget.wait_for_connection(
            self.engine.connect, what=type(self).__name__)

    def _sessionmaker(self):
        if self._maker is None:
            with self._lock:
                if self._maker is None:
                    self._maker = orm.sessionmaker(
                        bind=self.engine, expire_on_commit=False)
        return self._maker

    @contextlib.contextmanager
    def session(self):
        """A session in one transaction, committed on success."""
        if self._serial is None:
            # The session begins and commits on this connection.
            with self._connect() as conn:
                with self._sessionmaker()(bind=conn) as session:
                    with session.begin():
                        yield session
            return
        with self._serial:
            with self._sessionmaker().begin() as session:
                yield session

    @contextlib.contextmanager
    def transaction(self):
        """A Core connection in one transaction, committed on success.

        For the per-server hot paths: statements on tables through a
        connection skip the ORM session (its unit of work, identity map
        and bulk-update bookkeeping), about half the cost of a short
        transaction.
        """
        if self._serial is None:
            with self._connect() as conn:
                with conn.begin():
                    yield conn
            return
        with self._serial:
            with self.engine.begin() as conn:
                yield conn

    def dispose(self):
        self.engine.dispose()


# A pooled connection unused for this long is pinged before it is handed
# out: a server restart or wait_timeout shows up there first, and under
# load connections come back within milliseconds, so busy services skip it.
IDLE_PING_AFTER = 1.0


def _server_engine(connection, opts):
    """A MariaDB/MySQL (or other server) engine from oslo.db, lighter.

    oslo.db's engines ping the server on every checkout
    (``pool_pre_ping``), and SQLAlchemy's pool rolls back every
    connection it takes back, even right after a COMMIT: two round trips
    around every short transaction, a third of the statements of a
    server boot. Here the pool pings a connection only when it sat idle
    for IDLE_PING_AFTER seconds (a dead one is replaced before use), and
    on return rolls back only when the server says a transaction is still
    open. Everything else (pool sizes, sql_mode, process guards, error
    translation, connect retries at start-up) is oslo.db's own.
    """
    def target(url, **engine_args):
        engine_args.update(pool_pre_ping=False, pool_reset_on_return=None)
        engine = sa.create_engine(url, **engine_args)
        return engine, engine

    engine = oslo_engines.create_engine(connection, _engine_target=target,
                                        **opts)

    @sa.event.listens_for(engine, 'checkin')
    def _checkin(dbapi_connection, record):
        if record is not None:
            record.info['nube_returned'] = time.monotonic()

    @sa.event.listens_for(engine, 'checkout')
    def _checkout(dbapi_connection, record, proxy):
        returned = record.info.get('nube_returned')
        if returned is None or time.monotonic() - returned < IDLE_PING_AFTER:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool replaces this connection and tries another.
            raise sa.exc.DisconnectionError(str(error))

    @sa.event.listens_for(engine, 'reset')
    def _reset(dbapi_connection, record, reset_state):
        if reset_state.terminate_only:
            return
        if _transaction_open(dbapi_connection):
            dbapi_connection.rollback()

    return engine


def _transaction_open(dbapi_connection):
    """Whether the server may hold an open transaction on this connection:
    PyMySQL keeps the status flags of the server's last answer; other
    drivers are asked to roll back as SQLAlchemy would."""
    status = getattr(dbapi_connection, 'server_status', None)
    if status is None:
        return True
    return bool(status & _SERVER_STATUS_IN_TRANS)


# MySQL protocol: the server status flag "a transaction is open".
_SERVER_STATUS_IN_TRANS = 1


def _sqlite_engine(connection):
    """One shared connection to a SQLite file (or memory), tuned.

    Write-ahead log with synchronous=NORMAL: a commit survives a crash of
    the process; the last commits before a power loss may not, which suits
    nube-all and test databases. Foreign keys on. pysqlite's own
    transaction handling is switched off and BEGIN emitted explicitly, the
    documented recipe that makes SAVEPOINTs work.
    """
    engine = sa.create_engine(
        connection, poolclass=sa.pool.StaticPool,
        connect_args={'check_same_thread': False})
    on_file = ':memory:' not in connection and connection not in (
        'sqlite://', 'sqlite:///')

    @sa.event.listens_for(engine, 'connect')
    def _connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA foreign_keys=ON')
        if on_file:
            cursor.execute('PRAGMA journal_mode=WAL')
            cursor.execute('PRAGMA synchronous=NORMAL')
        cursor.close()

    @sa.event.listens_for(engine, 'begin')
    def _begin(conn):
        conn.exec_driver_sql('BEGIN')

    # The same error translation (DBDuplicateEntry, ...) oslo.db engines do.
    exc_filters.register_engine(engine)
    return engine


_sqlite_locks = {}
_sqlite_locks_guard = threading.Lock()


def _sqlite_lock(connection):
    """One lock per SQLite file: it cannot upgrade a read transaction to a
    write while another connection writes (it fails with 'database is
    locked' at once), so one process runs its transactions on a file one
    at a time. Other databases get None: they lock rows themselves."""
    if not connection.startswith('sqlite'):
        return None
    with _sqlite_locks_guard:
        return _sqlite_locks.setdefault(connection, threading.RLock())


class ProcessDatabase:
    """The process's database of one kind, made on first use from the
    oslo.db option group that names it (``[api_database]``, ...)."""

    def __init__(self, database_class, group):
        self._class = database_class
        self._group = group
        self._database = None
        self._lock = threading.Lock()

    def get(self):
        if self._database is None:
            with self._lock:
                if self._database is None:
                    self._database = self._make()
        return self._database

    def _make(self):
        import nube.conf
        from nube import exception

        opts = getattr(nube.conf.CONF, self._group)
        if not opts.connection:
            raise exception.NubeException(
                '[%s] connection is not set' % self._group)
        return self._class(opts.connection, **engine_opts(opts))

    def reset(self):
        self._database = None


def engine_opts(group):
    """oslo.db engine keyword arguments from an oslo.db option group."""
    return dict(
        max_pool_size=group.max_pool_size,
        max_overflow=group.max_overflow,
        pool_timeout=group.pool_timeout,
        connection_recycle_time=group.connection_recycle_time,
        max_retries=group.max_retries,
        mysql_sql_mode=group.mysql_sql_mode,
    )


def rows_to_dicts(result, json_fields=(), raw_times=False):
    """Plain dicts of a Core result, quickly (listings of thousands).

    Datetimes become Nova's format unless ``raw_times``: the scheduler
    compares heartbeats and would only parse the strings back.
    """
    return [mapping_to_dict(mapping, json_fields, raw_times)
            for mapping in result.mappings()]


def mapping_to_dict(mapping, json_fields=(), raw_times=False):
    """Plain dict of one Core row (``row._mapping``), as row_to_dict
    makes of a model row: datetimes in Nova's format (unless
    ``raw_times``), JSON decoded."""
    values = dict(mapping)
    if not raw_times:
        for key, value in values.items():
            if isinstance(value, datetime.datetime):
                values[key] = utils.isotime(value)
    for key in json_fields:
        if key in values:
            values[key] = utils.loads(values[key], default={})
    return values


def insert_row(conn, table, values):
    """INSERT one row with Core; returns every column as stored.

    Columns not given take their Python-side default (nube's models have
    only scalar ones), the primary key comes from the insert: the dict a
    flushed ORM object would give, without the unit of work.
    """
    result = conn.execute(table.insert(), values)
    key = dict(zip((c.key for c in table.primary_key.columns),
                   result.inserted_primary_key))
    row = {}
    for column in table.columns:
        if column.key in values:
            row[column.key] = values[column.key]
        elif column.key in key:
            row[column.key] = key[column.key]
        elif column.server_default is not None or (
                column.default is not None and not column.default.is_scalar):
            # Only the database knows: read the row back.
            return dict(conn.execute(sa.select(table).where(*[
                table.c[k] == v for k, v in key.items()])).one()._mapping)
        else:
            row[column.key] = getattr(column.default, 'arg', None)
    return row


def row_to_dict(row, json_fields=()):
    """Plain dict of a model row; datetimes in Nova's format, JSON decoded."""
    values = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        if column.key in json_fields:
            value = utils.loads(value, default={})
        elif hasattr(value, 'strftime'):
            value = utils.isotime(value)
        values[column.key] = value
    return values
