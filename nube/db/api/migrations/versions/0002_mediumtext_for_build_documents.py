"""build request and request spec documents as MEDIUMTEXT

A build request holds the whole instance, whose user_data alone may be
64 KiB of base64: more than MariaDB's TEXT holds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 03:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_MEDIUM = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')


def upgrade():
    if op.get_bind().dialect.name != 'mysql':
        return   # SQLite's TEXT has no such limit
    op.alter_column('build_requests', 'instance', type_=_MEDIUM,
                    existing_nullable=False)
    op.alter_column('request_specs', 'spec', type_=_MEDIUM,
                    existing_nullable=False)
