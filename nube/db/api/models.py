"""API database: flavors, mappings to cells, build intent, aggregates."""

from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint

from nube.db.base import ApiBase as Base
from nube.db.base import MediumText
from nube.db.base import TimestampMixin


class Flavor(TimestampMixin, Base):
    __tablename__ = 'flavors'
    __table_args__ = (
        UniqueConstraint('flavorid', name='uniq_flavors0flavorid'),
        UniqueConstraint('name', name='uniq_flavors0name'))
    id = Column(Integer, primary_key=True, autoincrement=True)
    flavorid = Column(String(255), nullable=False)
    name = Column(String(255), nullable=False)
    memory_mb = Column(Integer, nullable=False)
    vcpus = Column(Integer, nullable=False)
    root_gb = Column(Integer, nullable=False, default=0)
    ephemeral_gb = Column(Integer, nullable=False, default=0)
    swap = Column(Integer, nullable=False, default=0)
    rxtx_factor = Column(Float, nullable=False, default=1.0)
    is_public = Column(Boolean, nullable=False, default=True)
    disabled = Column(Boolean, nullable=False, default=False)
    description = Column(Text)


class FlavorExtraSpec(TimestampMixin, Base):
    __tablename__ = 'flavor_extra_specs'
    __table_args__ = (UniqueConstraint('flavor_id', 'key',
                                       name='uniq_flavor_extra_specs0key'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    flavor_id = Column(Integer, ForeignKey('flavors.id', ondelete='CASCADE'),
                       nullable=False)
    key = Column(String(255), nullable=False)
    value = Column(String(255))


class FlavorProject(TimestampMixin, Base):
    __tablename__ = 'flavor_projects'
    __table_args__ = (UniqueConstraint('flavor_id', 'project_id',
                                       name='uniq_flavor_projects0project'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    flavor_id = Column(Integer, ForeignKey('flavors.id', ondelete='CASCADE'),
                       nullable=False)
    project_id = Column(String(255), nullable=False)


class CellMapping(TimestampMixin, Base):
    __tablename__ = 'cell_mappings'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_cell_mappings0uuid'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    name = Column(String(255))
    transport_url = Column(Text, nullable=False)
    database_connection = Column(Text, nullable=False)
    disabled = Column(Boolean, nullable=False, default=False)


class HostMapping(TimestampMixin, Base):
    __tablename__ = 'host_mappings'
    __table_args__ = (
        UniqueConstraint('host', name='uniq_host_mappings0host'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    cell_id = Column(Integer, ForeignKey('cell_mappings.id'), nullable=False)
    host = Column(String(255), nullable=False)


class InstanceMapping(TimestampMixin, Base):
    __tablename__ = 'instance_mappings'
    __table_args__ = (
        UniqueConstraint('instance_uuid', name='uniq_instance_mappings0uuid'),
        Index('instance_mappings_project_idx', 'project_id'),
        Index('instance_mappings_usage_idx', 'project_id',
              'queued_for_delete', 'user_id'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    instance_uuid = Column(String(36), nullable=False)
    cell_id = Column(Integer, ForeignKey('cell_mappings.id'), nullable=True)
    project_id = Column(String(255), nullable=False)
    user_id = Column(String(255))
    queued_for_delete = Column(Boolean, nullable=False, default=False)
    # What the server holds, for quota counts that read this table alone.
    vcpus = Column(Integer, nullable=False, default=0, server_default='0')
    memory_mb = Column(Integer, nullable=False, default=0,
                       server_default='0')


class RequestSpec(TimestampMixin, Base):
    __tablename__ = 'request_specs'
    __table_args__ = (UniqueConstraint('instance_uuid',
                                       name='uniq_request_specs0uuid'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    instance_uuid = Column(String(36), nullable=False)
    spec = Column(MediumText, nullable=False)


class BuildRequest(TimestampMixin, Base):
    """A server the API accepted that no cell holds yet."""
    __tablename__ = 'build_requests'
    __table_args__ = (
        UniqueConstraint('instance_uuid', name='uniq_build_requests0uuid'),
        Index('build_requests_project_idx', 'project_id'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    instance_uuid = Column(String(36), nullable=False)
    project_id = Column(String(255), nullable=False)
    # The whole instance, user_data (up to 64 KiB of base64) included.
    instance = Column(MediumText, nullable=False)


class Aggregate(TimestampMixin, Base):
    __tablename__ = 'aggregates'
    __table_args__ = (UniqueConstraint('name', name='uniq_aggregates0name'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    name = Column(String(255), nullable=False)


class AggregateHost(TimestampMixin, Base):
    __tablename__ = 'aggregate_hosts'
    __table_args__ = (UniqueConstraint('host', 'aggregate_id',
                                       name='uniq_aggregate_hosts0host'),
                      Index('aggregate_hosts_aggregate_idx', 'aggregate_id'))
    id = Column(Integer, primary_key=True, autoincrement=True)
    host = Column(String(255), nullable=False)
    aggregate_id = Column(Integer, ForeignKey('aggregates.id',
                                              ondelete='CASCADE'),
                          nullable=False)


class AggregateMetadata(TimestampMixin, Base):
    __tablename__ = 'aggregate_metadata'
    __table_args__ = (UniqueConstraint('aggregate_id', 'key',
                                       name='uniq_aggregate_metadata0key'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    aggregate_id = Column(Integer, ForeignKey('aggregates.id',
                                              ondelete='CASCADE'),
                          nullable=False)
    key = Column(String(255), nullable=False)
    value = Column(String(255), nullable=False)


class KeyPair(TimestampMixin, Base):
    __tablename__ = 'key_pairs'
    __table_args__ = (UniqueConstraint('user_id', 'name',
                                       name='uniq_key_pairs0user_id0name'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(255), nullable=False)
    user_id = Column(String(255), nullable=False)
    fingerprint = Column(String(255))
    public_key = Column(Text)
    type = Column(String(16), nullable=False, default='ssh')


class Quota(TimestampMixin, Base):
    __tablename__ = 'quotas'
    __table_args__ = (UniqueConstraint('project_id', 'resource',
                                       name='uniq_quotas0project0resource'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    project_id = Column(String(255), nullable=False)
    resource = Column(String(255), nullable=False)
    hard_limit = Column(Integer)


class ProjectUserQuota(TimestampMixin, Base):
    __tablename__ = 'project_user_quotas'
    __table_args__ = (UniqueConstraint(
        'project_id', 'user_id', 'resource',
        name='uniq_project_user_quotas0resource'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    project_id = Column(String(255), nullable=False)
    user_id = Column(String(255), nullable=False)
    resource = Column(String(255), nullable=False)
    hard_limit = Column(Integer)


class QuotaClass(TimestampMixin, Base):
    """Limits of a quota class; ``default`` overrides the configured ones."""
    __tablename__ = 'quota_classes'
    __table_args__ = (UniqueConstraint('class_name', 'resource',
                                       name='uniq_quota_classes0resource'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    class_name = Column(String(255), nullable=False)
    resource = Column(String(255), nullable=False)
    hard_limit = Column(Integer)


class ProjectQuotaLock(TimestampMixin, Base):
    """One row per project, locked while a create counts and writes."""
    __tablename__ = 'project_quota_locks'
    project_id = Column(String(255), primary_key=True)


class ServerGroup(TimestampMixin, Base):
    __tablename__ = 'server_groups'
    __table_args__ = (UniqueConstraint('uuid', name='uniq_server_groups0uuid'),
                      Index('server_groups_project_idx', 'project_id',
                            'user_id'))
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    name = Column(String(255), nullable=False)
    project_id = Column(String(255), nullable=False)
    user_id = Column(String(255), nullable=False)
    policy = Column(String(32), nullable=False)
    rules = Column(Text)   # JSON object, e.g. {"max_server_per_host": 2}


class ServerGroupMember(TimestampMixin, Base):
    """A server in a group, with the host it was placed on (None until
    scheduled): the scheduler's late check reads these under the group's
    row lock."""
    __tablename__ = 'server_group_members'
    __table_args__ = (
        UniqueConstraint('instance_uuid',
                         name='uniq_server_group_members0instance'),
        Index('server_group_members_group_idx', 'group_id', 'host'))
    id = Column(Integer, primary_key=True, autoincrement=True)
    group_id = Column(Integer, ForeignKey('server_groups.id',
                                          ondelete='CASCADE'),
                      nullable=False)
    instance_uuid = Column(String(36), nullable=False)
    host = Column(String(255))
