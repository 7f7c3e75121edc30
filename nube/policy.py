"""Authorization with oslo.policy: defaults in nube/policies, overridable.

Operators override rules in ``[oslo_policy] policy_file`` (policy.yaml,
searched beside the config files; a missing file means the defaults).
``authorize`` raises PolicyNotAuthorized (403 in Nova's and Glance's
bodies); ``fatal=False`` answers a boolean instead.
"""

import collections.abc
import time

from oslo_config import cfg
from oslo_policy import _checks
from oslo_policy import policy as oslo_policy

from nube import exception
import nube.conf
from nube import policies

CONF = nube.conf.CONF

_ENFORCER = None


# Checks whose answer depends on nothing but the target and credentials
# (oslo.policy's own; exact types, so a subclass that calls out is not).
_PURE_CHECKS = (_checks.TrueCheck, _checks.FalseCheck, _checks.RoleCheck,
                _checks.GenericCheck)


class Enforcer(oslo_policy.Enforcer):
    """oslo.policy's Enforcer, looking for policy file changes at most
    once a second and remembering its answers until it looks again.

    oslo.policy looks the policy file and every policy.d directory up
    again on each check (about 100 of the 240 microseconds an authorize
    cost), to reload them when they change; an edited file now takes
    effect within ``recheck_interval`` seconds instead. Evaluating a rule
    calls ``inspect.getfullargspec`` for each check in it (about 250
    microseconds for servers:create); a rule made only of role, generic
    and rule checks gives the same answer for the same action, target and
    credentials, so that answer is kept until the next look at the files.
    """

    recheck_interval = 1.0
    max_decisions = 4096
    _next_load = 0.0

    def __init__(self, *args, **kwargs):
        self._decisions = {}
        self._pure = {}
        super().__init__(*args, **kwargs)

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if force_reload or not self.rules or now >= self._next_load:
            super().load_rules(force_reload)
            self._next_load = now + self.recheck_interval
            self._forget_decisions()

    def set_rules(self, *args, **kwargs):
        super().set_rules(*args, **kwargs)
        self._forget_decisions()

    def clear(self):
        super().clear()
        self._forget_decisions()

    def _forget_decisions(self):
        self._decisions = {}
        self._pure = {}

    def decide(self, action, target, context):
        """``authorize(action, target, context)``, without raising."""
        self.load_rules()
        key = _decision_key(action, target, context)
        if key is not None:
            try:
                return self._decisions[key]
            except KeyError:
                pass
        try:
            result = self.authorize(action, target, context)
        except oslo_policy.InvalidScope:
            # Raised whatever do_raise says by some oslo.policy releases.
            result = False
        if key is not None and self._is_pure(action):
            if len(self._decisions) >= self.max_decisions:
                self._decisions = {}
            self._decisions[key] = result
        return result

    def _is_pure(self, action):
        try:
            return self._pure[action]
        except KeyError:
            pure = self._pure[action] = self._pure_check(
                self.rules.get(action), depth=0)
            return pure

    def _pure_check(self, check, depth):
        if check is None or depth > 32:
            return False
        kind = type(check)
        if kind in (_checks.AndCheck, _checks.OrCheck):
            return all(self._pure_check(rule, depth + 1)
                       for rule in check.rules)
        if kind is _checks.NotCheck:
            return self._pure_check(check.rule, depth + 1)
        if kind is _checks.RuleCheck:
            return self._pure_check(self.rules.get(check.match), depth + 1)
        return kind in _PURE_CHECKS


def _frozen(value):
    """A hashable stand-in for JSON-like ``value``; TypeError otherwise.

    Scalars keep their type: a generic check formats ``True`` and ``1``
    differently, although they are equal and hash alike.
    """
    if isinstance(value, collections.abc.Mapping):
        return ('map', tuple(sorted((key, _frozen(item))
                                    for key, item in value.items())))
    if isinstance(value, (list, tuple)):
        return ('seq', tuple(_frozen(item) for item in value))
    if value is None or isinstance(value, (str, int, float, bool)):
        return (type(value).__name__, value)
    raise TypeError(type(value).__name__)


def _decision_key(action, target, context):
    try:
        return (action, _frozen(target), _frozen(context.to_policy_values()))
    except (TypeError, AttributeError):
        return None


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
    # A token of the wrong scope is refused like any other caller.
    allowed = enforcer.decide(action, target, context)
    if not allowed and fatal:
        raise exception.PolicyNotAuthorized(action=action)
    return allowed


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
