"""Migrated SQLite databases for the DB unit tests."""

import pytest

from nube.db.api import api as api_db
from nube.db.cell import api as cell_api
from nube.db import migration


@pytest.fixture
def cell_db(tmp_path):
    db = cell_api.CellDatabase('sqlite:///%s' % (tmp_path / 'cell.db'))
    migration.db_sync(db, 'cell')
    yield db
    db.dispose()


@pytest.fixture
def api(tmp_path):
    db = api_db.ApiDatabase('sqlite:///%s' % (tmp_path / 'api.db'))
    migration.db_sync(db, 'api')
    yield db
    db.dispose()
