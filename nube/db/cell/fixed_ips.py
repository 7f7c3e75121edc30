"""Fixed IP addresses of a cell's instances (flat networking).

A mixin of CellDatabase (nube/db/cell/api.py), which holds the sessions.
"""

import ipaddress
import random

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nube import exception
from nube import utils
from nube.db import base
from nube.db.cell import models


class FixedIpsMixin:
    def fixed_ip_allocate(self, instance_uuid, cidr, mac_prefix):
        """Give an instance the lowest free address of ``cidr``.

        Network and broadcast addresses and the first host (the gateway)
        are never handed out. A unique index on the ordinal settles races.
        """
        network = ipaddress.ip_network(cidr, strict=False)
        first, last = 2, network.num_addresses - 2
        for _attempt in range(20):
            with self.session() as session:
                existing = session.execute(sa.select(
                    models.FixedIp.address, models.FixedIp.mac).where(
                    models.FixedIp.instance_uuid == instance_uuid)).first()
                if existing is not None:
                    return {'address': existing[0], 'mac': existing[1]}
                ordinal = _free_ordinal(session, first, last, _attempt)
                if ordinal is None:
                    raise exception.NoMoreFixedIps(cidr=cidr)
                mac = '%s:%02x:%02x:%02x' % (
                    mac_prefix, random.randint(0, 255),
                    random.randint(0, 255), random.randint(0, 255))
                address = str(network.network_address + ordinal)
                try:
                    with session.begin_nested():
                        session.add(models.FixedIp(
                            ordinal=ordinal, address=address, mac=mac,
                            instance_uuid=instance_uuid,
                            created_at=utils.utcnow()))
                except (sa.exc.IntegrityError, db_exc.DBDuplicateEntry):
                    # Another allocation took this address: next one.
                    continue
                return {'address': address, 'mac': mac}
        raise exception.NoMoreFixedIps(cidr=cidr)

    @base.retry_on_deadlock
    def fixed_ip_deallocate(self, instance_uuid):
        with self.session() as session:
            session.execute(sa.delete(models.FixedIp).where(
                models.FixedIp.instance_uuid == instance_uuid))



def _free_ordinal(session, first, last, attempt=0):
    """Next address after the highest taken; under contention (attempt >
    0) a random pick from a window that widens with each retry, so racing
    allocators stop proposing the same address."""
    top = session.execute(sa.select(sa.func.max(
        models.FixedIp.ordinal))).scalar()
    top = first - 1 if top is None else top
    candidate = top + 1 + (random.randrange(4 * attempt) if attempt else 0)
    if candidate <= last:
        return max(candidate, first)
    used = set(session.execute(sa.select(models.FixedIp.ordinal)).scalars())
    for ordinal in range(first, last + 1):
        if ordinal not in used:
            return ordinal
    return None
