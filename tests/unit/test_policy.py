"""Policy defaults in code (nube/policies) and the enforcer (nube/policy).

Each rule is checked for the five kinds of caller the isolation tests use:
an admin, a member and a reader of the resource's project, and a member
and a reader of another project.
"""

import os
import time

from oslo_config import cfg
from oslo_policy import _checks
from oslo_policy import policy as oslo_policy
import pytest

from nube import context as nube_context
from nube import exception
from nube import policies
from nube.policies import networks as network_policies
from nube import policy

OWNER = 'project-a'
OTHER = 'project-b'

# Who is allowed, per kind of rule. Keys: the caller's role and whether
# the caller's project is the resource's project.
ADMIN_ONLY = {'admin'}
MEMBER_OR_ADMIN = {'admin', 'member-own'}
READER_OR_ADMIN = {'admin', 'member-own', 'reader-own'}
ANYONE = {'admin', 'member-own', 'reader-own', 'member-other',
          'reader-other'}
KEYPAIR_OWNER_OR_ADMIN = {'admin', 'member-own', 'member-other'}

CALLERS = {
    'admin': ('admin', 'admin-project'),
    'member-own': ('member', OWNER),
    'reader-own': ('reader', OWNER),
    'member-other': ('member', OTHER),
    'reader-other': ('reader', OTHER),
}

