"""Security groups and their rules, Neutron's way: a mixin of
nube/network/api.py's CellNetworks.

Each project has a ``default`` group, made the first time the project
lists its groups or gets a port: it lets everything out and admits what
comes from its own members. A new group lets everything out and admits
nothing. A port is filtered by the union of its groups' rules; a port
made without groups gets its project's default (network:* ports, such
as a floating IP's, are not filtered and get none). Rules are checked
here (what a JSON schema cannot say); nube-network enforces them.
"""

import ipaddress
import time

from oslo_utils import uuidutils

import nube.conf
from nube import exception
from nube import quota as nube_quota
from nube.network import exceptions as net_exc
from nube.network import resources

CONF = nube.conf.CONF

DEFAULT = 'default'
# What a group or rule change touches: every host that serves a port
# (nube-network syncs all of its networks on any refresh).
EVERY_NETWORK = ['*']
# How long a process trusts the default group id it found (an admin may
# delete an unused default group; another process then makes it again).
DEFAULT_CACHE_SECONDS = 30
PORT_PROTOCOLS = ('tcp', 'udp', 'udplite', 'sctp', 'dccp')
# Neutron's protocol names and their IANA numbers (the network API's
# checks and nube-network's rules read this one table).
PROTOCOL_NUMBERS = {
    'ah': 51, 'dccp': 33, 'egp': 8, 'esp': 50, 'gre': 47, 'icmp': 1,
    'igmp': 2, 'ipip': 4, 'ospf': 89, 'pgm': 113, 'rsvp': 46, 'sctp': 132,
    'tcp': 6, 'udp': 17, 'udplite': 136, 'vrrp': 112}
NUMBERED = {str(number): name for name, number in PROTOCOL_NUMBERS.items()}
_GROUP_COLUMNS = {'id': 'uuid', 'name': 'name', 'tenant_id': 'project_id',
                  'project_id': 'project_id', 'description': 'description'}
_RULE_COLUMNS = {'id': 'uuid', 'security_group_id': 'security_group_uuid',
                 'tenant_id': 'project_id', 'project_id': 'project_id',
                 'direction': 'direction', 'ethertype': 'ethertype',
                 'protocol': 'protocol', 'port_range_min': 'port_range_min',
                 'port_range_max': 'port_range_max',
                 'remote_ip_prefix': 'remote_ip_prefix',
                 'remote_group_id': 'remote_group_uuid',
                 'description': 'description'}


def rule_resource(row, default_group=False):
    prefix = row.get('remote_ip_prefix')
    result = {
        'id': row['uuid'], 'security_group_id': row['security_group_uuid'],
        'tenant_id': row['project_id'], 'project_id': row['project_id'],
        'direction': row['direction'], 'ethertype': row['ethertype'],
        'protocol': row.get('protocol'),
        'port_range_min': row.get('port_range_min'),
        'port_range_max': row.get('port_range_max'),
        'remote_ip_prefix': prefix,
        'normalized_cidr': str(ipaddress.ip_network(prefix, strict=False))
        if prefix else None,
        'remote_group_id': row.get('remote_group_uuid'),
        'remote_address_group_id': None,
        'belongs_to_default_sg': default_group,
    }
    result.update(resources.standard(row))
    del result['tags']   # rules have none
    return result


def group_resource(row):
    default = row.get('default_for') is not None
    result = {
        'id': row['uuid'], 'name': row['name'],
        'tenant_id': row['project_id'], 'project_id': row['project_id'],
        'security_group_rules': [rule_resource(rule, default)
                                 for rule in row.get('rules') or ()],
        'stateful': True, 'shared': False,
    }
    result.update(resources.standard(row))
    return result


def _over_quota(kind):
    return exception.OverQuota(resources="['%s']" % kind)


def _egress_rule(group_uuid, project_id):
    return {'uuid': uuidutils.generate_uuid(),
            'security_group_uuid': group_uuid, 'project_id': project_id,
            'direction': 'egress', 'ethertype': 'IPv4', 'description': ''}


