#!/usr/bin/env python3
"""CPU of one short MariaDB transaction through nube's engine.

Runs ``--count`` transactions of one UPDATE and one SELECT (the shape of a
conductor's instance update) through ``nube.db.base.Database`` on a
throw-away database, under eventlet as the services run, and prints per
transaction: wall time, this process's CPU and mariadbd's CPU. It is also
a probe of the machine's speed: the same code gives different numbers
when the machine runs slower.

Needs a MariaDB that ``tools/install_services.sh`` set up (the functional
tests' account; ``NUBE_TEST_DB_URL`` overrides it).

  python tools/bench/db_transaction.py --count 3000 --rounds 3
"""

import eventlet
eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import sqlalchemy as sa  # noqa: E402

# nube before common (which puts this repository first on sys.path): with
# PYTHONPATH naming another work tree, that tree's nube is measured.
from nube.db import base  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

from tests.functional import fixtures  # noqa: E402

UPDATE = sa.text('UPDATE t SET v = v + 1 WHERE id = 1')
SELECT = sa.text('SELECT v FROM t WHERE id = 1')


def _own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _mariadbd_cpu():
    pids = common.pids_named('mariadbd') or common.pids_named('mysqld')
    return common.cpu_seconds(pids[0]) if pids else None


def run(db, count, rounds):
    with db.transaction() as conn:
        conn.execute(sa.text('CREATE TABLE t (id INT PRIMARY KEY, v INT)'))
        conn.execute(sa.text('INSERT INTO t VALUES (1, 0)'))
    rows = []
    for number in range(1, rounds + 1):
        own, server = _own_cpu(), _mariadbd_cpu()
        started = time.perf_counter()
        for _ in range(count):
            with db.transaction() as conn:
                conn.execute(UPDATE)
                conn.execute(SELECT).scalar()
        wall = time.perf_counter() - started
        server_after = _mariadbd_cpu()
        rows.append([number, round(wall / count * 1e6),
                     round((_own_cpu() - own) / count * 1e6),
                     None if server is None or server_after is None
                     else round((server_after - server) / count * 1e6)])
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--count', type=int, default=3000,
                   help='transactions per round (default 3000)')
    p.add_argument('--rounds', type=int, default=3)
    args = p.parse_args(argv)
    server = fixtures.DatabaseServer()
    server.check()
    print('nube from %s' % os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(base.__file__)))))
    name = fixtures.unique_name('_txbench')
    url = server.create(name)
    db = base.Database(url, max_pool_size=16, max_overflow=32)
    try:
        rows = run(db, args.count, args.rounds)
    finally:
        db.dispose()
        server.drop(name)
    common.print_table(
        'one UPDATE + one SELECT per transaction, %d per round (%s)' % (
            args.count, common.machine()['loadavg']),
        ['round', 'wall us', 'client CPU us', 'mariadbd CPU us'], rows)
    return 0


if __name__ == '__main__':
    sys.exit(main())