EXPECTED = {
    # servers
    'os_compute_api:servers:index': READER_OR_ADMIN,
    'os_compute_api:servers:detail': READER_OR_ADMIN,
    'os_compute_api:servers:show': READER_OR_ADMIN,
    'os_compute_api:servers:index:get_all_tenants': ADMIN_ONLY,
    'os_compute_api:servers:detail:get_all_tenants': ADMIN_ONLY,
    'os_compute_api:servers:allow_all_filters': ADMIN_ONLY,
    'os_compute_api:servers:create': MEMBER_OR_ADMIN,
    'os_compute_api:servers:create:forced_host': ADMIN_ONLY,
    'os_compute_api:servers:update': MEMBER_OR_ADMIN,
    'os_compute_api:servers:delete': MEMBER_OR_ADMIN,
    'os_compute_api:servers:start': MEMBER_OR_ADMIN,
    'os_compute_api:servers:stop': MEMBER_OR_ADMIN,
    'os_compute_api:servers:reboot': MEMBER_OR_ADMIN,
    'os_compute_api:servers:rebuild': MEMBER_OR_ADMIN,
    'os_compute_api:os-console-output': MEMBER_OR_ADMIN,
    'os_compute_api:os-lock-server:lock': MEMBER_OR_ADMIN,
    'os_compute_api:os-lock-server:unlock': MEMBER_OR_ADMIN,
    'os_compute_api:os-lock-server:unlock:unlock_override': ADMIN_ONLY,
    'os_compute_api:server-metadata:index': READER_OR_ADMIN,
    'os_compute_api:server-metadata:show': READER_OR_ADMIN,
    'os_compute_api:server-metadata:create': MEMBER_OR_ADMIN,
    'os_compute_api:server-metadata:update_all': MEMBER_OR_ADMIN,
    'os_compute_api:server-metadata:update': MEMBER_OR_ADMIN,
    'os_compute_api:server-metadata:delete': MEMBER_OR_ADMIN,
    # key pairs belong to a user (the target's user_id is 'user-member',
    # whatever the project): that user or an admin.
    'os_compute_api:os-keypairs:index': KEYPAIR_OWNER_OR_ADMIN,
    'os_compute_api:os-keypairs:show': KEYPAIR_OWNER_OR_ADMIN,
    'os_compute_api:os-keypairs:create': KEYPAIR_OWNER_OR_ADMIN,
    'os_compute_api:os-keypairs:delete': KEYPAIR_OWNER_OR_ADMIN,
    # flavors
    'os_compute_api:os-flavor-manage:create': ADMIN_ONLY,
    'os_compute_api:os-flavor-manage:delete': ADMIN_ONLY,
    'os_compute_api:os-flavor-access': ADMIN_ONLY,
    'os_compute_api:os-flavor-extra-specs:index': READER_OR_ADMIN,
    'os_compute_api:os-flavor-extra-specs:show': READER_OR_ADMIN,
    'os_compute_api:os-flavor-extra-specs:create': ADMIN_ONLY,
    'os_compute_api:os-flavor-extra-specs:update': ADMIN_ONLY,
    'os_compute_api:os-flavor-extra-specs:delete': ADMIN_ONLY,
    # hosts
    'os_compute_api:os-hypervisors:list': ADMIN_ONLY,
    'os_compute_api:os-hypervisors:list-detail': ADMIN_ONLY,
    'os_compute_api:os-hypervisors:statistics': ADMIN_ONLY,
    'os_compute_api:os-hypervisors:show': ADMIN_ONLY,
    'os_compute_api:os-hypervisors:search': ADMIN_ONLY,
    'os_compute_api:os-hypervisors:servers': ADMIN_ONLY,
    'os_compute_api:os-services:list': ADMIN_ONLY,
    'os_compute_api:os-availability-zone:list': ANYONE,
    'os_compute_api:os-availability-zone:detail': ADMIN_ONLY,
    'os_compute_api:limits': ANYONE,
    'os_compute_api:limits:other_project': ADMIN_ONLY,
    # quotas
    'os_compute_api:os-quota-sets:show': READER_OR_ADMIN,
    'os_compute_api:os-quota-sets:detail': READER_OR_ADMIN,
    'os_compute_api:os-quota-sets:defaults': ANYONE,
    'os_compute_api:os-quota-sets:update': ADMIN_ONLY,
    'os_compute_api:os-quota-sets:delete': ADMIN_ONLY,
    'os_compute_api:os-quota-class-sets:show': ADMIN_ONLY,
    'os_compute_api:os-quota-class-sets:update': ADMIN_ONLY,
    # aggregates
    **{'os_compute_api:os-aggregates:%s' % _action: ADMIN_ONLY
       for _action in ('index', 'create', 'show', 'update', 'delete',
                       'add_host', 'remove_host', 'set_metadata')},
    # server groups
    'os_compute_api:os-server-groups:create': MEMBER_OR_ADMIN,
    'os_compute_api:os-server-groups:delete': MEMBER_OR_ADMIN,
    'os_compute_api:os-server-groups:index': READER_OR_ADMIN,
    'os_compute_api:os-server-groups:show': READER_OR_ADMIN,
    # images (a private image owned by OWNER)
    'add_image': MEMBER_OR_ADMIN,
    'get_images': READER_OR_ADMIN,
    'get_image': READER_OR_ADMIN,
    'modify_image': MEMBER_OR_ADMIN,
    'delete_image': MEMBER_OR_ADMIN,
    'upload_image': MEMBER_OR_ADMIN,
    'download_image': MEMBER_OR_ADMIN,
    'publicize_image': ADMIN_ONLY,
    'communitize_image': MEMBER_OR_ADMIN,
    'deactivate': MEMBER_OR_ADMIN,
    'reactivate': MEMBER_OR_ADMIN,
    'add_member': MEMBER_OR_ADMIN,
    'delete_member': MEMBER_OR_ADMIN,
    'get_members': READER_OR_ADMIN,
    'get_member': READER_OR_ADMIN,
    # modify_member: the member project decides, not the owner.
    'modify_member': {'admin', 'member-other'},
    'os_compute_api:os-networks:list': READER_OR_ADMIN,
    'os_compute_api:os-networks:show': READER_OR_ADMIN,
    'os_compute_api:os-attach-interfaces:list': READER_OR_ADMIN,
    'os_compute_api:os-attach-interfaces:show': READER_OR_ADMIN,
    'os_compute_api:os-attach-interfaces:create': MEMBER_OR_ADMIN,
    'os_compute_api:os-attach-interfaces:delete': MEMBER_OR_ADMIN,
    'os_compute_api:os-floating-ip-pools': ANYONE,
    'os_compute_api:os-floating-ips:list': READER_OR_ADMIN,
    'os_compute_api:os-floating-ips:show': READER_OR_ADMIN,
    'os_compute_api:os-floating-ips:create': MEMBER_OR_ADMIN,
    'os_compute_api:os-floating-ips:delete': MEMBER_OR_ADMIN,
    'os_compute_api:os-floating-ips:add': MEMBER_OR_ADMIN,
    'os_compute_api:os-floating-ips:remove': MEMBER_OR_ADMIN,
    'os_compute_api:os-security-groups:get': READER_OR_ADMIN,
    'os_compute_api:os-security-groups:show': READER_OR_ADMIN,
    'os_compute_api:os-security-groups:create': MEMBER_OR_ADMIN,
    'os_compute_api:os-security-groups:update': MEMBER_OR_ADMIN,
    'os_compute_api:os-security-groups:delete': MEMBER_OR_ADMIN,
    'os_compute_api:os-security-groups:rule:create': MEMBER_OR_ADMIN,
    'os_compute_api:os-security-groups:rule:delete': MEMBER_OR_ADMIN,
    'os_compute_api:os-security-groups:list': READER_OR_ADMIN,
    'os_compute_api:os-security-groups:add': MEMBER_OR_ADMIN,
    'os_compute_api:os-security-groups:remove': MEMBER_OR_ADMIN,
}

