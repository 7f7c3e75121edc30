"""instances.user_data as MEDIUMTEXT (64 KiB of base64 fits, as in Nova)

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


def upgrade():
    if op.get_bind().dialect.name != 'mysql':
        return   # SQLite's TEXT has no such limit
    op.alter_column('instances', 'user_data',
                    type_=sa.Text().with_variant(mysql.MEDIUMTEXT(),
                                                 'mysql'),
                    existing_nullable=True)
