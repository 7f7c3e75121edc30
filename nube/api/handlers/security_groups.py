"""/os-security-groups, /os-security-group-rules, a server's security
groups and the addSecurityGroup and removeSecurityGroup server actions:
Nova's proxies of the network service's security groups.

As Nova: the group and rule routes answer below microversion 2.36 (404
from 2.36 on); a server's groups and the two actions at every version.
Groups are the network API's (Neutron's), shown in nova-network's
fields: only ingress rules, a rule's ports as from_port/to_port (-1 for
"any" ICMP type or code, 1-65535 for "any" TCP or UDP port), its remote
as an ip_range {cidr} or a group {name, tenant_id}. Nova checks rules in
code before the network API sees them; its words are kept here, and
each network error gets the code Nova's network driver gives it.
"""

import ipaddress
from urllib import parse as urlparse

from oslo_utils import uuidutils
import webob.exc

from nube.api import common
from nube.api.handlers import floating_ips
from nube.api.schemas import security_groups as schema
from nube.api import validation
from nube import exception
from nube.network import exceptions as net_exc
from nube.policies import security_groups as policies

MAX_LENGTH = 255
NETWORK = floating_ips.NETWORK


def _authorize(req, rule, target=None):
    common.authorize(req, policies.SECURITY_GROUPS % rule, target)


def _validate_id(value):
    if not isinstance(value, str) or not uuidutils.is_uuid_like(value):
        raise webob.exc.HTTPBadRequest(
            explanation='Security group id should be uuid')
    return value


def _get_group(req, sg_id):
    try:
        return NETWORK.get_security_group(req.context, _validate_id(sg_id))
    except net_exc.NotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.message)


# -- views --------------------------------------------------------------------

def _cidr(prefix):
    return prefix or '0.0.0.0/0'


def nova_rule(rule):
    """A Neutron rule in Nova's terms (its network driver's conversion)."""
    protocol = rule.get('protocol')
    low, high = rule.get('port_range_min'), rule.get('port_range_max')
    if protocol and low is None and high is None:
        low, high = (1, 65535) if protocol.upper() in ('TCP', 'UDP') \
            else (-1, -1)
    return {'id': rule['id'], 'parent_group_id': rule['security_group_id'],
            'protocol': protocol, 'from_port': low, 'to_port': high,
            'group_id': rule.get('remote_group_id'),
            'cidr': _cidr(rule.get('remote_ip_prefix'))}


def _ingress(group):
    return [nova_rule(rule) for rule in group.get('security_group_rules')
            or () if rule['direction'] == 'ingress']


def _rule_view(rule, sources):
    """The API's rule; None when its remote group is gone (or hidden),
    which Nova leaves out."""
    view = {'id': rule['id'], 'parent_group_id': rule['parent_group_id'],
            'ip_protocol': rule['protocol'], 'from_port': rule['from_port'],
            'to_port': rule['to_port'], 'group': {}, 'ip_range': {}}
    if rule['group_id']:
        source = sources.get(rule['group_id'])
        if source is None:
            return None
        view['group'] = {'name': source['name'],
                         'tenant_id': source['tenant_id']}
    else:
        view['ip_range'] = {'cidr': rule['cidr']}
    return view


def _sources(req, groups):
    """Remote group id -> group (None if the caller cannot see it) for
    the ingress rules of ``groups``; each group read once."""
    found = {group['id']: group for group in groups}
    for group in groups:
        for rule in group.get('security_group_rules') or ():
            remote = rule.get('remote_group_id')
            if remote and remote not in found:
                try:
                    found[remote] = NETWORK.get_security_group(req.context,
                                                               remote)
                except net_exc.NotFound:
                    found[remote] = None
    return found


def _group_view(group, sources):
    rules = [_rule_view(rule, sources) for rule in _ingress(group)]
    return {'id': group['id'], 'name': group['name'],
            'description': group['description'],
            'tenant_id': group['tenant_id'],
            'rules': [rule for rule in rules if rule is not None]}