# The network API's rules have their own expectations
# (tests/unit/network/neutron/test_policy_rules.py).
NETWORK_RULES = {rule.name for rule in network_policies.list_rules()}

BASE_RULES = {'context_is_admin', 'project_member_api', 'project_reader_api',
              'project_member_or_admin', 'project_reader_or_admin',
              'service_api'}


@pytest.fixture(autouse=True)
def fresh_enforcer():
    policy.reset()
    yield
    policy.reset()


def make_context(role, project):
    return nube_context.RequestContext(user_id='user-' + role,
                                       project_id=project, roles=[role])


def target(rule):
    """The resource: owned by OWNER; for members, OTHER is the member."""
    return {'project_id': OWNER, 'user_id': 'user-member',
            'member_id': OTHER if rule == 'modify_member' else None,
            'visibility': 'private'}


def test_every_rule_has_an_expectation():
    names = [rule.name for rule in policies.list_rules()]
    assert len(names) == len(set(names))
    names = [name for name in names if name not in NETWORK_RULES]
    assert set(names) == set(EXPECTED) | BASE_RULES


def test_documented_rules_name_their_operations():
    for rule in policies.list_rules():
        if rule.name in BASE_RULES:
            continue
        assert isinstance(rule, oslo_policy.DocumentedRuleDefault), rule.name
        assert rule.scope_types == ['project'], rule.name
        assert rule.description and rule.operations, rule.name


@pytest.mark.parametrize('rule', sorted(EXPECTED))
def test_default(rule):
    allowed = {
        name for name, (role, project) in CALLERS.items()
        if policy.authorize(make_context(role, project), rule, target(rule),
                            fatal=False)}
    assert allowed == EXPECTED[rule]


def test_shared_and_public_images_are_readable_by_others():
    reader = make_context('reader', OTHER)
    for visibility in ('public', 'community', 'shared'):
        image = {'project_id': OWNER, 'member_id': None,
                 'visibility': visibility}
        assert policy.authorize(reader, 'get_image', image, fatal=False)
    private = {'project_id': OWNER, 'member_id': None,
               'visibility': 'private'}
    assert not policy.authorize(reader, 'get_image', private, fatal=False)
    # A project the image is shared with reads it as a member.
    assert policy.authorize(reader, 'get_image',
                            dict(private, member_id=OTHER), fatal=False)


