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


def _claim(session, node_id, flavor):
    vcpus, memory_mb, disk_gb = resources_for(flavor)
    cn = models.ComputeNode
    stmt = sa.update(cn).where(
        cn.id == node_id,
        cn.deleted == 0,
        cn.vcpus_used + vcpus <= cn.vcpus * cn.cpu_allocation_ratio,
        cn.memory_mb_used + memory_mb <=
        cn.memory_mb * cn.ram_allocation_ratio - cn.reserved_memory_mb,
        (cn.local_gb_used + disk_gb) * 1024 <=
        cn.local_gb * cn.disk_allocation_ratio * 1024 - cn.reserved_disk_mb,
    ).values(
        vcpus_used=cn.vcpus_used + vcpus,
        memory_mb_used=cn.memory_mb_used + memory_mb,
        local_gb_used=cn.local_gb_used + disk_gb,
        running_vms=cn.running_vms + 1,
        generation=cn.generation + 1,
    )
    return session.execute(stmt).rowcount == 1


@base.retry_on_deadlock
def claim_and_create(cell_db, node, instance_values):
    """Claim ``node`` (a compute node dict) and write the instance there.

    ``instance_values`` is the instance dict to insert; host and node are
    set from ``node``. Returns the created instance dict, or raises
    ClaimFailed with nothing written.
    """
    values = dict(instance_values, host=node['host'],
                  node=node['hypervisor_hostname'])
    with cell_db.session() as session:
        if not _claim(session, node['id'], values['flavor']):
            raise exception.ClaimFailed(host=node['host'],
                                        reason='not enough resources left')
        return cell_db.instance_create(values, session)


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
        if not _claim(session, node['id'], flavor):
            raise exception.ClaimFailed(host=node['host'],
                                        reason='not enough resources left')
        if row.host is not None and row.node is not None:
            cell_api.release_usage(session, row.host, row.node,
                                   *resources_for(flavor))
        session.execute(sa.update(inst).where(inst.id == row.id).values(
            host=node['host'], node=node['hypervisor_hostname'],
            **(updates or {})))