def _groups_view(req, groups):
    sources = _sources(req, groups)
    return sorted((_group_view(group, sources) for group in groups),
                  key=lambda g: (g['tenant_id'] or '', g['name'] or ''))


# -- /os-security-groups ------------------------------------------------------

def _limited(req, items):
    """Nova's limit and offset on the list (limit capped as everywhere)."""
    limit, _marker = common.limit_and_marker(req)
    offset = 0
    if 'offset' in req.GET:
        offset = common.query_int('offset', req.GET['offset'], minimum=0)
    return items[offset:offset + limit]


def index(req):
    """The caller's project's groups (all with all_tenants, for admins),
    below 2.36."""
    common.check_proxy_version(req)
    _authorize(req, 'get')
    ctxt = req.context
    filters = None
    if not (ctxt.is_admin and 'all_tenants' in req.GET):
        filters = {'project_id': [ctxt.project_id]}
    groups = _groups_view(req, NETWORK.list_security_groups(ctxt, filters))
    return common.json_response({'security_groups': _limited(req, groups)})


def show(req, security_group_id):
    common.check_proxy_version(req)
    _authorize(req, 'show')
    group = _get_group(req, security_group_id)
    return common.json_response(
        {'security_group': _groups_view(req, [group])[0]})


def _check_property(value, name):
    """Nova's checks of a name or description (its words)."""
    if not isinstance(value, str):
        raise webob.exc.HTTPBadRequest(
            explanation='%s is not a string or unicode' % name)
    if len(value) > MAX_LENGTH:
        raise webob.exc.HTTPBadRequest(
            explanation='%s has %d characters, more than %d.' % (
                name, len(value), MAX_LENGTH))


def _from_body(body, key):
    if not body:
        raise webob.exc.HTTPBadRequest(
            explanation="The request body can't be empty")
    if not isinstance(body, dict) or body.get(key) is None:
        raise webob.exc.HTTPBadRequest(
            explanation='Missing parameter %s' % key)
    return body[key]


def _group_values(body):
    group = _from_body(body, 'security_group')
    if isinstance(group, dict):
        for key in ('name', 'description'):
            _check_property(group.get(key), key)
    group = validation.validate(schema.create, body)['security_group']
    return {'name': group['name'], 'description': group['description']}


def create(req):
    """A new group of the caller's project (200, as Nova)."""
    common.check_proxy_version(req)
    _authorize(req, 'create')
    values = _group_values(common.json_body(req))
    try:
        group = NETWORK.create_security_group(req.context, values)
    except net_exc.BadRequest as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    except (exception.OverQuota, net_exc.Conflict) as exc:
        # Nova's driver: any 409 of the network service is a limit (403).
        raise webob.exc.HTTPForbidden(explanation=exc.message)
    return common.json_response(
        {'security_group': _groups_view(req, [group])[0]})


def update(req, security_group_id):
    common.check_proxy_version(req)
    _authorize(req, 'update')
    group = _get_group(req, security_group_id)
    values = _group_values(common.json_body(req))
    try:
        group = NETWORK.update_security_group(req.context, group['id'],
                                              values)
    except net_exc.NotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.message)
    except (net_exc.BadRequest, net_exc.Conflict) as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    return common.json_response(
        {'security_group': _groups_view(req, [group])[0]})


def delete(req, security_group_id):
    """202; a group in use (or the default group) is Nova's 400."""
    common.check_proxy_version(req)
    _authorize(req, 'delete')
    group = _get_group(req, security_group_id)
    try:
        NETWORK.delete_security_group(req.context, group['id'])
    except net_exc.NotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.message)
    except (net_exc.BadRequest, net_exc.Conflict) as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    return common.empty_response(202)


# -- /os-security-group-rules -------------------------------------------------

def _parse_cidr(cidr):
    """Nova's parse_cidr: none is 0.0.0.0/0; a prefix length is needed."""
    if not cidr:
        return '0.0.0.0/0'
    cidr = urlparse.unquote(cidr)
    try:
        ipaddress.ip_network(cidr, strict=False)
        valid = bool(cidr.partition('/')[2])
    except ValueError:
        valid = False
    if not valid:
        raise webob.exc.HTTPBadRequest(
            explanation='%s is not a valid IP network.' % cidr)
    return cidr


