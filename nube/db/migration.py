"""alembic for nube's databases: one migration tree per database kind."""

import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration

_HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ('api', 'cell', 'identity', 'image')


def _config(kind, connection):
    cfg = alembic_config.Config()
    cfg.set_main_option('script_location',
                        os.path.join(_HERE, kind, 'migrations'))
    cfg.attributes['connection'] = connection
    return cfg


def db_sync(database, kind, revision='head'):
    """Upgrade ``database`` (a nube.db.base.Database) to ``revision``."""
    if kind not in KINDS:
        raise ValueError('unknown database kind %r' % kind)
    with database.engine.begin() as connection:
        command.upgrade(_config(kind, connection), revision)


def db_version(database):
    with database.engine.connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection).get_current_revision()
