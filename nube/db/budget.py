"""Database connection budgets: pools sized to what a service can use,
checked against what the database server allows.

A service runs at most ``C`` transactions at once (its concurrency: the
WSGI server's green-thread pool for nube-api, the image registry and
identity; the RPC executor's threads for nube-conductor and
nube-scheduler; ``[database] service_concurrency`` overrides it). One
transaction holds one connection of one engine, so an engine never needs
more than ``C`` connections. Each engine therefore gets

    limit    = min(C, max_pool_size + max_overflow)
    pool     = min(max_pool_size, limit)     (kept open)
    overflow = limit - pool                  (opened on demand, closed after)

and the service's budget is the sum of ``limit`` over every engine it
opens (API DB, cell0 and each cell DB, image or identity DB), counted per
database server. At start-up ``check_service`` compares each server's
share with ``@@max_connections`` minus ``Threads_connected`` (the
connections other processes hold now) and warns, or refuses to start
with ``[database] enforce_connection_budget = true``.

A full pool (or a server answering 1040 Too many connections) makes a
transaction wait, up to ``[database] pool_wait_timeout`` seconds in all,
instead of failing (``wait_for_connection``).
"""

import argparse
import sys
import threading
import time

from oslo_log import log as logging
import sqlalchemy as sa

from nube import exception
import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# SQLAlchemy's QueuePool defaults, used when oslo.db passes none.
_SA_POOL_SIZE = 5
_SA_OVERFLOW = 10
# MariaDB: "Too many connections", and the per-user variant.
_TOO_MANY_CONNECTIONS = (1040, 1203)


class ConnectionBudgetExceeded(exception.NubeException):
    msg_fmt = 'The database connection budget does not fit the server.'


# -- the formula --------------------------------------------------------------

def engine_limit(max_pool_size, max_overflow, concurrency=None):
    """Most connections one engine opens: pool plus overflow, capped by
    the service's concurrency. None: unbounded (max_pool_size 0 or
    max_overflow -1, and no concurrency known)."""
    pool = _SA_POOL_SIZE if max_pool_size is None else max_pool_size
    overflow = _SA_OVERFLOW if max_overflow is None else max_overflow
    cap = None if pool <= 0 or overflow < 0 else pool + overflow
    if concurrency is None:
        return cap
    return concurrency if cap is None else min(cap, concurrency)


def fit_pool(engine_opts, concurrency):
    """oslo.db engine options with max_pool_size/max_overflow cut down so
    the engine opens at most ``limit`` connections (module docstring)."""
    if concurrency is None:
        return dict(engine_opts)
    opts = dict(engine_opts)
    pool = opts.get('max_pool_size')
    pool = _SA_POOL_SIZE if pool is None else pool
    limit = engine_limit(pool, opts.get('max_overflow'), concurrency)
    size = limit if pool <= 0 else min(pool, limit)
    opts.update(max_pool_size=size, max_overflow=limit - size)
    return opts


_process = {'concurrency': None}
_process_lock = threading.Lock()


def set_concurrency(concurrency):
    """What this process can run at once; engines made from now on are
    sized to it. Several services in one process (nube-all): the most."""
    with _process_lock:
        current = _process['concurrency']
        if concurrency is not None and (current is None
                                        or concurrency > current):
            _process['concurrency'] = concurrency
        return _process['concurrency']


def process_concurrency():
    return _process['concurrency']


def reset():
    with _process_lock:
        _process['concurrency'] = None


# -- what each service opens --------------------------------------------------

# Services that reach the API DB and every cell's DB.
_ALL_CELLS = ('nube-api', 'nube-scheduler', 'nube-network-api')

def service_concurrency(binary, conf=None):
    """The transactions ``binary`` can run at once, or None when it has
    no database of its own (nube-compute, nube-image-api)."""
    conf = conf or CONF
    derived = {
        'nube-api': lambda: conf.api.wsgi_pool_size,
        'nube-scheduler': lambda: conf.executor_thread_pool_size,
        'nube-conductor': lambda: conf.executor_thread_pool_size,
        'nube-network': lambda: conf.executor_thread_pool_size,
        'nube-network-api': lambda: conf.network_api.wsgi_pool_size,
        'nube-image-registry': lambda: conf.image_registry.wsgi_pool_size,
        'nube-identity': lambda: conf.identity.wsgi_pool_size,
    }.get(binary)
    if derived is None:
        return None
    return conf.database.service_concurrency or derived()


