"""Ports of a cell and the fixed IPs they hold.

A mixin of CellDatabase (nube/db/cell/api.py). A port and its addresses
are written in one transaction: a port is never left without the
addresses it asked for, nor an address without its port.
"""

import ipaddress
import random

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nube.db import base
from nube.db.cell import models
from nube.db.cell import security
from nube.network import exceptions as net_exc
from nube import utils

PORTS = models.Port.__table__
IPS = models.FixedIp.__table__
FLOATING = models.FloatingIp.__table__
BINDINGS = models.PortSecurityGroup.__table__

_ATTEMPTS = 20


class _Collided(Exception):
    """A generated MAC or address was taken meanwhile: start again."""


def random_mac(prefix):
    return '%s:%02x:%02x:%02x' % (prefix, random.randint(0, 255),
                                  random.randint(0, 255),
                                  random.randint(0, 255))


def pool_ranges(subnet):
    """The subnet's allocation pools as ordinal ranges (inclusive)."""
    net = ipaddress.ip_network(subnet['cidr'])
    base_int = int(net.network_address)
    return [(int(ipaddress.ip_address(pool['start'])) - base_int,
             int(ipaddress.ip_address(pool['end'])) - base_int)
            for pool in subnet['allocation_pools']]


def _in_pools(ordinal, ranges):
    return any(low <= ordinal <= high for low, high in ranges)


def _free_ordinal(conn, subnet, attempt):
    """Next ordinal after the highest taken; under contention (attempt >
    0) a random pick from a window that widens with each retry, so racing
    allocators stop proposing the same address. Falls back to a scan."""
    ranges = pool_ranges(subnet)
    gateway = _gateway_ordinal(subnet)
    top = conn.execute(sa.select(sa.func.max(IPS.c.ordinal)).where(
        IPS.c.subnet_uuid == subnet['uuid'])).scalar()
    if top is None:
        top = min(low for low, _high in ranges) - 1 if ranges else 0
    candidate = top + 1 + (random.randrange(4 * attempt) if attempt else 0)
    if _in_pools(candidate, ranges) and candidate != gateway:
        return candidate
    used = set(conn.execute(sa.select(IPS.c.ordinal).where(
        IPS.c.subnet_uuid == subnet['uuid'])).scalars())
    for low, high in ranges:
        for ordinal in range(low, high + 1):
            if ordinal not in used and ordinal != gateway:
                return ordinal
    return None


def _gateway_ordinal(subnet):
    if not subnet.get('gateway_ip'):
        return None
    net = ipaddress.ip_network(subnet['cidr'])
    return int(ipaddress.ip_address(subnet['gateway_ip'])) - int(
        net.network_address)


def _requested_ordinal(subnet, address, net_id):
    net = ipaddress.ip_network(subnet['cidr'])
    ip = ipaddress.ip_address(address)
    if ip not in net or ip in (net.network_address, net.broadcast_address):
        raise net_exc.InvalidInput(
            error_message='IP address %s is not a valid IP for the '
                          'specified subnet.' % address)
    if address == subnet.get('gateway_ip'):
        raise net_exc.IpAddressInUse(net_id=net_id, ip_address=address)
    return int(ip) - int(net.network_address)


def port_row(row, fixed_ips=()):
    result = dict(row._mapping)
    result['fixed_ips'] = list(fixed_ips)
    return result


