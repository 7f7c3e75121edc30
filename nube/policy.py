"""Authorization with oslo.policy: defaults in nube/policies, overridable.

Operators override rules in ``[oslo_policy] policy_file`` (policy.yaml,
searched beside the config files; a missing file means the defaults).
``authorize`` raises PolicyNotAuthorized (403 in Nova's and Glance's
bodies); ``fatal=False`` answers a boolean instead.
"""

import time

from oslo_config import cfg
from oslo_policy import policy as oslo_policy

from nube import exception
import nube.conf
from nube import policies

CONF = nube.conf.CONF

_ENFORCER = None


class Enforcer(oslo_policy.Enforcer):
    """oslo.policy's Enforcer, looking for policy file changes at most
    once a second.

    oslo.policy looks the policy file and every policy.d directory up
    again on each check (about 100 of the 240 microseconds an authorize
    costs), to reload them when they change; an edited file now takes
    effect within ``recheck_interval`` seconds instead.
    """

    recheck_interval = 1.0
    _next_load = 0.0

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if force_reload or not self.rules or now >= self._next_load:
            super().load_rules(force_reload)
            self._next_load = now + self.recheck_interval


def init(conf=None, policy_file=None):
    """Create the process's enforcer (once) with every default registered.
    """
    global _ENFORCER
    if _ENFORCER is None:
        enforcer = Enforcer(conf or CONF, policy_file=policy_file)
        enforcer.register_defaults(policies.list_rules())
        try:
            enforcer.load_rules()
        except cfg.NotInitializedError:
            # Options never parsed (unit tests, library use): no policy
            # file can be found, so the defaults are the policy.
            enforcer.set_rules(
                {name: rule.check
                 for name, rule in enforcer.registered_rules.items()},
                use_conf=False)
        _ENFORCER = enforcer
    return _ENFORCER


def reset():
    """Forget the enforcer (tests; a new policy file)."""
    global _ENFORCER
    if _ENFORCER is not None:
        _ENFORCER.clear()
    _ENFORCER = None


def default_target(context):
    """The caller's own project: what lists and creates are checked on."""
    return {'project_id': context.project_id, 'user_id': context.user_id}


def authorize(context, action, target=None, fatal=True):
    """May ``context`` do ``action`` on ``target``?

    ``target`` describes the resource (``project_id`` of its owner, ...);
    it defaults to the caller's own project. Unknown rules raise
    PolicyNotRegistered: a typo must not silently allow or deny.
    """
    enforcer = init()
    if target is None:
        target = default_target(context)
    try:
        return enforcer.authorize(action, target, context, do_raise=fatal,
                                  exc=exception.PolicyNotAuthorized,
                                  action=action)
    except oslo_policy.InvalidScope:
        if fatal:
            raise exception.PolicyNotAuthorized(action=action)
        return False


def check_is_admin(context):
    """Whether the context's roles make it an administrator."""
    return authorize(context, 'context_is_admin', default_target(context),
                     fatal=False)


def get_enforcer():
    """The ``oslo.policy.enforcer`` entry point (oslopolicy-* tools)."""
    # The tools call this without having parsed nube's options.
    try:
        CONF([], project='nube')
    except cfg.Error:
        pass
    init()
    return _ENFORCER
