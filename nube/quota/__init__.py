"""Quotas: how much a project may hold, what it holds, and the checks.

A limit comes from, most specific first: the user's own row (within its
project), the project's row, the ``default`` quota class, the ``[quota]``
option. -1 is no limit. Counted resources are counted where they live
(servers from the API DB's instance mappings, key pairs and server
groups from their tables, the network resources through counters that
nube.network registers); there are no reservations to leak.

Server creates check their quota inside the transaction that writes them
(``nube.db.api.api.ApiDatabase.build_create``), under the project's lock,
so concurrent creates never pass a limit together.
"""

import nube.conf
from nube import exception
from nube.db.api import quotas as quotas_db

CONF = nube.conf.CONF

DEFAULT_CLASS = 'default'
UNLIMITED = -1
MAX_LIMIT = 0x7FFFFFFF

# Nova's order. Network resources (Nova's proxies to Neutron) and the
# personality limits are reported and settable like the rest.
SERVER_RESOURCES = ('instances', 'cores', 'ram')
NETWORK_RESOURCES = ('floating_ips', 'security_groups',
                     'security_group_rules')
PERSONALITY_RESOURCES = ('injected_files', 'injected_file_content_bytes',
                         'injected_file_path_length')
RESOURCES = SERVER_RESOURCES + (
    'metadata_items', 'key_pairs', 'server_groups',
    'server_group_members') + NETWORK_RESOURCES + PERSONALITY_RESOURCES
# Limits on one thing (a server's metadata, a group's members), not a
# project's total: they have no project-wide usage.
PER_ITEM_RESOURCES = ('metadata_items', 'server_group_members') + \
    PERSONALITY_RESOURCES
# Per user in Nova: a user's key pairs.
USER_RESOURCES = ('key_pairs',)

_counters = {}


class QuotaExceeded(exception.OverQuota):
    """Nova's TooManyInstances text, for any counted resource."""
    msg_fmt = ('Quota exceeded for %(overs)s: Requested %(req)s, but '
               'already used %(used)s of %(allowed)s %(overs)s')


def register_counter(resource, counter):
    """``counter(project_id, user_id) -> int`` counts ``resource``."""
    _counters[resource] = counter


def config_defaults():
    return {name: getattr(CONF.quota, name) for name in RESOURCES}


def get_class(db, class_name):
    """The limits of a quota class: the configured ones it overrides."""
    limits = config_defaults()
    with db.transaction() as conn:
        limits.update(_known(quotas_db.class_limits(conn, class_name)))
    return limits


def get_defaults(db):
    return get_class(db, DEFAULT_CLASS)


def update_class(db, class_name, values):
    with db.transaction() as conn:
        quotas_db.set_class_limits(conn, class_name, values)


def _known(limits):
    return {k: v for k, v in limits.items() if k in RESOURCES}


def get_project_overrides(db, project_id, user_id=None):
    """Only the limits stored for the project (or for its user)."""
    with db.transaction() as conn:
        if user_id is None:
            return _known(quotas_db.project_limits(conn, project_id))
        return _known(quotas_db.user_limits(conn, project_id, user_id))


def get_project(db, project_id, user_id=None):
    """Effective limits of a project, or of a user within it."""
    with db.transaction() as conn:
        return _effective(conn, project_id, user_id)


def _effective(conn, project_id, user_id=None):
    limits = config_defaults()
    limits.update(_known(quotas_db.class_limits(conn, DEFAULT_CLASS)))
    limits.update(_known(quotas_db.project_limits(conn, project_id)))
    if user_id is not None:
        limits.update(_known(quotas_db.user_limits(conn, project_id,
                                                   user_id)))
    return limits


def update_project(db, project_id, values, user_id=None):
    with db.transaction() as conn:
        if user_id is None:
            quotas_db.set_project_limits(conn, project_id, values)
        else:
            quotas_db.set_user_limits(conn, project_id, user_id, values)


def delete_project(db, project_id, user_id=None):
    with db.transaction() as conn:
        if user_id is None:
            quotas_db.delete_project_limits(conn, project_id)
        else:
            quotas_db.delete_user_limits(conn, project_id, user_id)


def get_usage(db, project_id, user_id=None, resources=None):
    """``{resource: in use}`` for the counted resources asked for."""
    wanted = [r for r in (resources or RESOURCES)
              if r not in PER_ITEM_RESOURCES]
    usage = {}
    if any(r in SERVER_RESOURCES for r in wanted):
        with db.transaction() as conn:
            count, cores, ram = quotas_db.server_usage(conn, project_id,
                                                       user_id)
        usage.update(instances=count, cores=cores, ram=ram)
    for resource in wanted:
        if resource in usage:
            continue
        if resource in _DB_COUNTERS:
            usage[resource] = _DB_COUNTERS[resource](db, project_id, user_id)
        elif resource in _counters:
            usage[resource] = _counters[resource](project_id, user_id)
        else:
            usage[resource] = 0
    return {r: usage[r] for r in wanted}