def _port_range(protocol, low, high):
    upper = protocol.upper()
    try:
        low, high = int(low), int(high)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid input received: %s' % (
                'Type and Code must be integers for ICMP protocol type'
                if upper == 'ICMP' else 'To and From ports must be '
                                        'integers'))
    if upper not in ('TCP', 'UDP', 'ICMP'):
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid IP protocol %s.' % protocol)
    reason = None
    if upper in ('TCP', 'UDP') and low > high:
        reason = 'Former value cannot be greater than the later'
    elif upper in ('TCP', 'UDP') and (low < 1 or high > 65535):
        reason = 'Valid %s ports should be between 1-65535' % upper
    elif upper == 'ICMP' and not (-1 <= low <= 255 and -1 <= high <= 255):
        reason = 'For ICMP, the type:code must be valid'
    if reason:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid port range %s:%s. %s' % (low, high, reason))
    return low, high


def _ingress_rule(protocol, low, high, group_id=None, cidr=None):
    """Nova's new ingress rule: {'group_id' or 'cidr', 'protocol',
    'from_port', 'to_port'}; None when a CIDR rule lacks its protocol or
    ports."""
    values = {}
    if group_id:
        values['group_id'] = group_id
        # A group rule without ports opens the whole protocol.
        if low is None and high is None:
            if (protocol or '').upper() == 'ICMP':
                low, high = -1, -1
            elif (protocol or '').upper() in ('TCP', 'UDP'):
                low, high = 1, 65535
    elif cidr:
        values['cidr'] = cidr
    if protocol and low is not None and high is not None:
        low, high = _port_range(protocol, low, high)
        values.update(protocol=protocol.lower(), from_port=low, to_port=high)
    elif cidr:
        return None
    return values


def _exists(group, new):
    for rule in _ingress(group):
        if all(rule.get(key) == new.get(key) for key in (
                'group_id', 'cidr', 'from_port', 'to_port', 'protocol')):
            return True
    return False


def _neutron_rule(parent_id, new):
    values = {'security_group_id': parent_id, 'direction': 'ingress',
              'ethertype': 'IPv4', 'protocol': new.get('protocol'),
              'remote_ip_prefix': new.get('cidr'),
              'remote_group_id': new.get('group_id')}
    for key, column in (('from_port', 'port_range_min'),
                        ('to_port', 'port_range_max')):
        if new.get(key) is not None and new[key] != -1:
            values[column] = new[key]
    return values


def create_rule(req):
    """An ingress rule in a group (200, as Nova)."""
    common.check_proxy_version(req)
    _authorize(req, 'rule:create')
    body = common.json_body(req)
    _from_body(body, 'security_group_rule')
    rule = validation.validate(schema.create_rule,
                               body)['security_group_rule']
    parent = _get_group(req, rule.get('parent_group_id'))
    group_id = rule.get('group_id')
    source = None
    if group_id is not None:
        source = _get_group(req, group_id)
    cidr = None if group_id is not None else _parse_cidr(rule.get('cidr'))
    new = _ingress_rule(rule.get('ip_protocol'), rule.get('from_port'),
                        rule.get('to_port'), group_id=group_id, cidr=cidr)
    if new is None:
        raise webob.exc.HTTPBadRequest(
            explanation='Not enough parameters to build a valid rule.')
    if 'cidr' in new:
        net = ipaddress.ip_network(new['cidr'], strict=False)
        address = new['cidr'].split('/')[0]
        if address not in ('0.0.0.0', '::') and net.prefixlen == 0:
            raise webob.exc.HTTPBadRequest(
                explanation='Bad prefix for network in cidr %s'
                            % new['cidr'])
    if _exists(parent, new):
        raise webob.exc.HTTPBadRequest(
            explanation='This rule already exists in group %s'
                        % parent['id'])
    try:
        created = NETWORK.create_security_group_rule(
            req.context, _neutron_rule(parent['id'], new))
    except net_exc.NotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.message)
    except net_exc.BadRequest as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    except (exception.OverQuota, net_exc.Conflict) as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.message)
    sources = {source['id']: source} if source else {}
    return common.json_response(
        {'security_group_rule': _rule_view(nova_rule(created), sources)})


