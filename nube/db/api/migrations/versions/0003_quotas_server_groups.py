"""quotas per user and class, server groups, usage columns on mappings

Quota counting reads the API DB only: an instance mapping carries the
vCPUs and RAM its server holds, and a create locks its project's row in
``project_quota_locks`` while it counts and writes, so concurrent creates
of one project never pass a limit together.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 19:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _times():
    return [sa.Column('created_at', sa.DateTime(), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade():
    op.create_table(
        'project_user_quotas',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('user_id', sa.String(length=255), nullable=False),
        sa.Column('resource', sa.String(length=255), nullable=False),
        sa.Column('hard_limit', sa.Integer(), nullable=True),
        *_times(),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('project_id', 'user_id', 'resource',
                            name='uniq_project_user_quotas0resource'))
    op.create_table(
        'quota_classes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('class_name', sa.String(length=255), nullable=False),
        sa.Column('resource', sa.String(length=255), nullable=False),
        sa.Column('hard_limit', sa.Integer(), nullable=True),
        *_times(),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('class_name', 'resource',
                            name='uniq_quota_classes0resource'))
    op.create_table(
        'project_quota_locks',
        sa.Column('project_id', sa.String(length=255), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint('project_id'))
    op.create_table(
        'server_groups',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('user_id', sa.String(length=255), nullable=False),
        sa.Column('policy', sa.String(length=32), nullable=False),
        sa.Column('rules', sa.Text(), nullable=True),
        *_times(),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid', name='uniq_server_groups0uuid'),
        sa.Index('server_groups_project_idx', 'project_id', 'user_id'))
    op.create_table(
        'server_group_members',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('instance_uuid', sa.String(length=36), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=True),
        *_times(),
        sa.ForeignKeyConstraint(['group_id'], ['server_groups.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('instance_uuid',
                            name='uniq_server_group_members0instance'),
        sa.Index('server_group_members_group_idx', 'group_id', 'host'))
    with op.batch_alter_table('instance_mappings') as batch_op:
        batch_op.add_column(sa.Column('vcpus', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('memory_mb', sa.Integer(),
                                      nullable=False, server_default='0'))
        batch_op.create_index('instance_mappings_usage_idx',
                              ['project_id', 'queued_for_delete', 'user_id'])
    with op.batch_alter_table('aggregate_hosts') as batch_op:
        batch_op.create_index('aggregate_hosts_aggregate_idx',
                              ['aggregate_id'])
