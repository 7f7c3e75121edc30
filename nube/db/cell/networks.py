"""Networks and subnets of a cell (the network service's L2 and L3).

A mixin of CellDatabase (nube/db/cell/api.py), which holds the sessions.
Rows come back as plain dicts with the column names; nube/network/api.py
turns them into Neutron's resources and decides who may see what.
"""

import ipaddress

from oslo_db import exception as db_exc
from oslo_serialization import jsonutils
import sqlalchemy as sa

from nube.db.cell import models
from nube.db.cell import ports
from nube.network import exceptions as net_exc
from nube import utils

NETWORKS = models.Network.__table__
SUBNETS = models.Subnet.__table__
PORTS = models.Port.__table__
IPS = models.FixedIp.__table__
BINDINGS = models.PortSecurityGroup.__table__
FLOATING = models.FloatingIp.__table__

_SUBNET_JSON = ('dns_nameservers', 'allocation_pools', 'host_routes')


def network_row(row):
    return dict(row._mapping)


def subnet_row(row):
    result = dict(row._mapping)
    for key in _SUBNET_JSON:
        result[key] = jsonutils.loads(result[key]) if result[key] else []
    return result


def _visible(table, project_id, extra=()):
    """Rows of ``project_id`` (None: every row) or with a true ``extra``
    column (shared, external)."""
    if project_id is None:
        return sa.true()
    return sa.or_(table.c.project_id == project_id,
                  *[table.c[name].is_(True) for name in extra])


def _where_in(query, table, filters):
    for name, values in (filters or {}).items():
        if name in table.c and values:
            query = query.where(table.c[name].in_(values))
    return query