def test_service_role_reads_and_downloads_any_image():
    compute = make_context('service', 'service')
    image = {'project_id': OWNER, 'member_id': None,
             'visibility': 'private'}
    assert policy.authorize(compute, 'get_image', image, fatal=False)
    assert policy.authorize(compute, 'download_image', image, fatal=False)
    assert not policy.authorize(compute, 'delete_image', image, fatal=False)
    assert not policy.check_is_admin(compute)


def test_refusal_is_a_403_naming_the_rule():
    reader = make_context('reader', OWNER)
    with pytest.raises(exception.PolicyNotAuthorized) as info:
        policy.authorize(reader, 'os_compute_api:servers:delete')
    assert info.value.code == 403
    assert info.value.message == ("Policy doesn't allow "
                                  "os_compute_api:servers:delete to be "
                                  "performed.")


def test_default_target_is_the_callers_project():
    member = make_context('member', OWNER)
    assert policy.authorize(member, 'os_compute_api:servers:create')
    assert not policy.authorize(member, 'os_compute_api:servers:create',
                                {'project_id': OTHER}, fatal=False)


def test_unknown_rule_is_an_error_not_a_decision():
    with pytest.raises(oslo_policy.PolicyNotRegistered):
        policy.authorize(make_context('admin', 'x'), 'os_compute_api:nope')


def test_admin_is_decided_by_context_is_admin():
    assert policy.check_is_admin(make_context('admin', OWNER))
    assert not policy.check_is_admin(make_context('member', OWNER))
    both = nube_context.RequestContext(user_id='u', project_id=OWNER,
                                       roles=['reader', 'admin'])
    assert policy.check_is_admin(both)


def test_other_scopes_are_refused():
    system = make_context('admin', None)
    system.system_scope = 'all'
    assert not policy.authorize(system, 'os_compute_api:servers:index',
                                fatal=False)
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(system, 'os_compute_api:os-services:list')


def test_policy_file_overrides_defaults(tmp_path):
    (tmp_path / 'policy.yaml').write_text(
        '"os_compute_api:os-services:list": "role:operator"\n'
        '"context_is_admin": "role:admin or role:cloud-admin"\n')
    (tmp_path / 'nube.conf').write_text(
        '[oslo_policy]\npolicy_file = %s\n' % (tmp_path / 'policy.yaml'))
    conf = cfg.ConfigOpts()
    conf([], project='nube', default_config_files=[
        str(tmp_path / 'nube.conf')])
    policy.init(conf=conf)
    operator = make_context('operator', OWNER)
    assert policy.authorize(operator, 'os_compute_api:os-services:list',
                            fatal=False)
    admin = make_context('admin', OWNER)
    assert not policy.authorize(admin, 'os_compute_api:os-services:list',
                                fatal=False)
    assert policy.check_is_admin(make_context('cloud-admin', OWNER))
    # Rules the file leaves alone keep their defaults.
    assert policy.authorize(admin, 'os_compute_api:os-hypervisors:list',
                            fatal=False)
    assert not policy.authorize(operator,
                                'os_compute_api:os-hypervisors:list',
                                fatal=False)


def test_policy_file_is_looked_up_at_most_once_per_interval(
        tmp_path, monkeypatch):
    path = tmp_path / 'policy.yaml'
    path.write_text('"os_compute_api:os-services:list": "role:operator"\n')
    (tmp_path / 'nube.conf').write_text(
        '[oslo_policy]\npolicy_file = %s\n' % path)
    conf = cfg.ConfigOpts()
    conf([], project='nube', default_config_files=[
        str(tmp_path / 'nube.conf')])
    policy.init(conf=conf)
    operator = make_context('operator', OWNER)
    auditor = make_context('auditor', OWNER)
    action = 'os_compute_api:os-services:list'
    assert policy.authorize(operator, action, fatal=False)

    lookups = []
    real_load = oslo_policy.Enforcer.load_rules

    def counting_load(self, force_reload=False):
        lookups.append(force_reload)
        return real_load(self, force_reload)
    monkeypatch.setattr(oslo_policy.Enforcer, 'load_rules', counting_load)
    for _ in range(50):
        policy.authorize(operator, action, fatal=False)
    assert len(lookups) <= 1

    # An edited file still takes effect, within the interval.
    monkeypatch.setattr(policy.Enforcer, 'recheck_interval', 0.05)
    path.write_text('"os_compute_api:os-services:list": "role:auditor"\n')
    later = time.time() + 5
    os.utime(path, (later, later))
    deadline = time.monotonic() + 5
    while (policy.authorize(operator, action, fatal=False) and
           time.monotonic() < deadline):
        time.sleep(0.01)
    assert not policy.authorize(operator, action, fatal=False)
    assert policy.authorize(auditor, action, fatal=False)


