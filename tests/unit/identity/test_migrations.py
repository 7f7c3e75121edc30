"""The identity migrations build exactly the models' schema."""

from alembic import autogenerate
from alembic import migration as alembic_migration

from nube.db.identity import api as identity_db
from nube.db.identity import models
from nube.db import migration


def test_identity_migrations_match_models(tmp_path):
    db = identity_db.IdentityDatabase('sqlite:///%s' % (tmp_path / 'i.db'))
    migration.db_sync(db, 'identity')
    assert migration.db_version(db) == '0001'
    with db.engine.connect() as conn:
        ctx = alembic_migration.MigrationContext.configure(conn)
        diff = autogenerate.compare_metadata(ctx, models.Base.metadata)
    assert diff == []
    migration.db_sync(db, 'identity')
    assert migration.db_version(db) == '0001'
