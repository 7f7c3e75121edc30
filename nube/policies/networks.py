"""Neutron's rules for networks, subnets and ports (the network API).

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

_PATHS = {'network': '/v2.0/networks', 'subnet': '/v2.0/subnets',
          'port': '/v2.0/ports'}
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
    return [
        _rule('create_%s' % resource, create, 'Create a %s' % resource),
        _rule('get_%s' % resource, get,
              'List or show %ss (checked on the caller\'s own project; '
              'which are visible is the network API\'s)' % resource),
        _rule('update_%s' % resource, update, 'Update a %s' % resource),
        _rule('delete_%s' % resource, delete, 'Delete a %s' % resource),
    ]


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
     for attr in _BINDING_WRITE]
)


def list_rules():
    return rules