class NetworksMixin:
    # -- networks --------------------------------------------------------

    def network_create(self, values):
        values = dict(values, created_at=utils.utcnow(), revision_number=1)
        values['updated_at'] = values['created_at']
        try:
            with self.transaction() as conn:
                conn.execute(NETWORKS.insert().values(**values))
        except db_exc.DBDuplicateEntry as exc:
            columns = set(exc.columns or ())
            if 'vlan' in columns or any('vlan' in c for c in columns):
                raise net_exc.VlanIdInUse(
                    vlan_id=values.get('vlan'),
                    physical_network=values.get('physical_network') or
                    'default')
            raise net_exc.Conflict('Bridge %s is used by another network.'
                                   % values.get('bridge'))
        return self.network_get(values['uuid'])

    def network_get(self, uuid):
        with self.transaction() as conn:
            row = conn.execute(sa.select(NETWORKS).where(
                NETWORKS.c.uuid == uuid)).first()
        if row is None:
            raise net_exc.NetworkNotFound(net_id=uuid)
        return network_row(row)

    def network_get_all(self, project_id=None, filters=None):
        """Networks ``project_id`` may see (its own, shared, external)."""
        query = _where_in(sa.select(NETWORKS).where(
            _visible(NETWORKS, project_id, ('shared', 'external'))),
            NETWORKS, filters).order_by(NETWORKS.c.id)
        with self.transaction() as conn:
            return [network_row(row) for row in conn.execute(query)]

    def network_used_values(self, column):
        """Every value of ``column`` in use (bridges, VLANs, CIDRs)."""
        table = SUBNETS if column == 'cidr' else NETWORKS
        with self.transaction() as conn:
            return set(conn.execute(sa.select(table.c[column])).scalars())

    def network_update(self, uuid, values):
        with self.transaction() as conn:
            count = conn.execute(NETWORKS.update().where(
                NETWORKS.c.uuid == uuid).values(
                revision_number=NETWORKS.c.revision_number + 1,
                updated_at=utils.utcnow(), **values)).rowcount
        if not count:
            raise net_exc.NetworkNotFound(net_id=uuid)
        return self.network_get(uuid)

    def network_delete(self, uuid):
        """Delete a network and its subnets, if no port is left on it."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(NETWORKS.c.id).where(
                NETWORKS.c.uuid == uuid).with_for_update()).first()
            if row is None:
                raise net_exc.NetworkNotFound(net_id=uuid)
            # Floating IPs go with their external network, as in Neutron;
            # any other port keeps it.
            if conn.execute(sa.select(PORTS.c.id).where(
                    PORTS.c.network_uuid == uuid,
                    PORTS.c.device_owner != ports.FLOATING_IP_OWNER).limit(
                    1)).first():
                raise net_exc.NetworkInUse(net_id=uuid)
            held = conn.execute(sa.select(PORTS.c.uuid).where(
                PORTS.c.network_uuid == uuid)).scalars().all()
            if held:
                conn.execute(FLOATING.delete().where(
                    FLOATING.c.floating_network_uuid == uuid))
                ports.forget_ports(conn, held)
            conn.execute(SUBNETS.delete().where(
                SUBNETS.c.network_uuid == uuid))
            conn.execute(NETWORKS.delete().where(NETWORKS.c.uuid == uuid))

    # -- subnets ---------------------------------------------------------

    def subnet_create(self, values):
        """Add a subnet unless its CIDR overlaps one in the cell (the
        cell's networks share its hosts' routing tables)."""
        values = dict(values, created_at=utils.utcnow(), revision_number=1)
        values['updated_at'] = values['created_at']
        for key in _SUBNET_JSON:
            values[key] = jsonutils.dumps(values.get(key) or [])
        new = ipaddress.ip_network(values['cidr'])
        with self.transaction() as conn:
            # Every network row locked, in one order: concurrent subnet
            # creates of any networks of the cell take turns, so the
            # overlap check below sees the other's subnet (locking the
            # own network's row only let two networks both pass).
            locked = conn.execute(sa.select(NETWORKS.c.uuid).order_by(
                NETWORKS.c.id).with_for_update()).scalars().all()
            if values['network_uuid'] not in locked:
                raise net_exc.NetworkNotFound(net_id=values['network_uuid'])
            # A locking read: the latest committed subnets, whatever this
            # transaction read before.
            for cidr in conn.execute(sa.select(SUBNETS.c.cidr)
                                     .with_for_update()).scalars():
                if ipaddress.ip_network(cidr).overlaps(new):
                    raise net_exc.OverlappingCidr(
                        cidr=values['cidr'], net_id=values['network_uuid'])
            conn.execute(SUBNETS.insert().values(**values))
        return self.subnet_get(values['uuid'])

    def subnet_get(self, uuid):
        with self.transaction() as conn:
            row = conn.execute(sa.select(SUBNETS).where(
                SUBNETS.c.uuid == uuid)).first()
        if row is None:
            raise net_exc.SubnetNotFound(subnet_id=uuid)
        return subnet_row(row)

    def subnet_get_all(self, network_uuids=None, project_id=None,
                       filters=None):
        """Subnets of ``network_uuids`` (None: all) or of ``project_id``."""
        query = sa.select(SUBNETS)
        clauses = []
        if network_uuids is not None:
            clauses.append(SUBNETS.c.network_uuid.in_(list(network_uuids)))
        if project_id is not None:
            clauses.append(SUBNETS.c.project_id == project_id)
        if clauses:
            query = query.where(sa.or_(*clauses))
        query = _where_in(query, SUBNETS, filters).order_by(SUBNETS.c.id)
        with self.transaction() as conn:
            return [subnet_row(row) for row in conn.execute(query)]

    def subnet_update(self, uuid, values):
        values = dict(values)
        for key in _SUBNET_JSON:
            if key in values:
                values[key] = jsonutils.dumps(values[key] or [])
        with self.transaction() as conn:
            count = conn.execute(SUBNETS.update().where(
                SUBNETS.c.uuid == uuid).values(
                revision_number=SUBNETS.c.revision_number + 1,
                updated_at=utils.utcnow(), **values)).rowcount
        if not count:
            raise net_exc.SubnetNotFound(subnet_id=uuid)
        return self.subnet_get(uuid)

    def subnet_delete(self, uuid):
        with self.transaction() as conn:
            if conn.execute(sa.select(SUBNETS.c.id).where(
                    SUBNETS.c.uuid == uuid).with_for_update()).first() is None:
                raise net_exc.SubnetNotFound(subnet_id=uuid)
            if conn.execute(sa.select(IPS.c.id).where(
                    IPS.c.subnet_uuid == uuid).limit(1)).first():
                raise net_exc.SubnetInUse(subnet_id=uuid)
            conn.execute(SUBNETS.delete().where(SUBNETS.c.uuid == uuid))

    # -- what a host serves ------------------------------------------------

    def network_host_state(self, network_uuids=None):
        """Networks with their subnets and ports, for nube-network's sync:
        the whole desired state in three queries."""
        networks = {}
        with self.transaction() as conn:
            query = sa.select(NETWORKS).order_by(NETWORKS.c.id)
            if network_uuids is not None:
                query = query.where(NETWORKS.c.uuid.in_(list(network_uuids)))
            for row in conn.execute(query):
                net = network_row(row)
                net.update(subnets=[], ports=[])
                networks[net['uuid']] = net
            if not networks:
                return []
            for row in conn.execute(sa.select(SUBNETS).where(
                    SUBNETS.c.network_uuid.in_(list(networks)))):
                networks[row.network_uuid]['subnets'].append(subnet_row(row))
            ports = {}
            for row in conn.execute(sa.select(
                    PORTS.c.uuid, PORTS.c.network_uuid, PORTS.c.mac_address,
                    PORTS.c.admin_state_up, PORTS.c.host,
                    PORTS.c.device_owner).where(
                    PORTS.c.network_uuid.in_(list(networks))).order_by(
                    PORTS.c.id)):
                port = {'id': row.uuid, 'mac_address': row.mac_address,
                        'admin_state_up': row.admin_state_up,
                        'host': row.host, 'device_owner': row.device_owner,
                        'fixed_ips': [], 'security_groups': []}
                ports[row.uuid] = port
                networks[row.network_uuid]['ports'].append(port)
            for row in conn.execute(sa.select(
                    IPS.c.port_uuid, IPS.c.subnet_uuid, IPS.c.address).where(
                    IPS.c.network_uuid.in_(list(networks))).order_by(
                    IPS.c.id)):
                if row.port_uuid in ports:
                    ports[row.port_uuid]['fixed_ips'].append(
                        {'subnet_id': row.subnet_uuid,
                         'ip_address': row.address})
            for row in conn.execute(sa.select(BINDINGS).join(
                    PORTS, PORTS.c.uuid == BINDINGS.c.port_uuid).where(
                    PORTS.c.network_uuid.in_(list(networks)))):
                ports[row.port_uuid]['security_groups'].append(
                    row.security_group_uuid)
        return list(networks.values())