def _count_evaluations(monkeypatch):
    calls = []
    real = oslo_policy.Enforcer.authorize

    def counting(self, rule, *args, **kwargs):
        calls.append(rule)
        return real(self, rule, *args, **kwargs)
    monkeypatch.setattr(oslo_policy.Enforcer, 'authorize', counting)
    return calls


def _add_rules(rules):
    """Register ``rules`` (name: check string) beside the defaults."""
    enforcer = policy.init()
    for name, check_str in rules.items():
        enforcer.register_default(oslo_policy.RuleDefault(name, check_str))
    enforcer.set_rules({name: rule.check
                        for name, rule in enforcer.registered_rules.items()},
                       use_conf=False)
    return enforcer


def test_answers_are_kept_per_action_target_and_caller(monkeypatch):
    member = make_context('member', OWNER)
    reader = make_context('reader', OWNER)
    action = 'os_compute_api:servers:create'
    policy.authorize(member, action)
    calls = _count_evaluations(monkeypatch)

    for _ in range(20):
        assert policy.authorize(member, action)
    assert calls == []

    # Another target, caller or action is decided afresh, and rightly.
    assert not policy.authorize(member, action, {'project_id': OTHER},
                                fatal=False)
    assert not policy.authorize(reader, action, fatal=False)
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(reader, action)
    assert policy.authorize(member, 'os_compute_api:servers:delete')
    assert len(calls) == 3


def test_values_equal_in_python_but_not_to_a_rule_are_kept_apart():
    # A generic check formats the target: True gives 'True', 1 gives '1'.
    _add_rules({'nube_test:locked': "'True':%(locked)s"})
    caller = make_context('member', OWNER)
    assert policy.authorize(caller, 'nube_test:locked', {'locked': True},
                            fatal=False)
    assert not policy.authorize(caller, 'nube_test:locked', {'locked': 1},
                                fatal=False)
    assert not policy.authorize(caller, 'nube_test:locked',
                                {'locked': 'true'}, fatal=False)


class _AskingCheck(_checks.Check):
    """Stands for a check that asks elsewhere (like http:); counts asks."""

    asked = []

    def __call__(self, target, creds, enforcer, current_rule=None):
        self.asked.append(current_rule)
        return True


def test_rules_that_may_call_out_are_evaluated_every_time(monkeypatch):
    monkeypatch.setitem(_checks.registered_checks, 'nubetest', _AskingCheck)
    monkeypatch.setattr(_AskingCheck, 'asked', [])
    _add_rules({'nube_test:asks': 'role:member and nubetest:x',
                'nube_test:asks_by_reference': 'rule:nube_test:asks'})
    caller = make_context('member', OWNER)
    for _ in range(3):
        assert policy.authorize(caller, 'nube_test:asks')
        assert policy.authorize(caller, 'nube_test:asks_by_reference')
    assert len(_AskingCheck.asked) == 6


def test_entry_points_for_the_oslopolicy_tools():
    import importlib.metadata as md

    found = {ep.group: ep for ep in md.entry_points(name='nube')
             if ep.group.startswith('oslo.policy.')}
    assert found['oslo.policy.policies'].load() is policies.list_rules
    assert found['oslo.policy.enforcer'].load() is policy.get_enforcer
