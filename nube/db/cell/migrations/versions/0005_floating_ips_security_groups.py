"""floating IPs, security groups, their rules and the ports they filter

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 14:30:00
"""

import datetime
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _common():
    """id, uuid, project_id; the standard attributes at the end."""
    return [sa.Column('id', sa.Integer(), autoincrement=True,
                      nullable=False),
            sa.Column('uuid', sa.String(36), nullable=False),
            sa.Column('project_id', sa.String(255), nullable=False)]


def _standard():
    return [sa.Column('description', sa.String(255), nullable=False),
            sa.Column('revision_number', sa.Integer(), nullable=False),
            sa.Column('created_at', sa.DateTime(), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=True),
            sa.PrimaryKeyConstraint('id')]


def upgrade():
    op.create_table(
        'security_groups', *_common(),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('default_for', sa.String(255), nullable=True),
        *_standard(),
        sa.UniqueConstraint('uuid', name='uniq_security_groups0uuid'),
        sa.UniqueConstraint('default_for',
                            name='uniq_security_groups0default_for'))
    op.create_index('security_groups_project_id_idx', 'security_groups',
                    ['project_id'])
    op.create_table(
        'security_group_rules', *_common(),
        sa.Column('security_group_uuid', sa.String(36), nullable=False),
        sa.Column('direction', sa.String(7), nullable=False),
        sa.Column('ethertype', sa.String(4), nullable=False),
        sa.Column('protocol', sa.String(16), nullable=True),
        sa.Column('port_range_min', sa.Integer(), nullable=True),
        sa.Column('port_range_max', sa.Integer(), nullable=True),
        sa.Column('remote_ip_prefix', sa.String(43), nullable=True),
        sa.Column('remote_group_uuid', sa.String(36), nullable=True),
        *_standard(),
        sa.UniqueConstraint('uuid', name='uniq_security_group_rules0uuid'))
    op.create_index('security_group_rules_group_idx', 'security_group_rules',
                    ['security_group_uuid'])
    op.create_index('security_group_rules_remote_idx',
                    'security_group_rules', ['remote_group_uuid'])
    op.create_table(
        'port_security_groups',
        sa.Column('port_uuid', sa.String(36), nullable=False),
        sa.Column('security_group_uuid', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('port_uuid', 'security_group_uuid'))
    op.create_index('port_security_groups_group_idx', 'port_security_groups',
                    ['security_group_uuid'])
    op.create_table(
        'floating_ips', *_common(),
        sa.Column('floating_network_uuid', sa.String(36), nullable=False),
        sa.Column('floating_ip_address', sa.String(39), nullable=False),
        sa.Column('floating_port_uuid', sa.String(36), nullable=False),
        sa.Column('port_uuid', sa.String(36), nullable=True),
        sa.Column('fixed_ip_address', sa.String(39), nullable=True),
        *_standard(),
        sa.UniqueConstraint('uuid', name='uniq_floating_ips0uuid'),
        sa.UniqueConstraint('port_uuid', 'fixed_ip_address',
                            name='uniq_floating_ips0port_uuid0fixed_ip'))
    op.create_index('floating_ips_project_id_idx', 'floating_ips',
                    ['project_id'])
    _default_groups_for_existing_ports()


def _default_groups_for_existing_ports():
    """Ports made before security groups join their project's default
    group (egress anywhere, ingress from the group), as the network API
    would have given them: without one, nothing could reach them."""
    conn = op.get_bind()
    ports = sa.table('ports', sa.column('uuid'), sa.column('project_id'),
                     sa.column('device_owner'))
    groups = sa.table('security_groups', *[sa.column(c) for c in (
        'uuid', 'project_id', 'name', 'description', 'default_for',
        'revision_number', 'created_at', 'updated_at')])
    rules = sa.table('security_group_rules', *[sa.column(c) for c in (
        'uuid', 'security_group_uuid', 'project_id', 'direction',
        'ethertype', 'remote_group_uuid', 'description', 'revision_number',
        'created_at', 'updated_at')])
    bindings = sa.table('port_security_groups', sa.column('port_uuid'),
                        sa.column('security_group_uuid'))
    rows = conn.execute(sa.select(ports.c.uuid, ports.c.project_id).where(
        sa.not_(ports.c.device_owner.like('network:%')))).all()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    made = {}
    for port_uuid, project_id in rows:
        group = made.get(project_id)
        if group is None:
            group = made[project_id] = str(uuid.uuid4())
            stamp = {'revision_number': 1, 'created_at': now,
                     'updated_at': now}
            conn.execute(groups.insert().values(
                uuid=group, project_id=project_id, name='default',
                description='Default security group',
                default_for=project_id, **stamp))
            for direction, remote in (('egress', None), ('ingress', group)):
                conn.execute(rules.insert().values(
                    uuid=str(uuid.uuid4()), security_group_uuid=group,
                    project_id=project_id, direction=direction,
                    ethertype='IPv4', remote_group_uuid=remote,
                    description='', **stamp))
        conn.execute(bindings.insert().values(port_uuid=port_uuid,
                                              security_group_uuid=group))