def check_rule(values):
    """Neutron's checks of a rule's protocol, ports and remote; the
    values to store (protocol normalised: None for any)."""
    if values.get('ethertype', 'IPv4') != 'IPv4':
        raise net_exc.InvalidInput(error_message='IPv6 is not supported '
                                                 'by nube')
    protocol = values.get('protocol')
    if protocol is not None:
        protocol = str(protocol).lower()
        if protocol in ('any', '0'):
            protocol = None
        elif protocol not in PROTOCOL_NUMBERS:
            if not protocol.isdigit() or not 0 <= int(protocol) <= 255:
                raise net_exc.SecurityGroupRuleInvalid(
                    reason='Security group rule protocol %s not supported. '
                           'Only protocol values %s and integer '
                           'representations [0 to 255] are supported.' % (
                               protocol[:32], sorted(PROTOCOL_NUMBERS)))
            protocol = str(int(protocol))
    low, high = values.get('port_range_min'), values.get('port_range_max')
    name = NUMBERED.get(protocol, protocol)
    if low is not None or high is not None:
        if protocol is None:
            raise net_exc.SecurityGroupRuleInvalid(
                reason='Must also specify protocol if port range is given.')
        if name in PORT_PROTOCOLS:
            for port in (low, high):
                if port is not None and not 1 <= port <= 65535:
                    raise net_exc.SecurityGroupRuleInvalid(
                        reason='Invalid value for port %s' % port)
            if low is None or high is None or low > high:
                raise net_exc.SecurityGroupRuleInvalid(
                    reason='For TCP/UDP protocols, port_range_min must be '
                           '<= port_range_max')
        elif name == 'icmp':
            if low is None:
                raise net_exc.SecurityGroupRuleInvalid(
                    reason='ICMP code (port-range-max) %s is provided but '
                           'ICMP type (port-range-min) is missing.' % high)
            for field, value in (('type', low), ('code', high)):
                if value is not None and not 0 <= value <= 255:
                    raise net_exc.SecurityGroupRuleInvalid(
                        reason='Invalid value for ICMP %s (port-range-%s): '
                               '%s. It must be 0 to 255.' % (
                                   field, 'min' if field == 'type'
                                   else 'max', value))
        else:
            raise net_exc.SecurityGroupRuleInvalid(
                reason='Invalid protocol %s for port range, only supported '
                       'for TCP, UDP, UDPLITE, SCTP and DCCP.' % protocol)
    prefix = values.get('remote_ip_prefix')
    if prefix is not None and values.get('remote_group_id'):
        raise net_exc.SecurityGroupRuleInvalid(
            reason='Only remote_ip_prefix or remote_group_id may be '
                   'provided.')
    if prefix is not None:
        try:
            net = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            raise net_exc.InvalidInput(
                error_message="'%s' is not a valid IP subnet"
                              % str(prefix)[:64])
        if net.version != 4:
            raise net_exc.SecurityGroupRuleInvalid(
                reason='Conflicting value ethertype IPv4 for CIDR %s'
                       % prefix)
    return dict(values, protocol=protocol)