def delete_rule(req, security_group_rule_id):
    common.check_proxy_version(req)
    _authorize(req, 'rule:delete')
    rule_id = _validate_id(security_group_rule_id)
    try:
        rule = NETWORK.get_security_group_rule(req.context, rule_id)
        NETWORK.get_security_group(req.context, rule['security_group_id'])
        NETWORK.delete_security_group_rule(req.context, rule_id)
    except net_exc.NotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.message)
    except (net_exc.BadRequest, net_exc.Conflict) as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    return common.empty_response(202)


# -- a server's groups --------------------------------------------------------

def _server(req, server_id, rule):
    instance = req.compute_api.get(req.context, server_id)
    _authorize(req, rule, {'project_id': instance.get('project_id')})
    return instance


def server_index(req, server_id):
    """The groups of the server's ports (every microversion)."""
    instance = _server(req, server_id, 'list')
    groups = NETWORK.server_security_groups(req.context, instance['uuid'])
    return common.json_response(
        {'security_groups': _groups_view(req, groups)})


def _group_name(body, action):
    """Nova's reading of {action: {'name': ...}}, with its words."""
    params = body[action]
    if not isinstance(params, dict):
        raise webob.exc.HTTPBadRequest(explanation='Missing parameter dict')
    if 'name' not in params:
        raise webob.exc.HTTPBadRequest(
            explanation='Security group not specified')
    name = params['name']
    if not isinstance(name, str) or not name.strip():
        raise webob.exc.HTTPBadRequest(
            explanation='Security group name cannot be empty')
    validation.validate(schema.server_action(action), body)
    return name


def _remember(req, instance):
    """The server's group names in its system_metadata, where its views
    read them (one read per server would be too many in a list)."""
    groups = NETWORK.server_security_groups(req.context, instance['uuid'])
    names = list(dict.fromkeys(group['name'] or group['id']
                               for group in groups))
    system_metadata = dict(instance.get('system_metadata') or {},
                           security_groups=names)
    try:
        req.compute_api.update(req.context, instance['uuid'],
                               {'system_metadata': system_metadata})
    except (exception.InstanceNotFound, exception.InstanceInvalidState):
        pass   # deleted meanwhile, or not in a cell: nothing to show


def _change(req, server_id, body, action, add):
    instance = _server(req, server_id, 'add' if add else 'remove')
    name = _group_name(body, action)
    ctxt = req.context
    uuid = instance['uuid']
    not_on_ports = webob.exc.HTTPNotFound(
        explanation='instance_id %s could not be found as device id on any '
                    'ports' % uuid)
    if not NETWORK.list_ports(ctxt, {'device_id': [uuid]}):
        raise not_on_ports
    try:
        if add:
            NETWORK.add_server_security_group(ctxt, instance, name)
        else:
            NETWORK.remove_server_security_group(ctxt, instance, name)
    except net_exc.SecurityGroupNotFound:
        raise webob.exc.HTTPNotFound(
            explanation='Security group %s is not found for project %s' % (
                name, ctxt.project_id))
    except net_exc.Conflict as exc:
        raise webob.exc.HTTPConflict(explanation=exc.message)
    except net_exc.BadRequest:
        if add:
            raise not_on_ports
        # Nova's driver: a group none of the ports has is not found.
        raise webob.exc.HTTPNotFound(
            explanation='Security group %s not associated with the '
                        'instance %s' % (name, uuid))
    _remember(req, instance)
    return common.empty_response(202)


def add_security_group(req, server_id, body):
    """addSecurityGroup: the group on every port of the server; 202."""
    return _change(req, server_id, body, 'addSecurityGroup', True)


def remove_security_group(req, server_id, body):
    """removeSecurityGroup: the group off every port of the server; 202
    (404 when none of them has it, as Nova)."""
    return _change(req, server_id, body, 'removeSecurityGroup', False)