def _count_key_pairs(db, project_id, user_id):
    from nube.db.api import keypairs as keypairs_db

    return keypairs_db.key_pair_count(db, user_id) if user_id else 0


def _count_server_groups(db, project_id, user_id):
    from nube.db.api import server_groups as groups_db

    return groups_db.count_groups(db, project_id, user_id)


_DB_COUNTERS = {'key_pairs': _count_key_pairs,
                'server_groups': _count_server_groups}


def over(resource, requested, used, allowed):
    """The error for one resource over its limit."""
    return QuotaExceeded(overs=resource, req=requested, used=used,
                         allowed=allowed)


def check_count(db, project_id, user_id, resource, current, delta=1):
    """403 when ``current + delta`` passes the resource's limit."""
    limit = get_project(db, project_id, user_id)[resource]
    if limit != UNLIMITED and current + delta > limit:
        raise over(resource, delta, current, limit)


def check(db, project_id, user_id=None, **deltas):
    """403 when adding ``deltas`` to the project's usage passes a limit."""
    limits = get_project(db, project_id, user_id)
    usage = get_usage(db, project_id, user_id, resources=list(deltas))
    overs = sorted(r for r, delta in deltas.items()
                   if limits[r] != UNLIMITED and
                   usage.get(r, 0) + delta > limits[r])
    if overs:
        raise QuotaExceeded(
            overs=', '.join(overs),
            req=', '.join(str(deltas[r]) for r in overs),
            used=', '.join(str(usage.get(r, 0)) for r in overs),
            allowed=', '.join(str(limits[r]) for r in overs))


def servers_that_fit(conn, project_id, user_id, flavor, min_count,
                     max_count):
    """How many servers of ``flavor`` (min..max) the project may add now.

    Runs in the caller's transaction: takes the project's lock first (no
    read may come before it, or the count would read an older snapshot),
    then counts. Nova's rule: as many as fit, up to ``max_count``; fewer
    than ``min_count`` is a 403 naming each resource over its limit.
    """
    quotas_db.lock_project(conn, project_id)
    need = {'instances': 1, 'cores': flavor.get('vcpus') or 0,
            'ram': flavor.get('memory_mb') or 0}
    allowed = max_count
    overs = {}
    limits = _effective(conn, project_id)
    if all(limits[r] == UNLIMITED for r in SERVER_RESOURCES):
        scopes = []
    else:
        scopes = [(limits, quotas_db.server_usage(conn, project_id))]
    if user_id is not None and quotas_db.user_limits(conn, project_id,
                                                     user_id):
        scopes.append((_effective(conn, project_id, user_id),
                       quotas_db.server_usage(conn, project_id, user_id)))
    for limits, (count, cores, ram) in scopes:
        used = {'instances': count, 'cores': cores, 'ram': ram}
        for resource, per_server in need.items():
            limit = limits[resource]
            if limit == UNLIMITED or not per_server:
                continue
            room = max(0, limit - used[resource]) // per_server
            if room < min_count:
                overs[resource] = (min_count * per_server, used[resource],
                                   limit)
            allowed = min(allowed, room)
    if allowed < min_count:
        names = sorted(overs)
        raise QuotaExceeded(
            overs=', '.join(names),
            req=', '.join(str(overs[n][0]) for n in names),
            used=', '.join(str(overs[n][1]) for n in names),
            allowed=', '.join(str(overs[n][2]) for n in names))
    return allowed


class GroupFull(exception.OverQuota):
    msg_fmt = 'Quota exceeded, too many servers in group'


def check_members(conn, group, count):
    """403 when ``count`` more servers would overfill ``group``."""
    from nube.db.api import server_groups as groups_db

    limit = _effective(conn, group['project_id'],
                       group.get('user_id'))['server_group_members']
    if limit == UNLIMITED:
        return
    if groups_db.count_members(conn, group['id']) + count > limit:
        raise GroupFull()


def limit_of(resource, project_id, user_id=None):
    """One effective limit, for services that may run without the API DB
    (the network API): without it the configured default applies."""
    if not CONF.api_database.connection:
        return getattr(CONF.quota, resource)
    from nube.db.api import api as api_db

    return get_project(api_db.get_database(), project_id, user_id)[resource]
