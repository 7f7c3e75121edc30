"""Security groups of a cell, their rules, and the ports they filter.

A mixin of CellDatabase (nube/db/cell/api.py). A group comes back with
its rules (``rules``); nube/network/security_groups.py turns rows into
Neutron's resources and decides who may see what.
"""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nube.db.cell import models
from nube.network import exceptions as net_exc
from nube import utils

GROUPS = models.SecurityGroup.__table__
RULES = models.SecurityGroupRule.__table__
BINDINGS = models.PortSecurityGroup.__table__
IPS = models.FixedIp.__table__

# What makes two rules of a group the same rule (Neutron's duplicate
# check).
RULE_IDENTITY = ('direction', 'ethertype', 'protocol', 'port_range_min',
                 'port_range_max', 'remote_ip_prefix', 'remote_group_uuid')


def _group(row, rules=()):
    result = dict(row._mapping)
    result['rules'] = list(rules)
    return result


def _stamped(values):
    now = utils.utcnow()
    return dict(values, created_at=now, updated_at=now, revision_number=1)


class SecurityGroupsMixin:

    # -- groups ------------------------------------------------------------

    def security_group_create(self, values, rules=()):
        """A group with its first rules, in one transaction. A second
        ``default`` group of a project (``default_for`` set) is refused
        by the unique key: SecurityGroupDefaultAlreadyExists."""
        row = _stamped(values)
        try:
            with self.transaction() as conn:
                conn.execute(GROUPS.insert().values(**row))
                for rule in rules:
                    conn.execute(RULES.insert().values(**_stamped(rule)))
        except db_exc.DBDuplicateEntry:
            raise net_exc.SecurityGroupDefaultAlreadyExists()
        return self.security_group_get(row['uuid'])

    def security_group_get(self, uuid):
        groups = self.security_group_get_all(filters={'uuid': [uuid]})
        if not groups:
            raise net_exc.SecurityGroupNotFound(id=uuid)
        return groups[0]

    def security_group_get_all(self, project_id=None, filters=None):
        """Groups of ``project_id`` (None: all) matching column filters,
        each with its rules."""
        query = sa.select(GROUPS)
        if project_id is not None:
            query = query.where(GROUPS.c.project_id == project_id)
        for name, wanted in (filters or {}).items():
            if name in GROUPS.c and wanted:
                query = query.where(GROUPS.c[name].in_(wanted))
        with self.transaction() as conn:
            rows = conn.execute(query.order_by(GROUPS.c.id)).all()
            rules = {}
            uuids = [row.uuid for row in rows]
            for start in range(0, len(uuids), 500):
                for rule in conn.execute(sa.select(RULES).where(
                        RULES.c.security_group_uuid.in_(
                            uuids[start:start + 500])).order_by(RULES.c.id)):
                    rules.setdefault(rule.security_group_uuid, []).append(
                        dict(rule._mapping))
        return [_group(row, rules.get(row.uuid, ())) for row in rows]

    def security_group_update(self, uuid, values):
        with self.transaction() as conn:
            count = conn.execute(GROUPS.update().where(
                GROUPS.c.uuid == uuid).values(
                revision_number=GROUPS.c.revision_number + 1,
                updated_at=utils.utcnow(), **values)).rowcount
        if not count:
            raise net_exc.SecurityGroupNotFound(id=uuid)
        return self.security_group_get(uuid)

    def security_group_delete(self, uuid):
        """Delete a group no port uses, its rules, and the rules of other
        groups that name it as their remote group (Neutron's cascade)."""
        with self.transaction() as conn:
            if conn.execute(sa.select(GROUPS.c.id).where(
                    GROUPS.c.uuid == uuid).with_for_update()).first() is None:
                raise net_exc.SecurityGroupNotFound(id=uuid)
            if conn.execute(sa.select(BINDINGS.c.port_uuid).where(
                    BINDINGS.c.security_group_uuid == uuid).limit(
                    1)).first():
                raise net_exc.SecurityGroupInUse(id=uuid,
                                                 reason='in use')
            conn.execute(RULES.delete().where(sa.or_(
                RULES.c.security_group_uuid == uuid,
                RULES.c.remote_group_uuid == uuid)))
            conn.execute(GROUPS.delete().where(GROUPS.c.uuid == uuid))

    # -- rules -------------------------------------------------------------

    def security_group_rule_create(self, values):
        """Add a rule unless the group already has the same one (409
        naming it). The group row is locked so two identical rules
        cannot both pass the check."""
        row = _stamped(values)
        with self.transaction() as conn:
            if conn.execute(sa.select(GROUPS.c.id).where(
                    GROUPS.c.uuid == row['security_group_uuid'])
                    .with_for_update()).first() is None:
                raise net_exc.SecurityGroupNotFound(
                    id=row['security_group_uuid'])
            same = sa.select(RULES.c.uuid).where(
                RULES.c.security_group_uuid == row['security_group_uuid'],
                *[RULES.c[key].is_(None) if row.get(key) is None
                  else RULES.c[key] == row[key] for key in RULE_IDENTITY])
            existing = conn.execute(same.limit(1)).scalar()
            if existing:
                raise net_exc.SecurityGroupRuleExists(rule_id=existing)
            conn.execute(RULES.insert().values(**row))
        return self.security_group_rule_get(row['uuid'])

    def security_group_rule_get(self, uuid):
        rules = self.security_group_rule_get_all(filters={'uuid': [uuid]})
        if not rules:
            raise net_exc.SecurityGroupRuleNotFound(id=uuid)
        return rules[0]

    def security_group_rule_get_all(self, project_id=None, filters=None):
        query = sa.select(RULES)
        if project_id is not None:
            # A project's rules and the rules of its groups (an admin may
            # have added one for it).
            query = query.where(sa.or_(
                RULES.c.project_id == project_id,
                RULES.c.security_group_uuid.in_(sa.select(
                    GROUPS.c.uuid).where(GROUPS.c.project_id ==
                                         project_id))))
        for name, wanted in (filters or {}).items():
            if name in RULES.c and wanted:
                # protocol=any is NULL.
                values = [value for value in wanted if value is not None]
                clause = RULES.c[name].in_(values)
                if len(values) < len(wanted):
                    clause = sa.or_(clause, RULES.c[name].is_(None))
                query = query.where(clause)
        with self.transaction() as conn:
            return [dict(row._mapping) for row in conn.execute(
                query.order_by(RULES.c.id))]

    def security_group_rule_delete(self, uuid):
        with self.transaction() as conn:
            row = conn.execute(sa.select(RULES.c.security_group_uuid).where(
                RULES.c.uuid == uuid)).first()
            if row is None:
                raise net_exc.SecurityGroupRuleNotFound(id=uuid)
            conn.execute(RULES.delete().where(RULES.c.uuid == uuid))
            conn.execute(GROUPS.update().where(
                GROUPS.c.uuid == row.security_group_uuid).values(
                revision_number=GROUPS.c.revision_number + 1,
                updated_at=utils.utcnow()))

    # -- ports -------------------------------------------------------------

    def port_security_groups(self, port_uuids):
        """{port uuid: [group uuids]} (ports without groups left out)."""
        result = {}
        port_uuids = list(port_uuids)
        with self.transaction() as conn:
            for start in range(0, len(port_uuids), 500):
                for row in conn.execute(sa.select(BINDINGS).where(
                        BINDINGS.c.port_uuid.in_(
                            port_uuids[start:start + 500]))):
                    result.setdefault(row.port_uuid, []).append(
                        row.security_group_uuid)
        return result

    def port_set_security_groups(self, port_uuid, group_uuids):
        """Replace the groups of a port (the groups must exist: a group
        deleted meanwhile is SecurityGroupNotFound)."""
        with self.transaction() as conn:
            set_port_groups(conn, port_uuid, group_uuids)

    # -- what a host enforces ----------------------------------------------

    def security_host_state(self):
        """Every group a port of the cell uses, and every group their
        rules name as remote: {uuid: {'id', 'rules', 'members'}} where
        members are the fixed addresses of the group's ports."""
        with self.transaction() as conn:
            members = {}
            for row in conn.execute(sa.select(
                    BINDINGS.c.security_group_uuid, IPS.c.address).join(
                    IPS, IPS.c.port_uuid == BINDINGS.c.port_uuid)):
                members.setdefault(row.security_group_uuid, []).append(
                    row.address)
            used = set(conn.execute(sa.select(
                BINDINGS.c.security_group_uuid).distinct()).scalars())
            groups = {uuid: {'id': uuid, 'rules': [],
                             'members': sorted(members.get(uuid, ()))}
                      for uuid in used}
            if not used:
                return {}
            for rule in conn.execute(sa.select(RULES).where(
                    RULES.c.security_group_uuid.in_(list(used))).order_by(
                    RULES.c.id)):
                groups[rule.security_group_uuid]['rules'].append({
                    'direction': rule.direction,
                    'ethertype': rule.ethertype,
                    'protocol': rule.protocol,
                    'port_range_min': rule.port_range_min,
                    'port_range_max': rule.port_range_max,
                    'remote_ip_prefix': rule.remote_ip_prefix,
                    'remote_group_id': rule.remote_group_uuid})
                remote = rule.remote_group_uuid
                if remote and remote not in groups:
                    groups[remote] = {'id': remote, 'rules': [],
                                      'members': sorted(
                                          members.get(remote, ()))}
        return groups


def set_port_groups(conn, port_uuid, group_uuids, new_port=False):
    """In a caller's transaction: the port's groups become
    ``group_uuids`` (each must exist). ``new_port``: it has none yet, so
    nothing is deleted first (a DELETE that finds nothing takes a gap
    lock, and concurrent port creates then deadlock on their INSERTs)."""
    group_uuids = list(dict.fromkeys(group_uuids))
    if group_uuids:
        found = set(conn.execute(sa.select(GROUPS.c.uuid).where(
            GROUPS.c.uuid.in_(group_uuids))).scalars())
        for uuid in group_uuids:
            if uuid not in found:
                raise net_exc.SecurityGroupNotFound(id=uuid)
    if not new_port:
        conn.execute(BINDINGS.delete().where(
            BINDINGS.c.port_uuid == port_uuid))
    if group_uuids:
        conn.execute(BINDINGS.insert(), [
            {'port_uuid': port_uuid, 'security_group_uuid': uuid}
            for uuid in group_uuids])
