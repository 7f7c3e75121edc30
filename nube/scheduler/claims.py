"""Claims: take a host's resources for an instance, atomically, in its cell DB.

One transaction inserts the instance row (host and node set) and runs a
conditional UPDATE on the compute node that only succeeds while
``used + want <= total * ratio - reserved`` holds for vCPU, RAM and disk.
The database evaluates that condition on the row it locks, so any number
of schedulers (or conductors retrying builds) can race without ever
overcommitting; a loser simply gets ClaimFailed and tries another host.

The generation column is bumped on every claim so observers can tell a
node changed; it is deliberately not part of the condition, because a
stale-but-sufficient view would then fail claims that are still valid.
"""

import sqlalchemy as sa

from nube import exception
from nube.db import base
from nube.db.cell import models


def resources_for(flavor):
    """(vcpus, memory_mb, disk_gb) an instance of ``flavor`` takes."""
    disk_gb = (flavor.get('root_gb') or 0) + (flavor.get('ephemeral_gb') or 0)
    return (flavor.get('vcpus') or 0, flavor.get('memory_mb') or 0, disk_gb)


_NODES = models.ComputeNode.__table__
_N = _NODES.c
_VCPUS = sa.bindparam('b_vcpus', type_=sa.Integer)
_MEMORY_MB = sa.bindparam('b_memory_mb', type_=sa.Integer)
_DISK_GB = sa.bindparam('b_disk_gb', type_=sa.Integer)
# An aggregate's allocation ratio, or NULL for the node's own.
_CPU_RATIO = sa.func.coalesce(sa.bindparam('b_cpu_ratio', type_=sa.Float),
                              _N.cpu_allocation_ratio)
_RAM_RATIO = sa.func.coalesce(sa.bindparam('b_ram_ratio', type_=sa.Float),
                              _N.ram_allocation_ratio)
_DISK_RATIO = sa.func.coalesce(sa.bindparam('b_disk_ratio', type_=sa.Float),
                               _N.disk_allocation_ratio)
# Built once: a claim is one cached statement and its parameters.
_CLAIM = sa.update(_NODES).where(
    _N.id == sa.bindparam('b_node_id'),
    _N.deleted == 0,
    _N.vcpus_used + _VCPUS <= _N.vcpus * _CPU_RATIO,
    _N.memory_mb_used + _MEMORY_MB <=
    _N.memory_mb * _RAM_RATIO - _N.reserved_memory_mb,
    (_N.local_gb_used + _DISK_GB) * 1024 <=
    _N.local_gb * _DISK_RATIO * 1024 - _N.reserved_disk_mb,
).values(
    vcpus_used=_N.vcpus_used + _VCPUS,
    memory_mb_used=_N.memory_mb_used + _MEMORY_MB,
    local_gb_used=_N.local_gb_used + _DISK_GB,
    running_vms=_N.running_vms + 1,
    generation=_N.generation + 1,
)


def _claim(conn, node, flavor):
    """``node``: a compute node dict; its ``cpu_allocation_ratio`` /
    ``ram_allocation_ratio`` / ``disk_allocation_ratio``, when set, are
    the ratios an aggregate imposes instead of the node's own."""
    vcpus, memory_mb, disk_gb = resources_for(flavor)
    return conn.execute(_CLAIM, {
        'b_node_id': node['id'], 'b_vcpus': vcpus, 'b_memory_mb': memory_mb,
        'b_disk_gb': disk_gb,
        'b_cpu_ratio': node.get('cpu_allocation_ratio'),
        'b_ram_ratio': node.get('ram_allocation_ratio'),
        'b_disk_ratio': node.get('disk_allocation_ratio')}).rowcount == 1


@base.retry_on_deadlock
def claim_and_create(cell_db, node, instance_values):
    """Claim ``node`` (a compute node dict) and write the instance there.

    ``instance_values`` is the instance dict to insert; host and node are
    set from ``node``. Returns the created instance dict, or raises
    ClaimFailed with nothing written.
    """
    values = dict(instance_values, host=node['host'],
                  node=node['hypervisor_hostname'])
    with cell_db.transaction() as conn:
        if not _claim(conn, node, values['flavor']):
            raise exception.ClaimFailed(host=node['host'],
                                        reason='not enough resources left')
        return cell_db.instance_create(values, conn)


@base.retry_on_deadlock
def move_claim(cell_db, instance_uuid, node, updates=None):
    """Move a live instance's claim to ``node`` (build retry on alternates).

    Releases the claim on the instance's current node and claims the new
    one in one transaction; raises ClaimFailed when the new node is full.
    """
    from nube.db.cell import api as cell_api

    inst = models.Instance
    with cell_db.session() as session:
        row = session.execute(sa.select(inst).where(
            inst.uuid == instance_uuid, inst.deleted == 0)
        ).scalar_one_or_none()
        if row is None:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        flavor = {'vcpus': row.vcpus, 'memory_mb': row.memory_mb,
                  'root_gb': row.root_gb, 'ephemeral_gb': row.ephemeral_gb}
        if not _claim(session, node, flavor):
            raise exception.ClaimFailed(host=node['host'],
                                        reason='not enough resources left')
        if row.host is not None and row.node is not None:
            cell_api.release_usage(session, row.host, row.node,
                                   *resources_for(flavor))
        session.execute(sa.update(inst).where(inst.id == row.id).values(
            host=node['host'], node=node['hypervisor_hostname'],
            **(updates or {})))
