"""Floating IPs of a cell: addresses of external networks held by
projects, and the fixed addresses they are translated to.

A mixin of CellDatabase (nube/db/cell/api.py). The address itself is a
fixed IP of a port on the external network (device_owner
network:floatingip), made in the same transaction as the floating IP's
row by the port allocator (nube/db/cell/ports.py), so two floating IPs
never get one address and a released one frees it.
"""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nube.db.cell import models
from nube.db.cell import ports
from nube.network import exceptions as net_exc
from nube import utils

FLOATING = models.FloatingIp.__table__
PORTS = models.Port.__table__
IPS = models.FixedIp.__table__


def _conflict(values):
    return net_exc.FloatingIPPortAlreadyAssociated(
        floating_ip_address=values.get('floating_ip_address'),
        fip_id=values.get('uuid'), port_id=values.get('port_uuid'),
        fixed_ip=values.get('fixed_ip_address'),
        net_id=values.get('floating_network_uuid'))


class FloatingIpsMixin:

    def floating_ip_create(self, values, port_values, ip_requests,
                           mac_prefix):
        """Allocate an address on the external network (a port holding
        it) and the floating IP row, in one transaction."""
        def insert(session, port):
            row = dict(values, floating_port_uuid=port['uuid'],
                       floating_ip_address=port['fixed_ips'][0][
                           'ip_address'],
                       created_at=port['created_at'],
                       updated_at=port['created_at'], revision_number=1)
            try:
                with session.begin_nested():
                    session.execute(FLOATING.insert().values(**row))
            except db_exc.DBDuplicateEntry:
                raise _conflict(row)
        port = self.port_create(port_values, ip_requests, mac_prefix,
                                then=insert)
        return self.floating_ip_get(values['uuid']), port

    def floating_ip_get(self, uuid):
        rows = self.floating_ip_get_all(filters={'uuid': [uuid]})
        if not rows:
            raise net_exc.FloatingIPNotFound(floatingip_id=uuid)
        return rows[0]

    def floating_ip_get_all(self, project_id=None, filters=None):
        """Floating IPs of ``project_id`` (None: all), each with the
        network of its port (``port_network_uuid``) and the server
        holding that port (``device_id``)."""
        query = sa.select(FLOATING, PORTS.c.network_uuid.label(
            'port_network_uuid'), PORTS.c.device_id).outerjoin(
            PORTS, PORTS.c.uuid == FLOATING.c.port_uuid)
        if project_id is not None:
            query = query.where(FLOATING.c.project_id == project_id)
        for name, wanted in (filters or {}).items():
            if name in FLOATING.c and wanted:
                query = query.where(FLOATING.c[name].in_(wanted))
        with self.transaction() as conn:
            return [dict(row._mapping) for row in conn.execute(
                query.order_by(FLOATING.c.id))]

    def floating_ip_count(self, project_id):
        with self.transaction() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(
                FLOATING).where(FLOATING.c.project_id == project_id)).scalar()

    def floating_ip_update(self, uuid, values):
        """Change a floating IP; an association that another floating IP
        of the same fixed address holds is 409."""
        values = dict(values, updated_at=utils.utcnow())
        try:
            with self.transaction() as conn:
                count = conn.execute(FLOATING.update().where(
                    FLOATING.c.uuid == uuid).values(
                    revision_number=FLOATING.c.revision_number + 1,
                    **values)).rowcount
        except db_exc.DBDuplicateEntry:
            raise _conflict(dict(values, uuid=uuid))
        if not count:
            raise net_exc.FloatingIPNotFound(floatingip_id=uuid)
        return self.floating_ip_get(uuid)

    def floating_ip_delete(self, uuid):
        """Release a floating IP and the address its port holds."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(FLOATING).where(
                FLOATING.c.uuid == uuid).with_for_update()).first()
            if row is None:
                raise net_exc.FloatingIPNotFound(floatingip_id=uuid)
            conn.execute(FLOATING.delete().where(FLOATING.c.uuid == uuid))
            ports.forget_ports(conn, [row.floating_port_uuid])
            return dict(row._mapping)

    def floating_ips_of_instances(self, conn, instance_uuids):
        """In a caller's connection: {instance uuid: [{'address',
        'fixed_address'}]} for the server views."""
        result = {}
        for row in conn.execute(sa.select(
                PORTS.c.device_id, FLOATING.c.floating_ip_address,
                FLOATING.c.fixed_ip_address).join(
                PORTS, PORTS.c.uuid == FLOATING.c.port_uuid).where(
                PORTS.c.device_id.in_(list(instance_uuids))).order_by(
                FLOATING.c.id)):
            result.setdefault(row.device_id, []).append(
                {'address': row.floating_ip_address,
                 'fixed_address': row.fixed_ip_address})
        return result

    def floating_host_state(self):
        """The associated floating IPs, with the network of their port
        (where the translation happens)."""
        with self.transaction() as conn:
            return [{'id': row.uuid,
                     'floating_ip_address': row.floating_ip_address,
                     'fixed_ip_address': row.fixed_ip_address,
                     'port_id': row.port_uuid,
                     'network_id': row.network_uuid,
                     'floating_network_id': row.floating_network_uuid}
                    for row in conn.execute(sa.select(
                        FLOATING.c.uuid, FLOATING.c.floating_ip_address,
                        FLOATING.c.fixed_ip_address, FLOATING.c.port_uuid,
                        FLOATING.c.floating_network_uuid,
                        PORTS.c.network_uuid).join(
                        PORTS, PORTS.c.uuid == FLOATING.c.port_uuid).where(
                        FLOATING.c.fixed_ip_address.is_not(None)).order_by(
                        FLOATING.c.id))]
