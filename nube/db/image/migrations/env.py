"""alembic environment for the image database; nube.db.migration passes the
connection in through config attributes."""

from alembic import context

from nube.db.image import models

target_metadata = models.Base.metadata


def run_migrations():
    connection = context.config.attributes.get('connection')
    if connection is None:
        raise RuntimeError('run migrations through nube-manage')
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