def _cell_connections():
    from nube.cells import targeting
    return [(cell['name'] or cell['uuid'], cell['database_connection'])
            for cell in targeting.get_cells(include_cell0=True,
                                            refresh=True)]


def _known_cells(binary, conf):
    if server_key(conf.api_database.connection) is None:
        return []   # nube-all and unit tests: SQLite, nothing to check
    try:
        return _cell_connections()
    except Exception as exc:
        LOG.warning('%s: cannot read the cell mappings to check the '
                    'connection budget: %s', binary, exc)
        return []


def service_engines(binary, conf=None, cells=None):
    """[(name, connection, oslo.db option group)] of the engines
    ``binary`` opens. ``cells``: [(name, connection)] of cell0 and the
    cells (default: read from the API DB's cell mappings)."""
    conf = conf or CONF
    if binary in _ALL_CELLS:
        engines = [('api_database', conf.api_database.connection,
                    conf.api_database)]
        if cells is None:
            cells = _cell_connections()
        return engines + [(name, connection, conf.database)
                          for name, connection in cells]
    group = {'nube-conductor': 'database', 'nube-network': 'database',
             'nube-image-registry': 'image_database',
             'nube-identity': 'identity_database'}.get(binary)
    if group is None:
        return []
    opts = getattr(conf, group)
    return [(group, opts.connection, opts)]


class Budget:
    """The connections one service may open, engine by engine."""

    def __init__(self, binary, concurrency, engines):
        self.binary = binary
        self.concurrency = concurrency
        # [(name, connection, limit)]
        self.engines = engines

    @classmethod
    def for_service(cls, binary, conf=None, cells=None):
        concurrency = service_concurrency(binary, conf)
        engines = []
        if concurrency is not None:
            for name, connection, group in service_engines(binary, conf,
                                                           cells):
                engines.append((name, connection, engine_limit(
                    group.max_pool_size, group.max_overflow, concurrency)))
        return cls(binary, concurrency, engines)

    @property
    def total(self):
        return sum(limit for _name, _connection, limit in self.engines)

    def by_server(self):
        """{(host, port): [(name, connection, limit)]}; SQLite and
        unset connections (no server to share) left out."""
        servers = {}
        for engine in self.engines:
            key = server_key(engine[1])
            if key is not None:
                servers.setdefault(key, []).append(engine)
        return servers


def server_key(connection):
    if not connection or connection.startswith('sqlite'):
        return None
    url = sa.engine.make_url(connection)
    return (url.host or 'localhost', url.port or 3306)


# -- the check ----------------------------------------------------------------

def server_status(connection):
    """(max_connections, connections in use by others) of the server,
    over one short-lived connection of its own (not counted)."""
    url = sa.engine.make_url(connection)
    args = {'connect_timeout': 5} if url.get_backend_name() == 'mysql' \
        else {}
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                              connect_args=args)
    try:
        with engine.connect() as conn:
            max_connections = int(conn.exec_driver_sql(
                'SELECT @@max_connections').scalar())
            row = conn.exec_driver_sql(
                "SHOW GLOBAL STATUS LIKE 'Threads_connected'").first()
    finally:
        engine.dispose()
    in_use = max(int(row[1]) - 1, 0) if row is not None else 0
    return max_connections, in_use


def budget_problem(budget, engines, server, max_connections, in_use):
    """The one-line complaint when ``engines`` (the budget's share on
    ``server``) do not fit in the server, else None."""
    share = sum(limit for _name, _connection, limit in engines)
    if share <= max_connections - in_use:
        return None
    detail = ', '.join('%s %d' % (name, limit)
                       for name, _connection, limit in engines)
    return ('pool budget %d (%s; concurrency %d) exceeds '
            'max_connections %d minus %d in use on %s:%s; set [database] '
            'max_pool_size/max_overflow (and [api_database], '
            '[image_database], [identity_database]) or [database] '
            'service_concurrency lower, or raise max_connections to at '
            'least %d' % (share, detail, budget.concurrency,
                          max_connections, in_use, server[0], server[1],
                          share + in_use))


