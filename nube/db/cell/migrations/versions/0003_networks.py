"""networks, subnets and ports; fixed IPs belong to a subnet and a port

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade():
    op.create_table(
        'networks',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('external', sa.Boolean(), nullable=False),
        sa.Column('admin_state_up', sa.Boolean(), nullable=False),
        sa.Column('mtu', sa.Integer(), nullable=False),
        sa.Column('network_type', sa.String(16), nullable=False),
        sa.Column('physical_network', sa.String(64), nullable=True),
        sa.Column('vlan', sa.Integer(), nullable=True),
        sa.Column('bridge', sa.String(16), nullable=False),
        sa.Column('bridge_interface', sa.String(255), nullable=True),
        sa.Column('multi_host', sa.Boolean(), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid', name='uniq_networks0uuid'),
        sa.UniqueConstraint('bridge', name='uniq_networks0bridge'),
        sa.UniqueConstraint('vlan', name='uniq_networks0vlan'))
    op.create_index('networks_project_id_idx', 'networks', ['project_id'])
    op.create_table(
        'subnets',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('network_uuid', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255), nullable=False),
        sa.Column('cidr', sa.String(43), nullable=False),
        sa.Column('gateway_ip', sa.String(39), nullable=True),
        sa.Column('enable_dhcp', sa.Boolean(), nullable=False),
        sa.Column('dns_nameservers', sa.Text(), nullable=True),
        sa.Column('allocation_pools', sa.Text(), nullable=True),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid', name='uniq_subnets0uuid'))
    op.create_index('subnets_network_uuid_idx', 'subnets', ['network_uuid'])
    op.create_table(
        'ports',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('network_uuid', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255), nullable=False),
        sa.Column('mac_address', sa.String(17), nullable=False),
        sa.Column('device_id', sa.String(255), nullable=False),
        sa.Column('device_owner', sa.String(255), nullable=False),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('admin_state_up', sa.Boolean(), nullable=False),
        sa.Column('auto_delete', sa.Boolean(), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid', name='uniq_ports0uuid'),
        sa.UniqueConstraint('network_uuid', 'mac_address',
                            name='uniq_ports0network_uuid0mac_address'))
    op.create_index('ports_device_id_idx', 'ports', ['device_id'])
    op.create_index('ports_project_id_idx', 'ports', ['project_id'])
    # Addresses made before networks existed keep subnet '' (their
    # ordinals stay unique among themselves).
    with op.batch_alter_table('fixed_ips') as batch_op:
        batch_op.add_column(sa.Column('subnet_uuid', sa.String(36),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('network_uuid', sa.String(36),
                                      nullable=True))
        batch_op.add_column(sa.Column('port_uuid', sa.String(36),
                                      nullable=True))
        batch_op.drop_constraint('uniq_fixed_ips0ordinal', type_='unique')
        batch_op.create_unique_constraint(
            'uniq_fixed_ips0subnet_uuid0ordinal', ['subnet_uuid', 'ordinal'])
        batch_op.create_index('fixed_ips_port_uuid_idx', ['port_uuid'])
