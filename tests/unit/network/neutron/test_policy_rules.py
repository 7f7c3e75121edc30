"""The network rules' defaults (nube/policies/networks.py), for an admin,
members and readers of the resource's project and of another one, on a
private and on a shared network, in a project's own security group."""

from oslo_policy import policy as oslo_policy
import pytest

from nube import context as nube_context
from nube import policies
from nube.policies import networks as network_policies
from nube import policy
import tests.unit.network.neutron as base

# Fixtures shared by the network API tests.
fresh_policy = base.fresh_policy

OWNER = 'project-a'
OTHER = 'project-b'
CALLERS = {
    'admin': ('admin', 'admin-project'),
    'member-own': ('member', OWNER),
    'reader-own': ('reader', OWNER),
    'member-other': ('member', OTHER),
    'reader-other': ('reader', OTHER),
}
ADMIN = {'admin'}
MEMBER = {'admin', 'member-own'}
READER = {'admin', 'member-own', 'reader-own'}
MEMBER_ANYWHERE = {'admin', 'member-own', 'member-other'}


def _target(shared=False, network_device=False):
    """A resource of OWNER's on OWNER's network."""
    return {'project_id': OWNER, 'tenant_id': OWNER,
            'network:tenant_id': OWNER, 'network:shared': str(shared),
            'network_device': str(network_device),
            'security_group:tenant_id': OWNER}


def _allowed(rule, target):
    return {name for name, (role, project) in CALLERS.items()
            if policy.authorize(nube_context.RequestContext(
                user_id='u-' + name, project_id=project, roles=[role]),
                rule, target, fatal=False)}


EXPECTED = {
    'create_network': MEMBER, 'update_network': MEMBER,
    'delete_network': MEMBER, 'get_network': READER,
    'create_subnet': MEMBER, 'update_subnet': MEMBER,
    'delete_subnet': MEMBER, 'get_subnet': READER,
    'create_port': MEMBER, 'update_port': MEMBER, 'delete_port': MEMBER,
    'get_port': READER,
    'create_port:mac_address': MEMBER,
    'create_port:fixed_ips:ip_address': MEMBER,
    'create_port:fixed_ips:subnet_id': MEMBER,
    'update_port:fixed_ips:ip_address': MEMBER,
    'update_port:fixed_ips:subnet_id': MEMBER,
    'update_port:mac_address': ADMIN,
    'create_floatingip': MEMBER, 'get_floatingip': READER,
    'update_floatingip': MEMBER, 'delete_floatingip': MEMBER,
    'create_floatingip:floating_ip_address': ADMIN,
    'create_security_group': MEMBER, 'get_security_group': READER,
    'update_security_group': MEMBER, 'delete_security_group': MEMBER,
    'create_security_group_rule': MEMBER, 'get_security_group_rule': READER,
    'delete_security_group_rule': MEMBER,
}
for _attr in ('shared', 'router:external', 'provider:network_type',
              'provider:physical_network', 'provider:segmentation_id'):
    EXPECTED['create_network:' + _attr] = ADMIN
for _attr in ('provider:network_type', 'provider:physical_network',
              'provider:segmentation_id'):
    EXPECTED['get_network:' + _attr] = ADMIN
for _attr in ('shared', 'router:external'):
    EXPECTED['update_network:' + _attr] = ADMIN
for _action in ('create', 'update'):
    EXPECTED['%s_port:binding:host_id' % _action] = ADMIN
    # Any device owner but network:* is anyone's (who may make the port).
    EXPECTED['%s_port:device_owner' % _action] = set(CALLERS)
for _attr in ('binding:host_id', 'binding:profile', 'binding:vif_type',
              'binding:vif_details'):
    EXPECTED['get_port:' + _attr] = ADMIN


def test_every_network_rule_is_expected():
    names = [rule.name for rule in network_policies.list_rules()]
    assert len(names) == len(set(names))
    assert set(names) == set(EXPECTED)


def test_network_rules_are_registered_and_documented():
    registered = {rule.name: rule for rule in policies.list_rules()}
    for rule in network_policies.list_rules():
        assert registered[rule.name] is rule
        assert isinstance(rule, oslo_policy.DocumentedRuleDefault)
        assert rule.scope_types == ['project']
        assert rule.description and rule.operations


@pytest.mark.parametrize('rule', sorted(EXPECTED))
def test_default(fresh_policy, rule):
    assert _allowed(rule, _target()) == EXPECTED[rule]


def test_shared_networks_let_others_use_their_subnets(fresh_policy):
    for action in ('create', 'update'):
        rule = '%s_port:fixed_ips:subnet_id' % action
        assert _allowed(rule, _target(shared=True)) == \
            MEMBER_ANYWHERE
        # Choosing the address stays the owner's.
        assert _allowed('%s_port:fixed_ips:ip_address' % action,
                        _target(shared=True)) == MEMBER


def test_network_device_owners_are_the_network_owners(fresh_policy):
    for action in ('create', 'update'):
        assert _allowed('%s_port:device_owner' % action,
                        _target(network_device=True)) == MEMBER


def test_the_network_owner_may_delete_others_ports(fresh_policy):
    target = dict(_target(), project_id=OTHER, tenant_id=OTHER)
    assert _allowed('delete_port', target) == {'admin', 'member-own',
                                               'member-other'}
    assert _allowed('update_port', target) == {'admin', 'member-other'}


def test_a_subnet_on_someone_elses_network_needs_an_admin(fresh_policy):
    target = dict(_target(), **{'network:tenant_id': OTHER})
    assert _allowed('create_subnet', target) == ADMIN


def test_rules_naming_unknown_network_attributes_refuse(fresh_policy):
    # A port whose network the caller cannot see: no network:tenant_id.
    target = {'project_id': OWNER, 'tenant_id': OWNER,
              'network_device': 'False'}
    assert _allowed('create_port:fixed_ips:ip_address', target) == ADMIN
    assert _allowed('delete_port', target) == MEMBER


def test_a_groups_rules_are_its_projects(fresh_policy):
    # A rule of another project's (an admin made it) in OWNER's group.
    target = dict(_target(), project_id=OTHER, tenant_id=OTHER)
    for rule in ('create_security_group_rule', 'delete_security_group_rule'):
        assert _allowed(rule, target) == MEMBER
    assert _allowed('get_security_group_rule', target) == READER
    # A group the caller cannot see: no owner, admins only.
    del target['security_group:tenant_id']
    assert _allowed('create_security_group_rule', target) == ADMIN
