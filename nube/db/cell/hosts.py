"""Compute nodes and services of a cell: resource reports, heartbeats.

A mixin of CellDatabase (nube/db/cell/api.py), which holds the sessions.
"""

import uuid as uuidlib

import sqlalchemy as sa

from nube import exception
from nube import utils
from nube.db import base
from nube.db.cell import models
from nube.db.cell import statements as st


def _now():
    return utils.utcnow()


def _uuid():
    return str(uuidlib.uuid4())


def _first_heartbeat(conn, host, binary, topic, now):
    """The service row of a host's first heartbeat."""
    base.insert_row(conn, st.SERVICES, dict(
        uuid=_uuid(), host=host, binary=binary, topic=topic,
        report_count=1, last_seen_up=now, created_at=now, updated_at=now))


class HostsMixin:
    @base.retry_on_deadlock
    def compute_node_update(self, host, nodename, resources):
        """Record a node's totals and recount its usage from its instances.

        The recount runs as one UPDATE with sub-selects, so it cannot
        interleave wrongly with a concurrent claim on the same row.
        """
        values = {k: resources[k] for k in (
            'vcpus', 'memory_mb', 'local_gb', 'hypervisor_type',
            'hypervisor_version', 'cpu_info', 'host_ip',
            'cpu_allocation_ratio', 'ram_allocation_ratio',
            'disk_allocation_ratio', 'reserved_memory_mb', 'reserved_disk_mb')
            if k in resources}
        if 'supported_instances' in resources:
            values['supported_instances'] = utils.dumps(
                resources['supported_instances'])
        if isinstance(values.get('cpu_info'), dict):
            values['cpu_info'] = utils.dumps(values['cpu_info'])
        now = _now()
        key = {'b_host': host, 'b_node': nodename}
        with self.transaction() as conn:
            # Totals and the recount in one UPDATE (the SET of the totals
            # comes from the parameters); a new node is inserted first.
            count = conn.execute(st.REPORT, dict(
                values, b_now=now, **key)).rowcount
            if not count:
                node_id = base.insert_row(conn, st.NODES, dict(
                    values, uuid=resources.get('uuid') or _uuid(),
                    host=host, hypervisor_hostname=nodename, created_at=now,
                    generation=0))['id']
                conn.execute(st.RECOUNT, dict(key, b_id=node_id, b_now=now))
            return base.mapping_to_dict(
                conn.execute(st.NODE_OF, key).one()._mapping)

    def compute_node_get_all(self, raw_times=False):
        table = models.ComputeNode.__table__
        with self.session() as session:
            return base.rows_to_dicts(session.execute(
                sa.select(table).where(table.c.deleted == 0).order_by(
                    table.c.id)), raw_times=raw_times)

    def compute_node_get(self, node_id):
        with self.session() as session:
            row = session.execute(sa.select(models.ComputeNode).where(
                models.ComputeNode.id == node_id,
                models.ComputeNode.deleted == 0)).scalar_one_or_none()
            if row is None:
                raise exception.ComputeHostNotFound(host=node_id)
            return base.row_to_dict(row)

    def compute_nodes_get_by_host(self, host):
        with self.session() as session:
            rows = session.execute(sa.select(models.ComputeNode).where(
                models.ComputeNode.host == host,
                models.ComputeNode.deleted == 0)).scalars()
            return [base.row_to_dict(row) for row in rows]

    @base.retry_on_deadlock
    def service_heartbeat(self, host, binary, topic=None):
        """Create or refresh a service row; returns it."""
        now = _now()
        key = {'b_host': host, 'b_binary': binary}
        with self.transaction() as conn:
            count = conn.execute(st.HEARTBEAT, dict(key, b_now=now)).rowcount
            if not count:
                _first_heartbeat(conn, host, binary, topic, now)
            return base.mapping_to_dict(
                conn.execute(st.SERVICE_OF, key).one()._mapping)

    @base.retry_on_deadlock
    def service_heartbeat_many(self, hosts, binary, topic=None):
        """service_heartbeat for many hosts in one transaction.

        One UPDATE refreshes the rows that exist; rows are created for
        hosts that have none. Returns how many hosts were recorded.
        """
        hosts = sorted(set(hosts))
        if not hosts:
            return 0
        key = {'b_hosts': hosts, 'b_binary': binary}
        now = _now()
        with self.transaction() as conn:
            count = conn.execute(st.HEARTBEAT_MANY,
                                 dict(key, b_now=now)).rowcount
            if count < len(hosts):
                known = set(conn.execute(st.HOSTS_WITH_SERVICE,
                                         key).scalars())
                for host in hosts:
                    if host not in known:
                        _first_heartbeat(conn, host, binary, topic, now)
            return len(hosts)

    def service_get_all(self, host=None, binary=None, raw_times=False):
        with self.transaction() as conn:
            if host is not None and binary is not None:
                # The API asks this on every delete and action.
                result = conn.execute(st.SERVICE_OF, {'b_host': host,
                                                    'b_binary': binary})
                return base.rows_to_dicts(result, raw_times=raw_times)
            query = sa.select(st.SERVICES).where(st.SC.deleted == 0)
            if host is not None:
                query = query.where(st.SC.host == host)
            if binary is not None:
                query = query.where(st.SC.binary == binary)
            return base.rows_to_dicts(conn.execute(
                query.order_by(st.SC.id)), raw_times=raw_times)

    @base.retry_on_deadlock
    def service_update(self, service_id, values):
        with self.session() as session:
            values = dict(values, updated_at=_now())
            count = session.execute(sa.update(models.Service).where(
                models.Service.id == service_id,
                models.Service.deleted == 0).values(**values)).rowcount
            if not count:
                raise exception.ServiceNotFound(service_id=service_id)