class PortsMixin:
    @base.retry_on_deadlock
    def port_create(self, values, ip_requests, mac_prefix,
                    security_groups=(), then=None):
        """Insert a port, its addresses and its security groups.

        ``ip_requests``: [{'subnet': subnet row, 'ip_address': str|None}].
        A generated MAC or address that another writer took meanwhile is
        tried again; a requested one that is taken is a 409. ``then``
        (session, port) runs in the same transaction (a floating IP's
        row: the address and its owner are written together).
        """
        for attempt in range(_ATTEMPTS):
            try:
                return self._port_create_once(values, ip_requests,
                                              mac_prefix, attempt,
                                              security_groups, then)
            except _Collided:
                continue
        raise net_exc.IpAddressGenerationFailure(net_id=values['network_uuid'])

    def _port_create_once(self, values, ip_requests, mac_prefix, attempt,
                          security_groups=(), then=None):
        now = utils.utcnow()
        row = dict(values, created_at=now, updated_at=now, revision_number=1)
        chosen_mac = row.get('mac_address')
        row['mac_address'] = chosen_mac or random_mac(mac_prefix)
        with self.session() as session:
            try:
                with session.begin_nested():
                    session.execute(PORTS.insert().values(**row))
            except (sa.exc.IntegrityError, db_exc.DBDuplicateEntry):
                if chosen_mac is None:
                    raise _Collided()
                raise net_exc.MacAddressInUse(net_id=row['network_uuid'],
                                              mac=chosen_mac)
            ips = self._allocate(session, row, ip_requests, attempt, now)
            if security_groups:
                security.set_port_groups(session, row['uuid'],
                                         security_groups, new_port=True)
            result = dict(row, fixed_ips=ips,
                          security_groups=list(security_groups))
            if then is not None:
                then(session, result)
        return result

    def _allocate(self, session, port, ip_requests, attempt, now):
        ips = []
        for request in ip_requests:
            subnet = request['subnet']
            address = request.get('ip_address')
            if address:
                ordinal = _requested_ordinal(subnet, address,
                                             port['network_uuid'])
            else:
                ordinal = _free_ordinal(session, subnet, attempt)
                if ordinal is None:
                    raise net_exc.IpAddressGenerationFailure(
                        net_id=port['network_uuid'])
                address = str(ipaddress.ip_network(subnet['cidr'])
                              .network_address + ordinal)
            try:
                with session.begin_nested():
                    session.execute(IPS.insert().values(
                        ordinal=ordinal, address=address,
                        mac=port['mac_address'],
                        instance_uuid=port.get('device_id') or '',
                        subnet_uuid=subnet['uuid'],
                        network_uuid=port['network_uuid'],
                        port_uuid=port['uuid'], created_at=now))
            except (sa.exc.IntegrityError, db_exc.DBDuplicateEntry):
                if request.get('ip_address'):
                    raise net_exc.IpAddressInUse(
                        net_id=port['network_uuid'], ip_address=address)
                raise _Collided()
            ips.append({'subnet_id': subnet['uuid'], 'ip_address': address})
        return ips

    def port_get(self, uuid):
        ports = self.port_get_all(filters={'uuid': [uuid]})
        if not ports:
            raise net_exc.PortNotFound(port_id=uuid)
        return ports[0]

    def port_get_all(self, project_id=None, filters=None, ip_filters=None):
        """Ports of ``project_id`` (None: all) matching column filters
        ({column: [values]}) and, with ``ip_filters`` ([{subnet_id?,
        ip_address?}]), holding an address that matches one of them."""
        query = sa.select(PORTS)
        if project_id is not None:
            query = query.where(PORTS.c.project_id == project_id)
        for name, wanted in (filters or {}).items():
            if name in PORTS.c and wanted:
                query = query.where(PORTS.c[name].in_(wanted))
        if ip_filters:
            clauses = []
            for item in ip_filters:
                parts = []
                if item.get('ip_address'):
                    parts.append(IPS.c.address == item['ip_address'])
                if item.get('subnet_id'):
                    parts.append(IPS.c.subnet_uuid == item['subnet_id'])
                if parts:
                    clauses.append(sa.and_(*parts))
            if clauses:
                query = query.where(PORTS.c.uuid.in_(sa.select(
                    IPS.c.port_uuid).where(sa.or_(*clauses))))
        with self.transaction() as conn:
            rows = conn.execute(query.order_by(PORTS.c.id)).all()
            return self._with_ips(conn, rows)

    @staticmethod
    def _with_ips(conn, rows):
        ports = [port_row(row) for row in rows]
        by_uuid = {port['uuid']: port for port in ports}
        for port in ports:
            port['security_groups'] = []
        uuids = list(by_uuid)
        for start in range(0, len(uuids), 500):
            chunk = uuids[start:start + 500]
            for ip in conn.execute(sa.select(
                    IPS.c.port_uuid, IPS.c.subnet_uuid, IPS.c.address).where(
                    IPS.c.port_uuid.in_(chunk)).order_by(IPS.c.id)):
                by_uuid[ip.port_uuid]['fixed_ips'].append(
                    {'subnet_id': ip.subnet_uuid, 'ip_address': ip.address})
            for binding in conn.execute(sa.select(BINDINGS).where(
                    BINDINGS.c.port_uuid.in_(chunk))):
                by_uuid[binding.port_uuid]['security_groups'].append(
                    binding.security_group_uuid)
        return ports

    @base.retry_on_deadlock
    def port_update(self, uuid, values, ip_requests=None, mac_prefix=None,
                    expected_device_id=None, security_groups=None):
        """Change a port; ``ip_requests`` replaces its addresses (kept
        ones keep their rows), ``security_groups`` its groups.
        ``expected_device_id`` makes the update a compare-and-swap on the
        holder (attach races)."""
        now = utils.utcnow()
        with self.session() as session:
            row = session.execute(sa.select(PORTS).where(
                PORTS.c.uuid == uuid).with_for_update()).first()
            if row is None:
                raise net_exc.PortNotFound(port_id=uuid)
            if expected_device_id is not None and \
                    row.device_id != expected_device_id:
                raise net_exc.PortInUse(port_id=uuid,
                                        net_id=row.network_uuid,
                                        device_id=row.device_id)
            if values:
                session.execute(PORTS.update().where(
                    PORTS.c.uuid == uuid).values(
                    revision_number=PORTS.c.revision_number + 1,
                    updated_at=now, **values))
            port = dict(row._mapping, **values)
            if 'device_id' in values or 'mac_address' in values:
                session.execute(IPS.update().where(
                    IPS.c.port_uuid == uuid).values(
                    instance_uuid=port['device_id'] or '',
                    mac=port['mac_address']))
            if ip_requests is not None:
                keep = {(r['subnet']['uuid'], r.get('ip_address'))
                        for r in ip_requests if r.get('ip_address')}
                current = session.execute(sa.select(
                    IPS.c.id, IPS.c.subnet_uuid, IPS.c.address).where(
                    IPS.c.port_uuid == uuid)).all()
                stale = [ip.id for ip in current
                         if (ip.subnet_uuid, ip.address) not in keep]
                if stale:
                    session.execute(IPS.delete().where(IPS.c.id.in_(stale)))
                held = {(ip.subnet_uuid, ip.address) for ip in current}
                new = [r for r in ip_requests
                       if (r['subnet']['uuid'], r.get('ip_address'))
                       not in held]
                self._allocate(session, port, new, 0, now)
                # A floating IP follows only an address the port keeps.
                session.execute(FLOATING.update().where(
                    FLOATING.c.port_uuid == uuid,
                    FLOATING.c.fixed_ip_address.not_in(
                        [address for _subnet, address in keep] or [''])
                ).values(port_uuid=None, fixed_ip_address=None,
                         updated_at=now))
            if security_groups is not None:
                security.set_port_groups(session, uuid, security_groups)
        return self.port_get(uuid)

    def port_delete(self, uuid):
        """Delete a port and release its addresses; returns the port."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(PORTS).where(
                PORTS.c.uuid == uuid).with_for_update()).first()
            if row is None:
                raise net_exc.PortNotFound(port_id=uuid)
            if row.device_owner == FLOATING_IP_OWNER and conn.execute(
                    sa.select(FLOATING.c.id).where(
                        FLOATING.c.floating_port_uuid == uuid)).first():
                raise net_exc.PortInUse(port_id=uuid,
                                        net_id=row.network_uuid,
                                        device_id=row.device_id)
            forget_ports(conn, [uuid])
            return port_row(row)

    def ports_release_device(self, device_id):
        """release_device_ports in a transaction of its own."""
        with self.transaction() as conn:
            return release_device_ports(conn, device_id)

    def port_count(self, network_uuid):
        with self.transaction() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(
                PORTS).where(PORTS.c.network_uuid == network_uuid)).scalar()


def release_device_ports(conn, device_id):
    """In a caller's transaction (a server's delete): delete the ports
    nube made for the server with their addresses, and unbind the ones
    the user passed in (they keep their addresses). Returns the network
    UUIDs whose DHCP hosts changed."""
    # Addresses from before networks existed have no port.
    conn.execute(IPS.delete().where(IPS.c.instance_uuid == device_id,
                                    IPS.c.port_uuid.is_(None)))
    rows = conn.execute(sa.select(
        PORTS.c.uuid, PORTS.c.network_uuid, PORTS.c.auto_delete).where(
        PORTS.c.device_id == device_id)).all()
    made = [row.uuid for row in rows if row.auto_delete]
    kept = [row.uuid for row in rows if not row.auto_delete]
    if made:
        forget_ports(conn, made)
    if kept:
        # The server is gone: its floating IPs stay the project's, free.
        conn.execute(FLOATING.update().where(
            FLOATING.c.port_uuid.in_(kept)).values(
            port_uuid=None, fixed_ip_address=None,
            updated_at=utils.utcnow()))
        conn.execute(PORTS.update().where(PORTS.c.uuid.in_(kept)).values(
            device_id='', device_owner='', host=None,
            updated_at=utils.utcnow(),
            revision_number=PORTS.c.revision_number + 1))
        conn.execute(IPS.update().where(IPS.c.port_uuid.in_(kept)).values(
            instance_uuid=''))
    return {row.network_uuid for row in rows}


FLOATING_IP_OWNER = 'network:floatingip'


def forget_ports(conn, port_uuids):
    """In a caller's transaction: delete ports with their addresses and
    group bindings; floating IPs on them are disassociated (they stay
    their project's)."""
    conn.execute(FLOATING.update().where(
        FLOATING.c.port_uuid.in_(port_uuids)).values(
        port_uuid=None, fixed_ip_address=None, updated_at=utils.utcnow()))
    conn.execute(BINDINGS.delete().where(BINDINGS.c.port_uuid.in_(
        port_uuids)))
    conn.execute(IPS.delete().where(IPS.c.port_uuid.in_(port_uuids)))
    conn.execute(PORTS.delete().where(PORTS.c.uuid.in_(port_uuids)))
