"""Migrations build exactly the models' schema on SQLite."""

from alembic import autogenerate
from alembic import migration as alembic_migration
import pytest

from nube.db.api import api as api_db
from nube.db.api import models as api_models
from nube.db.cell import api as cell_api
from nube.db.cell import models as cell_models
from nube.db import migration


@pytest.mark.parametrize('kind,cls,models', [
    ('api', api_db.ApiDatabase, api_models),
    ('cell', cell_api.CellDatabase, cell_models)])
def test_migrations_match_models(tmp_path, kind, cls, models):
    db = cls('sqlite:///%s' % (tmp_path / ('%s.db' % kind)))
    migration.db_sync(db, kind)
    assert migration.db_version(db) is not None
    with db.engine.connect() as conn:
        ctx = alembic_migration.MigrationContext.configure(conn)
        diff = autogenerate.compare_metadata(ctx, models.Base.metadata)
    assert diff == []
    # Running it again is a no-op.
    migration.db_sync(db, kind)