class SecurityGroupsMixin:

    # -- groups ------------------------------------------------------------

    def default_security_group(self, project_id):
        """The project's default group, made on first use (concurrent
        first uses agree on one: the unique key)."""
        cached = self._default_groups.get(project_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        found = self.db.security_group_get_all(
            filters={'default_for': [project_id]})
        if not found:
            uuid = uuidutils.generate_uuid()
            ingress = dict(_egress_rule(uuid, project_id),
                           uuid=uuidutils.generate_uuid(),
                           direction='ingress', remote_group_uuid=uuid)
            try:
                found = [self.db.security_group_create(
                    {'uuid': uuid, 'project_id': project_id,
                     'name': DEFAULT, 'description': 'Default security '
                     'group', 'default_for': project_id},
                    [_egress_rule(uuid, project_id), ingress])]
            except net_exc.SecurityGroupDefaultAlreadyExists:
                found = self.db.security_group_get_all(
                    filters={'default_for': [project_id]})
        self._default_groups[project_id] = (
            found[0]['uuid'], time.monotonic() + DEFAULT_CACHE_SECONDS)
        return found[0]['uuid']

    def _forget_default(self, project_id):
        self._default_groups.pop(project_id, None)

    def _group_row(self, ctxt, sg_id):
        row = self.db.security_group_get(sg_id)
        if not ctxt.is_admin and row['project_id'] != ctxt.project_id:
            raise net_exc.SecurityGroupNotFound(id=sg_id)
        return row

    def list_security_groups(self, ctxt, filters=None):
        if ctxt.project_id:
            self.default_security_group(ctxt.project_id)
        rows = self.db.security_group_get_all(
            project_id=None if ctxt.is_admin else ctxt.project_id,
            filters=resources.column_filters(filters, _GROUP_COLUMNS))
        return [group_resource(row) for row in rows]

    def get_security_group(self, ctxt, sg_id):
        return group_resource(self._group_row(ctxt, sg_id))

    def create_security_group(self, ctxt, values):
        project_id = values.get('project_id') or values.get('tenant_id') or \
            ctxt.project_id
        if values.get('name') == DEFAULT:
            raise net_exc.SecurityGroupDefaultAlreadyExists()
        self.default_security_group(project_id)
        quota = nube_quota.limit_of('security_groups', project_id)
        if quota >= 0 and len(self.db.security_group_get_all(
                project_id=project_id)) >= quota:
            raise _over_quota('security_group')
        uuid = uuidutils.generate_uuid()
        row = self.db.security_group_create(
            {'uuid': uuid, 'project_id': project_id,
             'name': values.get('name') or '',
             'description': values.get('description') or ''},
            [_egress_rule(uuid, project_id)])
        return group_resource(row)

    def update_security_group(self, ctxt, sg_id, values):
        row = self._group_row(ctxt, sg_id)
        changes = {key: values[key] for key in ('name', 'description')
                   if key in values}
        if row.get('default_for') is not None and \
                changes.get('name', DEFAULT) != DEFAULT:
            raise net_exc.SecurityGroupInUse(
                id=sg_id, reason='is the default group: it cannot be '
                                 'renamed')
        if changes.get('name') == DEFAULT and row['name'] != DEFAULT:
            raise net_exc.SecurityGroupDefaultAlreadyExists()
        return group_resource(self.db.security_group_update(sg_id, changes))

    def delete_security_group(self, ctxt, sg_id):
        row = self._group_row(ctxt, sg_id)
        if row.get('default_for') is not None and not ctxt.is_admin:
            raise net_exc.SecurityGroupCannotRemoveDefault()
        self.db.security_group_delete(sg_id)
        if row.get('default_for') is not None:
            self._forget_default(row['default_for'])
        self.notify(ctxt, EVERY_NETWORK)

    # -- rules -------------------------------------------------------------

    def _rule_row(self, ctxt, rule_id):
        rows = self.db.security_group_rule_get_all(
            project_id=None if ctxt.is_admin else ctxt.project_id,
            filters={'uuid': [rule_id]})
        if not rows:
            raise net_exc.SecurityGroupRuleNotFound(id=rule_id)
        return rows[0]

    def _defaults(self, rows):
        """Which groups of these rules are default groups."""
        uuids = sorted({row['security_group_uuid'] for row in rows})
        if not uuids:
            return set()
        return {group['uuid'] for group in self.db.security_group_get_all(
            filters={'uuid': uuids}) if group.get('default_for')}

    def list_security_group_rules(self, ctxt, filters=None):
        rows = self.db.security_group_rule_get_all(
            project_id=None if ctxt.is_admin else ctxt.project_id,
            filters=resources.column_filters(filters, _RULE_COLUMNS))
        defaults = self._defaults(rows)
        return [rule_resource(row, row['security_group_uuid'] in defaults)
                for row in rows]

    def get_security_group_rule(self, ctxt, rule_id):
        row = self._rule_row(ctxt, rule_id)
        return rule_resource(row, bool(self._defaults([row])))

    def create_security_group_rule(self, ctxt, values):
        values = check_rule(values)
        group = self._group_row(ctxt, values['security_group_id'])
        remote = values.get('remote_group_id')
        if remote:
            try:
                self._group_row(ctxt, remote)
            except net_exc.SecurityGroupNotFound:
                raise net_exc.SecurityGroupRemoteGroupNotFound(id=remote)
        quota = nube_quota.limit_of('security_group_rules',
                                    group['project_id'])
        if quota >= 0 and len(self.db.security_group_rule_get_all(
                project_id=group['project_id'])) >= quota:
            raise _over_quota('security_group_rule')
        row = self.db.security_group_rule_create({
            'uuid': uuidutils.generate_uuid(),
            'security_group_uuid': group['uuid'],
            'project_id': group['project_id'],
            'direction': values['direction'], 'ethertype': 'IPv4',
            'protocol': values.get('protocol'),
            'port_range_min': values.get('port_range_min'),
            'port_range_max': values.get('port_range_max'),
            'remote_ip_prefix': values.get('remote_ip_prefix'),
            'remote_group_uuid': remote or None,
            'description': values.get('description') or ''})
        self.notify(ctxt, EVERY_NETWORK)
        return rule_resource(row, group.get('default_for') is not None)

    def delete_security_group_rule(self, ctxt, rule_id):
        self._rule_row(ctxt, rule_id)
        self.db.security_group_rule_delete(rule_id)
        self.notify(ctxt, EVERY_NETWORK)

    # -- ports and servers -------------------------------------------------

    def port_groups(self, ctxt, project_id, group_ids, device_owner=''):
        """The groups a new port gets: those asked for (each the port
        project's, or 404), else its project's default; none for the
        network's own ports."""
        if group_ids is None:
            if device_owner.startswith('network:'):
                return []
            return [self.default_security_group(project_id)]
        for sg_id in group_ids:
            row = self.db.security_group_get(sg_id)
            if row['project_id'] != project_id and not ctxt.is_admin:
                raise net_exc.SecurityGroupNotFound(id=sg_id)
        return list(group_ids)

    def find_security_groups(self, ctxt, names, project_id=None):
        """Group ids for names or ids of ``project_id``'s groups (400:
        SecurityGroupNotFound as BadRequest for the compute API)."""
        project_id = project_id or ctxt.project_id
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return []
        if DEFAULT in wanted:
            self.default_security_group(project_id)
        rows = self.db.security_group_get_all(project_id=project_id)
        result = []
        for name in wanted:
            matches = [row for row in rows if row['uuid'] == name] or \
                [row for row in rows if row['name'] == name]
            if not matches:
                raise net_exc.SecurityGroupNotFound(id=name)
            if len(matches) > 1:
                raise net_exc.Conflict(
                    'Multiple security groups named %s exist; use its '
                    'id.' % name)
            result.append(matches[0]['uuid'])
        return result

    def server_security_groups(self, ctxt, instance_uuid):
        """The groups of a server's ports (their union, in order)."""
        ports = self.db.port_get_all(filters={'device_id': [instance_uuid]})
        uuids = list(dict.fromkeys(
            sg for port in ports for sg in port.get('security_groups', ())))
        if not uuids:
            return []
        rows = {row['uuid']: row for row in self.db.security_group_get_all(
            filters={'uuid': uuids})}
        return sorted((group_resource(rows[uuid]) for uuid in uuids
                       if uuid in rows), key=lambda g: (g['name'], g['id']))

    def change_server_security_group(self, ctxt, instance, name_or_id, add):
        """Add the group to (or remove it from) every port of the server.
        False when the server has no port in this cell."""
        ports = self.db.port_get_all(filters={'device_id':
                                              [instance['uuid']]})
        if not ports:
            return False
        sg_id = self.find_security_groups(
            ctxt, [name_or_id], project_id=instance['project_id'])[0]
        if not add and not any(sg_id in port['security_groups']
                               for port in ports):
            raise net_exc.BadRequest(
                resource='security group',
                msg='Security group %s not associated with the instance %s'
                    % (name_or_id, instance['uuid']))
        for port in ports:
            groups = [sg for sg in port['security_groups'] if sg != sg_id]
            if add:
                groups.append(sg_id)
            if groups != port['security_groups']:
                self.db.port_set_security_groups(port['uuid'], groups)
        self.notify(ctxt, {port['network_uuid'] for port in ports})
        return True
