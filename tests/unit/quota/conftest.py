"""A migrated SQLite API database for the quota engine's tests."""

import pytest

from nube.db.api import api as api_db
from nube.db import migration


@pytest.fixture
def api(tmp_path):
    db = api_db.ApiDatabase('sqlite:///%s' % (tmp_path / 'api.db'))
    migration.db_sync(db, 'api')
    yield db
    db.dispose()
