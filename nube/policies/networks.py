"""Neutron's rules for networks, subnets, ports, floating IPs and
security groups (the network API).

Names as Neutron's: ``create_network``, ``get_port``... and, for
attributes only some callers may set or read, ``ACTION:ATTRIBUTE``
(``create_network:provider:network_type``). The network API checks:

- reads (``get_*`` and ``get_*:ATTRIBUTE``) once per request on the
  caller's own project: may the caller read at all, may it see the
  attribute. Which resources it sees is the network API's visibility
  (its own project's, shared and external networks; admins see all);
- creates on the new resource's project (``project_id``) and, for
  subnets and ports, its network's owner (``network:tenant_id``) and
  whether that network is shared (``network:shared``, "True"/"False");
- updates and deletes on the resource as it is.

Port rules about ``device_owner`` see ``network_device``: "True" when
the port's device_owner starts with ``network:`` (DHCP, routers).
Security group rule rules see their group's owner
(``security_group:tenant_id``): a group's rules are its project's.
"""

from oslo_policy import policy

from nube.policies import base

ADMIN_OR_MEMBER = 'rule:context_is_admin or rule:project_member_api'
ADMIN_OR_READER = 'rule:context_is_admin or rule:project_reader_api'
NETWORK_OWNER = '(role:member and project_id:%(network:tenant_id)s)'
ADMIN_OR_NETWORK_OWNER = base.ADMIN + ' or ' + NETWORK_OWNER
CREATE_SUBNET = (base.ADMIN + ' or (role:member and '
                 'project_id:%(project_id)s and '
                 'project_id:%(network:tenant_id)s)')
SUBNET_ON_SHARED = (ADMIN_OR_NETWORK_OWNER +
                    " or (role:member and 'True':%(network:shared)s)")
DEVICE_OWNER = ADMIN_OR_NETWORK_OWNER + " or 'False':%(network_device)s"
DELETE_PORT = ADMIN_OR_MEMBER + ' or ' + NETWORK_OWNER
# Neutron's ADMIN_OR_SG_OWNER_MEMBER / _READER.
SG_OWNER_MEMBER = (base.ADMIN + ' or (role:member and '
                   'project_id:%(security_group:tenant_id)s)')
SG_OWNER_READER = (base.ADMIN + ' or ((role:reader or role:member) and '
                   'project_id:%(security_group:tenant_id)s)')

_PATHS = {'network': '/v2.0/networks', 'subnet': '/v2.0/subnets',
          'port': '/v2.0/ports', 'floatingip': '/v2.0/floatingips',
          'security_group': '/v2.0/security-groups',
          'security_group_rule': '/v2.0/security-group-rules'}
_NAMES = {'floatingip': 'floating IP', 'security_group': 'security group',
          'security_group_rule': 'security group rule'}
_METHODS = {'create': 'POST', 'get': 'GET', 'update': 'PUT',
            'delete': 'DELETE'}


def _operations(action, resource):
    method = _METHODS[action]
    collection = _PATHS[resource]
    if action == 'create':
        return [{'method': method, 'path': collection}]
    member = [{'method': method, 'path': '%s/{%s_id}' % (collection,
                                                           resource)}]
    if action == 'get':
        return [{'method': method, 'path': collection}] + member
    return member


def _rule(name, check, description):
    action, _sep, rest = name.partition('_')
    resource = rest.split(':', 1)[0]
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=_operations(action, resource),
        scope_types=base.PROJECT_SCOPE)


def _crud(resource, create, get, update, delete):
    """The rules of a resource (no update rule when ``update`` is None:
    the resource never changes)."""
    what = _NAMES.get(resource, resource)
    checks = [
        ('create', create, 'Create a %s' % what),
        ('get', get, 'List or show %ss (checked on the caller\'s own '
                     'project; which are visible is the network API\'s)'
         % what),
        ('update', update, 'Update a %s' % what),
        ('delete', delete, 'Delete a %s' % what),
    ]
    return [_rule('%s_%s' % (action, resource), check, description)
            for action, check, description in checks if check is not None]


def _attribute(action, resource, attr, check, what):
    return _rule('%s_%s:%s' % (action, resource, attr), check,
                 '%s the %s attribute of a %s' % (what, attr, resource))


_PROVIDER = ('provider:network_type', 'provider:physical_network',
             'provider:segmentation_id')
_BINDING_READ = ('binding:host_id', 'binding:profile', 'binding:vif_type',
                 'binding:vif_details')
# binding:profile is read-only in nube (nothing stores one).
_BINDING_WRITE = ('binding:host_id',)

rules = (
    _crud('network', ADMIN_OR_MEMBER, ADMIN_OR_READER, ADMIN_OR_MEMBER,
          ADMIN_OR_MEMBER) +
    [_attribute('create', 'network', attr, base.ADMIN, 'Set')
     for attr in ('shared', 'router:external') + _PROVIDER] +
    [_attribute('get', 'network', attr, base.ADMIN, 'See')
     for attr in _PROVIDER] +
    [_attribute('update', 'network', attr, base.ADMIN, 'Change')
     for attr in ('shared', 'router:external')] +
    _crud('subnet', CREATE_SUBNET, ADMIN_OR_READER, ADMIN_OR_NETWORK_OWNER,
          ADMIN_OR_NETWORK_OWNER) +
    _crud('port', ADMIN_OR_MEMBER, ADMIN_OR_READER, ADMIN_OR_MEMBER,
          DELETE_PORT) +
    [_attribute('create', 'port', 'mac_address', ADMIN_OR_NETWORK_OWNER,
                'Set'),
     _attribute('create', 'port', 'fixed_ips:ip_address',
                ADMIN_OR_NETWORK_OWNER, 'Set'),
     _attribute('create', 'port', 'fixed_ips:subnet_id', SUBNET_ON_SHARED,
                'Set'),
     _attribute('create', 'port', 'device_owner', DEVICE_OWNER, 'Set')] +
    [_attribute('create', 'port', attr, base.ADMIN, 'Set')
     for attr in _BINDING_WRITE] +
    [_attribute('get', 'port', attr, base.ADMIN, 'See')
     for attr in _BINDING_READ] +
    [_attribute('update', 'port', 'mac_address', base.ADMIN, 'Change'),
     _attribute('update', 'port', 'fixed_ips:ip_address',
                ADMIN_OR_NETWORK_OWNER, 'Change'),
     _attribute('update', 'port', 'fixed_ips:subnet_id', SUBNET_ON_SHARED,
                'Change'),
     _attribute('update', 'port', 'device_owner', DEVICE_OWNER, 'Change')] +
    [_attribute('update', 'port', attr, base.ADMIN, 'Change')
     for attr in _BINDING_WRITE] +
    _crud('floatingip', ADMIN_OR_MEMBER, ADMIN_OR_READER, ADMIN_OR_MEMBER,
          ADMIN_OR_MEMBER) +
    [_attribute('create', 'floatingip', 'floating_ip_address', base.ADMIN,
                'Set')] +
    _crud('security_group', ADMIN_OR_MEMBER, ADMIN_OR_READER,
          ADMIN_OR_MEMBER, ADMIN_OR_MEMBER) +
    _crud('security_group_rule', SG_OWNER_MEMBER, SG_OWNER_READER, None,
          SG_OWNER_MEMBER)
)


def list_rules():
    return rules
