"""Network errors, each with the ``type`` Neutron puts in its error body
(``{"NeutronError": {"type", "message", "detail"}}``) and its status."""

from nube import exception


class NetworkError(exception.NubeException):
    """Base: ``neutron_type`` names the error as Neutron does."""
    neutron_type = 'NeutronException'


class BadRequest(NetworkError, exception.Invalid):
    neutron_type = 'HTTPBadRequest'
    msg_fmt = 'Bad %(resource)s request: %(msg)s.'
    code = 400


class InvalidInput(BadRequest):
    neutron_type = 'InvalidInput'
    msg_fmt = 'Invalid input for operation: %(error_message)s.'


class NotFound(NetworkError, exception.NotFound):
    neutron_type = 'NotFound'


class NetworkNotFound(NotFound):
    neutron_type = 'NetworkNotFound'
    msg_fmt = 'Network %(net_id)s could not be found.'


class SubnetNotFound(NotFound):
    neutron_type = 'SubnetNotFound'
    msg_fmt = 'Subnet %(subnet_id)s could not be found.'


class PortNotFound(NotFound):
    neutron_type = 'PortNotFound'
    msg_fmt = 'Port %(port_id)s could not be found.'


class Conflict(NetworkError, exception.Conflict):
    neutron_type = 'Conflict'


class NetworkInUse(Conflict):
    neutron_type = 'NetworkInUse'
    msg_fmt = ('Unable to complete operation on network %(net_id)s. There '
               'are one or more ports still in use on the network.')


class SubnetInUse(Conflict):
    neutron_type = 'SubnetInUse'
    msg_fmt = ('Unable to complete operation on subnet %(subnet_id)s: One '
               'or more ports have an IP allocation from this subnet.')


class PortInUse(Conflict):
    neutron_type = 'PortInUse'
    msg_fmt = ('Unable to complete operation on port %(port_id)s for '
               'network %(net_id)s. Port already has an attached device '
               '%(device_id)s.')


class IpAddressInUse(Conflict):
    neutron_type = 'IpAddressInUse'
    msg_fmt = ('Unable to complete operation for network %(net_id)s. The '
               'IP address %(ip_address)s is in use.')


class MacAddressInUse(Conflict):
    neutron_type = 'MacAddressInUse'
    msg_fmt = ('Unable to complete operation for network %(net_id)s. The '
               'mac address %(mac)s is in use.')


class IpAddressGenerationFailure(Conflict):
    neutron_type = 'IpAddressGenerationFailure'
    msg_fmt = 'No more IP addresses available on network %(net_id)s.'


class VlanIdInUse(Conflict):
    neutron_type = 'VlanIdInUse'
    msg_fmt = ('Unable to create the network. The VLAN %(vlan_id)s on '
               'physical network %(physical_network)s is in use.')


class OverlappingCidr(BadRequest):
    neutron_type = 'InvalidInput'
    msg_fmt = ('Invalid input for operation: Requested subnet with cidr: '
               '%(cidr)s for network: %(net_id)s overlaps with another '
               'subnet.')


class PolicyNotAuthorized(NetworkError, exception.Forbidden):
    neutron_type = 'PolicyNotAuthorized'
    msg_fmt = '(rule:%(action)s) is disallowed by policy.'
    code = 403


class HostNetworkError(NetworkError):
    """The host could not be set up (a bridge, dnsmasq, rules)."""
    neutron_type = 'HostNetworkError'
    msg_fmt = 'Host networking failed: %(reason)s'


# floating IPs and security groups

class FloatingIPNotFound(NotFound):
    neutron_type = 'FloatingIPNotFound'
    msg_fmt = 'Floating IP %(floatingip_id)s could not be found'


class ExternalNetworkRequired(BadRequest):
    neutron_type = 'BadRequest'
    msg_fmt = ('Bad floatingip request: Network %(net_id)s is not a valid '
               'external network.')


class BadFloatingIPRequest(BadRequest):
    neutron_type = 'BadRequest'
    msg_fmt = 'Bad floatingip request: %(reason)s.'


class FloatingIPPortAlreadyAssociated(Conflict):
    neutron_type = 'FloatingIPPortAlreadyAssociated'
    msg_fmt = ('Cannot associate floating IP %(floating_ip_address)s '
               '(%(fip_id)s) with port %(port_id)s using fixed IP '
               '%(fixed_ip)s, as that fixed IP already has a floating IP '
               'on external network %(net_id)s.')


class SecurityGroupNotFound(NotFound):
    neutron_type = 'SecurityGroupNotFound'
    msg_fmt = 'Security group %(id)s does not exist'


class SecurityGroupRuleNotFound(NotFound):
    neutron_type = 'SecurityGroupRuleNotFound'
    msg_fmt = 'Security group rule %(id)s does not exist'


class SecurityGroupInUse(Conflict):
    neutron_type = 'SecurityGroupInUse'
    msg_fmt = 'Security Group %(id)s %(reason)s.'


class SecurityGroupCannotRemoveDefault(Conflict):
    neutron_type = 'SecurityGroupCannotRemoveDefault'
    msg_fmt = 'Insufficient rights for removing default security group.'


class SecurityGroupDefaultAlreadyExists(Conflict):
    neutron_type = 'SecurityGroupDefaultAlreadyExists'
    msg_fmt = 'Default security group already exists.'


class SecurityGroupRuleExists(Conflict):
    neutron_type = 'SecurityGroupRuleExists'
    msg_fmt = 'Security group rule already exists. Rule id is %(rule_id)s.'


class SecurityGroupRuleInvalid(BadRequest):
    neutron_type = 'SecurityGroupRuleParameterConflict'
    msg_fmt = '%(reason)s'


class SecurityGroupRemoteGroupNotFound(NotFound):
    neutron_type = 'SecurityGroupNotFound'
    msg_fmt = 'Security group %(id)s does not exist'


class RouterNotFound(NotFound):
    """nube has no routers: every router id names nothing."""
    neutron_type = 'RouterNotFound'
    msg_fmt = 'Router %(router_id)s could not be found'
