"""Cell database: instances and what runs them."""

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint

from nube.db.base import CellBase as Base
from nube.db.base import MediumText
from nube.db.base import TimestampMixin


class SoftDeleteMixin:
    """Nova's convention: deleted = 0 for live rows, = id once deleted."""
    deleted_at = Column(DateTime)
    deleted = Column(Integer, nullable=False, default=0)


class Instance(TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = 'instances'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_instances0uuid'),
        Index('instances_project_deleted_idx', 'project_id', 'deleted'),
        Index('instances_host_deleted_idx', 'host', 'deleted'),
        Index('instances_task_deadline_idx', 'task_deadline'),
        Index('instances_created_at_idx', 'created_at', 'uuid'),
        Index('instances_updated_at_idx', 'updated_at'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    project_id = Column(String(255), nullable=False)
    user_id = Column(String(255))
    display_name = Column(String(255))
    display_description = Column(Text)
    hostname = Column(String(255))
    host = Column(String(255))
    node = Column(String(255))
    vm_state = Column(String(255), nullable=False)
    task_state = Column(String(255))
    task_deadline = Column(DateTime)
    power_state = Column(Integer, nullable=False, default=0)
    image_ref = Column(String(255))
    flavorid = Column(String(255))
    kernel_id = Column(String(255))
    ramdisk_id = Column(String(255))
    flavor = Column(Text)
    memory_mb = Column(Integer, nullable=False, default=0)
    vcpus = Column(Integer, nullable=False, default=0)
    root_gb = Column(Integer, nullable=False, default=0)
    ephemeral_gb = Column(Integer, nullable=False, default=0)
    swap = Column(Integer, nullable=False, default=0)
    availability_zone = Column(String(255))
    key_name = Column(String(255))
    key_data = Column(Text)
    user_data = Column(MediumText)
    config_drive = Column(String(255))
    access_ip_v4 = Column(String(39))
    access_ip_v6 = Column(String(39))
    reservation_id = Column(String(255))
    launch_index = Column(Integer)
    launched_at = Column(DateTime)
    terminated_at = Column(DateTime)
    locked = Column(Boolean, nullable=False, default=False)
    locked_by = Column(String(255))
    progress = Column(Integer, nullable=False, default=0)
    root_device_name = Column(String(255))
    system_metadata = Column(Text)


class InstanceMetadata(TimestampMixin, Base):
    __tablename__ = 'instance_metadata'
    __table_args__ = (UniqueConstraint('instance_uuid', 'key',
                                       name='uniq_instance_metadata0key'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    instance_uuid = Column(String(36), nullable=False)
    key = Column(String(255), nullable=False)
    value = Column(String(255))


class InstanceTag(Base):
    __tablename__ = 'instance_tags'
    instance_uuid = Column(String(36), primary_key=True)
    tag = Column(String(80), primary_key=True)


class InstanceFault(Base):
    __tablename__ = 'instance_faults'
    __table_args__ = (Index('instance_faults_uuid_idx', 'instance_uuid'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    instance_uuid = Column(String(36), nullable=False)
    code = Column(Integer, nullable=False)
    message = Column(String(255))
    details = Column(Text)
    host = Column(String(255))
    created_at = Column(DateTime)


class InstanceAction(TimestampMixin, Base):
    __tablename__ = 'instance_actions'
    __table_args__ = (Index('instance_actions_uuid_idx', 'instance_uuid'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    action = Column(String(255))
    instance_uuid = Column(String(36), nullable=False)
    request_id = Column(String(255))
    user_id = Column(String(255))
    project_id = Column(String(255))
    start_time = Column(DateTime)
    finish_time = Column(DateTime)
    message = Column(String(255))


class InstanceActionEvent(TimestampMixin, Base):
    __tablename__ = 'instance_actions_events'
    id = Column(Integer, primary_key=True, autoincrement=True)
    action_id = Column(Integer, nullable=False, index=True)
    event = Column(String(255))
    start_time = Column(DateTime)
    finish_time = Column(DateTime)
    result = Column(String(255))
    traceback = Column(Text)
    host = Column(String(255))


class ComputeNode(TimestampMixin, SoftDeleteMixin, Base):
    """A hypervisor and its usage; claims update usage conditionally."""
    __tablename__ = 'compute_nodes'
    __table_args__ = (
        UniqueConstraint('host', 'hypervisor_hostname', 'deleted',
                         name='uniq_compute_nodes0host0node0deleted'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    host = Column(String(255), nullable=False)
    hypervisor_hostname = Column(String(255), nullable=False)
    hypervisor_type = Column(String(255), nullable=False, default='')
    hypervisor_version = Column(Integer, nullable=False, default=0)
    cpu_info = Column(Text)
    host_ip = Column(String(39))
    vcpus = Column(Integer, nullable=False, default=0)
    memory_mb = Column(Integer, nullable=False, default=0)
    local_gb = Column(Integer, nullable=False, default=0)
    vcpus_used = Column(Integer, nullable=False, default=0)
    memory_mb_used = Column(Integer, nullable=False, default=0)
    local_gb_used = Column(Integer, nullable=False, default=0)
    running_vms = Column(Integer, nullable=False, default=0)
    reserved_memory_mb = Column(Integer, nullable=False, default=0)
    reserved_disk_mb = Column(Integer, nullable=False, default=0)
    cpu_allocation_ratio = Column(Float, nullable=False, default=4.0)
    ram_allocation_ratio = Column(Float, nullable=False, default=1.0)
    disk_allocation_ratio = Column(Float, nullable=False, default=1.0)
    supported_instances = Column(Text)
    generation = Column(BigInteger, nullable=False, default=0)


class Service(TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = 'services'
    __table_args__ = (
        UniqueConstraint('host', 'binary', 'deleted',
                         name='uniq_services0host0binary0deleted'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    host = Column(String(255), nullable=False)
    binary = Column(String(255), nullable=False)
    topic = Column(String(255))
    report_count = Column(Integer, nullable=False, default=0)
    disabled = Column(Boolean, nullable=False, default=False)
    disabled_reason = Column(String(255))
    forced_down = Column(Boolean, nullable=False, default=False)
    last_seen_up = Column(DateTime)
    version = Column(Integer, nullable=False, default=1)


class Migration(TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = 'migrations'
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36))
    instance_uuid = Column(String(36), index=True)
    source_compute = Column(String(255))
    dest_compute = Column(String(255))
    source_node = Column(String(255))
    dest_node = Column(String(255))
    old_flavor_id = Column(Integer)
    new_flavor_id = Column(Integer)
    migration_type = Column(String(32))
    status = Column(String(255))


class FixedIp(TimestampMixin, Base):
    """One allocated address; a free address simply has no row.

    ``ordinal`` is the address's offset in its subnet: unique per subnet,
    so racing allocators settle on the index. ``instance_uuid`` repeats
    the port's device_id ('' for a port no server holds) so reading a
    server's addresses needs no join through ports.
    """
    __tablename__ = 'fixed_ips'
    __table_args__ = (
        UniqueConstraint('subnet_uuid', 'ordinal',
                         name='uniq_fixed_ips0subnet_uuid0ordinal'),
        Index('fixed_ips_instance_uuid_idx', 'instance_uuid'),
        Index('fixed_ips_port_uuid_idx', 'port_uuid'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    ordinal = Column(Integer, nullable=False)
    address = Column(String(39), nullable=False)
    mac = Column(String(17), nullable=False)
    instance_uuid = Column(String(36), nullable=False)
    subnet_uuid = Column(String(36), nullable=False, server_default='')
    network_uuid = Column(String(36))
    port_uuid = Column(String(36))


class Network(TimestampMixin, Base):
    """A network: its L2 (bridge, VLAN) and who may use it."""
    __tablename__ = 'networks'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_networks0uuid'),
        UniqueConstraint('bridge', name='uniq_networks0bridge'),
        UniqueConstraint('vlan', name='uniq_networks0vlan'),
        Index('networks_project_id_idx', 'project_id'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    name = Column(String(255), nullable=False, default='')
    description = Column(String(255), nullable=False, default='')
    project_id = Column(String(255), nullable=False)
    shared = Column(Boolean, nullable=False, default=False)
    external = Column(Boolean, nullable=False, default=False)
    admin_state_up = Column(Boolean, nullable=False, default=True)
    mtu = Column(Integer, nullable=False, default=1500)
    network_type = Column(String(16), nullable=False)
    physical_network = Column(String(64))
    vlan = Column(Integer)
    bridge = Column(String(16), nullable=False)
    bridge_interface = Column(String(255))
    multi_host = Column(Boolean, nullable=False, default=False)
    revision_number = Column(Integer, nullable=False, default=0)


class Subnet(TimestampMixin, Base):
    """An IPv4 range of a network and what DHCP offers on it."""
    __tablename__ = 'subnets'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_subnets0uuid'),
        Index('subnets_network_uuid_idx', 'network_uuid'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    network_uuid = Column(String(36), nullable=False)
    project_id = Column(String(255), nullable=False)
    name = Column(String(255), nullable=False, default='')
    description = Column(String(255), nullable=False, default='')
    cidr = Column(String(43), nullable=False)
    gateway_ip = Column(String(39))
    enable_dhcp = Column(Boolean, nullable=False, default=True)
    dns_nameservers = Column(Text)      # JSON list
    allocation_pools = Column(Text)     # JSON list of {start, end}
    host_routes = Column(Text)          # JSON list of {destination, nexthop}
    revision_number = Column(Integer, nullable=False, default=0)


class Port(TimestampMixin, Base):
    """A network attachment: a MAC, its fixed IPs, who holds it.

    ``auto_delete``: nube made it for a server (deleted with the server);
    a port the user passed in is only released.
    """
    __tablename__ = 'ports'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_ports0uuid'),
        UniqueConstraint('network_uuid', 'mac_address',
                         name='uniq_ports0network_uuid0mac_address'),
        Index('ports_device_id_idx', 'device_id'),
        Index('ports_project_id_idx', 'project_id'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    network_uuid = Column(String(36), nullable=False)
    project_id = Column(String(255), nullable=False)
    name = Column(String(255), nullable=False, default='')
    description = Column(String(255), nullable=False, default='')
    mac_address = Column(String(17), nullable=False)
    device_id = Column(String(255), nullable=False, default='')
    device_owner = Column(String(255), nullable=False, default='')
    host = Column(String(255))
    admin_state_up = Column(Boolean, nullable=False, default=True)
    auto_delete = Column(Boolean, nullable=False, default=False)
    revision_number = Column(Integer, nullable=False, default=0)


class SecurityGroup(TimestampMixin, Base):
    """A project's named set of rules for its ports' traffic."""
    __tablename__ = 'security_groups'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_security_groups0uuid'),
        UniqueConstraint('default_for',
                         name='uniq_security_groups0default_for'),
        Index('security_groups_project_id_idx', 'project_id'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    project_id = Column(String(255), nullable=False)
    name = Column(String(255), nullable=False, default='')
    description = Column(String(255), nullable=False, default='')
    # 'default' groups carry the project id here: one per project, by
    # the unique key, whatever the races of their lazy creation.
    default_for = Column(String(255))
    revision_number = Column(Integer, nullable=False, default=0)


class SecurityGroupRule(TimestampMixin, Base):
    """One kind of traffic a group admits (ingress) or lets out."""
    __tablename__ = 'security_group_rules'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_security_group_rules0uuid'),
        Index('security_group_rules_group_idx', 'security_group_uuid'),
        Index('security_group_rules_remote_idx', 'remote_group_uuid'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    security_group_uuid = Column(String(36), nullable=False)
    project_id = Column(String(255), nullable=False)
    direction = Column(String(7), nullable=False)
    ethertype = Column(String(4), nullable=False, default='IPv4')
    protocol = Column(String(16))
    port_range_min = Column(Integer)
    port_range_max = Column(Integer)
    remote_ip_prefix = Column(String(43))
    remote_group_uuid = Column(String(36))
    description = Column(String(255), nullable=False, default='')
    revision_number = Column(Integer, nullable=False, default=0)


class PortSecurityGroup(Base):
    """Which groups filter a port."""
    __tablename__ = 'port_security_groups'
    __table_args__ = (
        Index('port_security_groups_group_idx', 'security_group_uuid'),)
    port_uuid = Column(String(36), primary_key=True)
    security_group_uuid = Column(String(36), primary_key=True)


class FloatingIp(TimestampMixin, Base):
    """An address of an external network a project holds, and the fixed
    address (of one of its ports) it is translated to, if any.

    The address itself is held by a port on the external network
    (``floating_port_uuid``, device_owner network:floatingip), so the
    port allocator keeps addresses unique."""
    __tablename__ = 'floating_ips'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_floating_ips0uuid'),
        UniqueConstraint('port_uuid', 'fixed_ip_address',
                         name='uniq_floating_ips0port_uuid0fixed_ip'),
        Index('floating_ips_project_id_idx', 'project_id'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False)
    project_id = Column(String(255), nullable=False)
    floating_network_uuid = Column(String(36), nullable=False)
    floating_ip_address = Column(String(39), nullable=False)
    floating_port_uuid = Column(String(36), nullable=False)
    port_uuid = Column(String(36))
    fixed_ip_address = Column(String(39))
    description = Column(String(255), nullable=False, default='')
    revision_number = Column(Integer, nullable=False, default=0)
