"""subnets.host_routes (Neutron's core subnet attribute; handed to guests
by DHCP as classless static routes)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('subnets', sa.Column('host_routes', sa.Text(),
                                       nullable=True))
