"""Quota sets and quota classes as Nova's API and nova-manage show them.

The limits and usage come from nube.quota; this module adds what the
API layer needs on top: Nova's resource names (``injected_file_path_bytes``
for the engine's ``injected_file_path_length``, ``fixed_ips`` that nube
does not enforce, -1 unless set), the range an update may set (no lower
than what is in use, and for a user no more than the project has left
after its other users' limits), and the usage view.
"""

import sqlalchemy as sa

from nube import exception
from nube import quota
from nube.db.api import models
from nube.db.api import quotas as quotas_db

# Nova's names, in Nova's order.
RESOURCES = ('instances', 'cores', 'ram', 'floating_ips', 'fixed_ips',
             'metadata_items', 'key_pairs', 'security_groups',
             'security_group_rules', 'injected_files',
             'injected_file_content_bytes', 'injected_file_path_bytes',
             'server_groups', 'server_group_members')
NETWORK_RESOURCES = ('fixed_ips', 'floating_ips', 'security_groups',
                     'security_group_rules')
# Nova's quota classes show the group limits only from 2.50.
GROUP_RESOURCES = ('server_groups', 'server_group_members')

_TO_ENGINE = {'injected_file_path_bytes': 'injected_file_path_length'}
_FROM_ENGINE = {v: k for k, v in _TO_ENGINE.items()}
# Stored and shown, never enforced (nova-network's).
_UNENFORCED = {'fixed_ips': quota.UNLIMITED}
# Limits on one item, and key pairs (a user's): Nova shows no usage of
# them in a quota set, and does not hold their limits to it.
_NOT_COUNTED = ('key_pairs', 'server_group_members', 'metadata_items',
                'injected_files', 'injected_file_content_bytes',
                'injected_file_path_bytes', 'fixed_ips')

_USER = models.ProjectUserQuota.__table__


class InvalidQuotaLimit(exception.Invalid):
    msg_fmt = '%(reason)s'


def _api_names(limits):
    return {_FROM_ENGINE.get(k, k): v for k, v in limits.items()
            if _FROM_ENGINE.get(k, k) in RESOURCES}


def _engine_names(values):
    return {_TO_ENGINE.get(k, k): v for k, v in values.items()}


def _unenforced(rows_by_layer):
    limits = dict(_UNENFORCED)
    for rows in rows_by_layer:
        limits.update({k: v for k, v in rows.items() if k in limits})
    return limits


def defaults(db):
    """The limits of a project that has none of its own."""
    with db.transaction() as conn:
        extra = _unenforced([quotas_db.class_limits(conn,
                                                    quota.DEFAULT_CLASS)])
    return dict(_api_names(quota.get_defaults(db)), **extra)


def class_limits(db, class_name):
    with db.transaction() as conn:
        extra = _unenforced([quotas_db.class_limits(conn, class_name)])
    return dict(_api_names(quota.get_class(db, class_name)), **extra)


def update_class(db, class_name, values):
    quota.update_class(db, class_name, _engine_names(
        {k: int(v) for k, v in values.items()}))
    return class_limits(db, class_name)


def limits(db, project_id, user_id=None):
    """Effective limits of a project, or of a user in it."""
    with db.transaction() as conn:
        layers = [quotas_db.class_limits(conn, quota.DEFAULT_CLASS),
                  quotas_db.project_limits(conn, project_id)]
        if user_id is not None:
            layers.append(quotas_db.user_limits(conn, project_id, user_id))
        extra = _unenforced(layers)
    return dict(_api_names(quota.get_project(db, project_id, user_id)),
                **extra)


def usage(db, project_id, user_id=None, names=None):
    """``{resource: in use}`` as Nova counts it for a quota set (only the
    counted ones of ``names``, if given, are counted)."""
    names = RESOURCES if names is None else names
    wanted = [_TO_ENGINE.get(n, n) for n in names
              if n not in _NOT_COUNTED]
    counted = quota.get_usage(db, project_id, user_id,
                              resources=wanted) if wanted else {}
    result = {name: 0 for name in names}
    for name, value in _api_names(counted).items():
        if name not in _NOT_COUNTED:
            result[name] = value
    return result


def detail(db, project_id, user_id=None):
    used = usage(db, project_id, user_id)
    return {name: {'limit': limit, 'in_use': used.get(name, 0),
                   'reserved': 0}
            for name, limit in limits(db, project_id, user_id).items()}


def _users_total(db, project_id):
    """``{resource: sum of the project's users' own limits}``."""
    with db.transaction() as conn:
        rows = conn.execute(sa.select(
            _USER.c.resource, sa.func.sum(_USER.c.hard_limit)).where(
                _USER.c.project_id == project_id).group_by(
                    _USER.c.resource))
        return {_FROM_ENGINE.get(r, r): int(total or 0)
                for r, total in rows}


def _unlimited(value):
    return value <= quota.UNLIMITED


def settable(db, project_id, user_id=None, names=None):
    """``{resource: (minimum, maximum)}`` an update may set (-1: none),
    of every resource or of ``names``.

    Nova's rule: a project's limit covers what it uses and what its users'
    own limits add up to; a user's covers what the user uses and is at
    most what the project has left besides the user's own limit.
    """
    names = RESOURCES if names is None else names
    project = limits(db, project_id)
    users = _users_total(db, project_id)
    remains = {}
    for name, limit in project.items():
        remains[name] = quota.UNLIMITED if _unlimited(limit) else \
            limit - users.get(name, 0)
    used = usage(db, project_id, user_id, names)
    ranges = {}
    if user_id is None:
        for name in names:
            limit = project[name]
            given = quota.UNLIMITED if _unlimited(limit) or \
                _unlimited(remains[name]) else limit - remains[name]
            ranges[name] = (max(given, used[name]), quota.UNLIMITED)
        return ranges
    with db.transaction() as conn:
        own = {_FROM_ENGINE.get(k, k): v for k, v in
               quotas_db.user_limits(conn, project_id, user_id).items()}
    for name in names:
        left = remains[name]
        maximum = quota.UNLIMITED if _unlimited(left) or \
            _unlimited(own.get(name, 0)) else left + own.get(name, 0)
        ranges[name] = (used[name], maximum)
    return ranges


def _infinite(value):
    return float('inf') if value == quota.UNLIMITED else value


def check_range(resource, value, minimum, maximum):
    """400 with Nova's words when ``value`` is outside [minimum, maximum]."""
    if _infinite(value) < _infinite(minimum):
        raise InvalidQuotaLimit(
            reason='Quota limit %(limit)s for %(resource)s must be greater '
                   'than or equal to already used and reserved '
                   '%(minimum)s.' % {'limit': value, 'resource': resource,
                                     'minimum': minimum})
    if _infinite(value) > _infinite(maximum):
        raise InvalidQuotaLimit(
            reason='Quota limit %(limit)s for %(resource)s must be less '
                   'than or equal to %(maximum)s.' % {
                       'limit': value, 'resource': resource,
                       'maximum': maximum})


def update(db, project_id, values, user_id=None, force=False):
    """Set the limits (all checked first, then all written); the result.

    Without ``force`` every value must lie in ``settable``'s range.
    """
    values = {k: int(v) for k, v in values.items()}
    if not force and values:
        ranges = settable(db, project_id, user_id, names=list(values))
        for name, value in values.items():
            minimum, maximum = ranges[name]
            check_range(name, value, minimum, maximum)
    if values:
        quota.update_project(db, project_id, _engine_names(values),
                             user_id=user_id)
    return limits(db, project_id, user_id)


def delete(db, project_id, user_id=None):
    quota.delete_project(db, project_id, user_id=user_id)