def check_service(binary, conf=None, cells=None, status=server_status):
    """Size this process's pools for ``binary`` and check its budget
    against every database server it uses; returns the Budget.

    Call it from the service's start(), before its first transaction.
    Raises ConnectionBudgetExceeded with [database]
    enforce_connection_budget = true, else logs a warning. A server that
    cannot be asked is logged and skipped (the engines retry to connect).
    """
    conf = conf or CONF
    concurrency = service_concurrency(binary, conf)
    if concurrency is None:
        return None
    set_concurrency(concurrency)
    if cells is None and binary in _ALL_CELLS:
        cells = _known_cells(binary, conf)
    budget = Budget.for_service(binary, conf, cells)
    for server, engines in sorted(budget.by_server().items()):
        try:
            max_connections, in_use = status(engines[0][1])
        except Exception as exc:
            LOG.warning('%s: cannot check the connection budget on %s:%s:'
                        ' %s', binary, server[0], server[1], exc)
            continue
        problem = budget_problem(budget, engines, server, max_connections,
                                 in_use)
        if problem is None:
            LOG.info('%s: pool budget %d of max_connections %d (%d in '
                     'use) on %s:%s', binary,
                     sum(e[2] for e in engines), max_connections, in_use,
                     server[0], server[1])
        elif conf.database.enforce_connection_budget:
            raise ConnectionBudgetExceeded(problem)
        else:
            LOG.warning('%s', problem)
    return budget


# -- waiting for a connection -------------------------------------------------

def is_pool_exhausted(exc):
    """Whether ``exc`` says "no connection free now": the pool's
    checkout timed out, or the server refused a new connection."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, sa.exc.TimeoutError):
            return True
        args = getattr(exc, 'args', ())
        if args and args[0] in _TOO_MANY_CONNECTIONS:
            return True
        exc = (getattr(exc, 'inner_exception', None)
               or getattr(exc, 'orig', None) or exc.__cause__)
    return False


def pool_wait_timeout():
    try:
        return CONF.database.pool_wait_timeout
    except Exception:
        return 60.0


def wait_for_connection(connect, what='database', wait=None):
    """``connect()``, again while the pool is full or the server is, for
    up to ``wait`` seconds ([database] pool_wait_timeout) in all."""
    wait = pool_wait_timeout() if wait is None else wait
    start = time.monotonic()
    pause = 0.05
    logged = False
    while True:
        try:
            return connect()
        except Exception as exc:
            if not is_pool_exhausted(exc):
                raise
            waited = time.monotonic() - start
            if waited >= wait:
                LOG.error('No connection to the %s after %.1fs: %s',
                          what, waited, exc)
                raise
            if not logged:
                LOG.warning('No free connection to the %s (%s); waiting '
                            'up to %.0fs', what, type(exc).__name__, wait)
                logged = True
            if not isinstance(exc, sa.exc.TimeoutError):
                # The server is full: back off (the pool already waited).
                time.sleep(min(pause, wait - waited))
                pause = min(pause * 2, 1.0)


# -- devstack: the budget of a deployment -------------------------------------

def main(argv=None):
    """Print the connection budget of one service from its configuration
    files: ``python -m nube.db.budget --service nube-api --cells 4
    --config-file nube.conf`` (``--cells``: cell0 and the cells)."""
    parser = argparse.ArgumentParser(prog='python -m nube.db.budget')
    parser.add_argument('--service', required=True)
    parser.add_argument('--cells', type=int, default=0,
                        help='cell databases (cell0 included) the API and '
                             'the scheduler open')
    args, rest = parser.parse_known_args(argv)
    CONF(rest, project='nube')
    cells = [('cell%d' % n, CONF.database.connection)
             for n in range(args.cells)]
    print(Budget.for_service(args.service, cells=cells).total)
    return 0


if __name__ == '__main__':
    sys.exit(main())
