"""Core statements of the cell DB's per-server hot paths (nube/db/cell/api.py).

Built once at import with bind parameters: executing one costs no ORM unit
of work, no clause building and no cache-key generation. Parameters are
named ``b_*`` so they never clash with the column names an UPDATE takes
its SET clause from.
"""

import sqlalchemy as sa

from nube.db.cell import models

# The "argument not given" default of CellDatabase's compare-and-swaps.
UNSET = object()

INSTANCES = models.Instance.__table__
IC = INSTANCES.c
NODES = models.ComputeNode.__table__
NC = NODES.c
LIVE_INSTANCE = sa.select(INSTANCES).where(
    IC.uuid == sa.bindparam('b_uuid'), IC.deleted == 0)
INSTANCE_BY_ID = sa.select(INSTANCES).where(IC.id == sa.bindparam('b_id'))
_update_statements = {}
META = models.InstanceMetadata.__table__
TAGS = models.InstanceTag.__table__
IPS = models.FixedIp.__table__
FAULTS = models.InstanceFault.__table__
METADATA_OF = sa.select(META.c.key, META.c.value).where(
    META.c.instance_uuid == sa.bindparam('b_uuid'))
TAGS_OF = sa.select(TAGS.c.tag).where(
    TAGS.c.instance_uuid == sa.bindparam('b_uuid'))
NETWORKS = models.Network.__table__
# A server's addresses with their network's name (the key of "addresses").
IPS_WITH_NETWORK = sa.select(
    IPS.c.instance_uuid, IPS.c.address, IPS.c.mac, NETWORKS.c.name,
    NETWORKS.c.bridge).select_from(
    IPS.outerjoin(NETWORKS, NETWORKS.c.uuid == IPS.c.network_uuid)).order_by(
    IPS.c.id)
IPS_OF = IPS_WITH_NETWORK.where(IPS.c.instance_uuid == sa.bindparam('b_uuid'))
FAULT_OF = sa.select(FAULTS).where(
    FAULTS.c.instance_uuid == sa.bindparam('b_uuid')).order_by(
    FAULTS.c.id.desc()).limit(1)
LIVE_ON_NODE = sa.and_(IC.host == sa.bindparam('b_host'),
                       IC.node == sa.bindparam('b_node'), IC.deleted == 0)


def _total(expr):
    return sa.select(sa.func.coalesce(sa.func.sum(expr), 0)).where(
        LIVE_ON_NODE).scalar_subquery()


NODE_OF = sa.select(NODES).where(
    NC.host == sa.bindparam('b_host'),
    NC.hypervisor_hostname == sa.bindparam('b_node'), NC.deleted == 0)
# A resource report recounts usage from the instances, in one UPDATE.
RECOUNTED = dict(
    vcpus_used=_total(IC.vcpus),
    memory_mb_used=_total(IC.memory_mb),
    local_gb_used=_total(IC.root_gb + IC.ephemeral_gb),
    running_vms=sa.select(sa.func.count()).where(
        LIVE_ON_NODE).scalar_subquery(),
    generation=NC.generation + 1,
    updated_at=sa.bindparam('b_now'))
RECOUNT = sa.update(NODES).where(NC.id == sa.bindparam('b_id')).values(
    **RECOUNTED)
REPORT = sa.update(NODES).where(
    NC.host == sa.bindparam('b_host'),
    NC.hypervisor_hostname == sa.bindparam('b_node'),
    NC.deleted == 0).values(**RECOUNTED)
SERVICES = models.Service.__table__
SC = SERVICES.c
SERVICE_OF = sa.select(SERVICES).where(
    SC.host == sa.bindparam('b_host'), SC.binary == sa.bindparam('b_binary'),
    SC.deleted == 0).order_by(SC.id)
_BEAT = dict(report_count=SC.report_count + 1,
             last_seen_up=sa.bindparam('b_now'),
             updated_at=sa.bindparam('b_now'))
HEARTBEAT = sa.update(SERVICES).where(
    SC.host == sa.bindparam('b_host'), SC.binary == sa.bindparam('b_binary'),
    SC.deleted == 0).values(**_BEAT)
# The same for many hosts of a process (b_hosts: a list).
HEARTBEAT_MANY = sa.update(SERVICES).where(
    SC.host.in_(sa.bindparam('b_hosts', expanding=True)),
    SC.binary == sa.bindparam('b_binary'), SC.deleted == 0).values(**_BEAT)
HOSTS_WITH_SERVICE = sa.select(SC.host).where(
    SC.host.in_(sa.bindparam('b_hosts', expanding=True)),
    SC.binary == sa.bindparam('b_binary'), SC.deleted == 0)


def _minus(column, name):
    amount = sa.bindparam(name, type_=sa.Integer)
    return sa.case((column >= amount, column - amount), else_=0)


RELEASE = sa.update(NODES).where(
    NC.host == sa.bindparam('b_host'),
    NC.hypervisor_hostname == sa.bindparam('b_node'),
    NC.deleted == 0).values(
    vcpus_used=_minus(NC.vcpus_used, 'b_vcpus'),
    memory_mb_used=_minus(NC.memory_mb_used, 'b_memory_mb'),
    local_gb_used=_minus(NC.local_gb_used, 'b_disk_gb'),
    running_vms=_minus(NC.running_vms, 'b_one'),
    generation=NC.generation + 1)


def _state_shape(expected):
    """(shape, bind value) of a compare-and-swap condition: statements are
    cached per shape, values travel as parameters."""
    if isinstance(expected, (list, tuple, set)):
        values = [v for v in expected if v is not None]
        return ('in', bool(values), None in expected), values
    if expected is None:
        return ('null',), None
    return ('eq',), expected


def _state_clause(column, shape, name):
    if shape[0] == 'null':
        return column.is_(None)
    if shape[0] == 'eq':
        return column == sa.bindparam(name)
    _in, some, with_null = shape
    clauses = []
    if with_null:
        clauses.append(column.is_(None))
    if some:
        clauses.append(column.in_(sa.bindparam(name, expanding=True)))
    return sa.or_(*clauses) if clauses else sa.false()


def instance_update_statement(expected_task_state, expected_vm_state):
    """(UPDATE of one live instance by b_uuid, its condition parameters).

    The SET clause comes from the parameters the caller adds.
    """
    key, params, conditions = [], {}, []
    for column, expected, name in (
            (IC.task_state, expected_task_state, 'b_task_state'),
            (IC.vm_state, expected_vm_state, 'b_vm_state')):
        if expected is UNSET:
            key.append(None)
            continue
        shape, value = _state_shape(expected)
        key.append(shape)
        conditions.append((column, shape, name))
        if shape[0] != 'null' and (shape[0] == 'eq' or shape[1]):
            params[name] = value
    key = tuple(key)
    stmt = _update_statements.get(key)
    if stmt is None:
        stmt = sa.update(INSTANCES).where(
            IC.uuid == sa.bindparam('b_uuid'), IC.deleted == 0, *[
                _state_clause(column, shape, name)
                for column, shape, name in conditions])
        _update_statements[key] = stmt
    return stmt, params
