"""Reaching a cell: its database and its RPC transport, from its mapping.

Every process that talks to more than its own cell (API, scheduler) goes
through here; the result per cell is cached for the process's lifetime.
"""

import threading
import time

import nube.conf
from nube.db import base
from nube.db.api import api as api_db
from nube.db.cell import api as cell_db

CONF = nube.conf.CONF

CELL0_UUID = api_db.CELL0_UUID

_databases = {}
_mappings = {'at': 0.0, 'cells': None}
_lock = threading.Lock()


def cell_database(cell_mapping):
    """The CellDatabase for a cell mapping dict (cached by connection)."""
    connection = cell_mapping['database_connection']
    database = _databases.get(connection)
    if database is None:
        with _lock:
            database = _databases.get(connection)
            if database is None:
                database = cell_db.CellDatabase(
                    connection, **base.engine_opts(CONF.database))
                _databases[connection] = database
    return database


def get_cells(include_cell0=False, refresh=False):
    """Cell mappings, cached for [cells] mapping_cache_time seconds."""
    now = time.monotonic()
    cells = _mappings['cells']
    if (refresh or cells is None or
            now - _mappings['at'] > CONF.cells.mapping_cache_time):
        cells = api_db.get_database().cell_mapping_get_all()
        _mappings.update(at=now, cells=cells)
    return [c for c in cells
            if include_cell0 or c['uuid'] != CELL0_UUID]


def get_cell0():
    for cell in get_cells(include_cell0=True):
        if cell['uuid'] == CELL0_UUID:
            return cell
    for cell in get_cells(include_cell0=True, refresh=True):
        if cell['uuid'] == CELL0_UUID:
            return cell
    raise RuntimeError('cell0 is not mapped: run nube-manage cell_v2 '
                       'map_cell0')


def get_cell_by_id(cell_id):
    for refresh in (False, True):
        for cell in get_cells(include_cell0=True, refresh=refresh):
            if cell['id'] == cell_id:
                return cell
    return None


def reset():
    with _lock:
        for database in _databases.values():
            database.dispose()
        _databases.clear()
        _mappings.update(at=0.0, cells=None)
