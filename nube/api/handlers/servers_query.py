"""GET /servers[/detail] query parameters -> the compute facade's filters.

The HTTP layer owns Nova's rules: which filters a non-admin may use
(the others are dropped silently), how values parse (400 when they do
not), sorting keys, and all_tenants. Who counts as an admin for filters
and sort keys is the policy ``os_compute_api:servers:allow_all_filters``,
for all_tenants ``os_compute_api:servers:{index,detail}:get_all_tenants``.
"""

import webob.exc

from nube.api import common
from nube.compute import regex_filter
from nube.compute import states
from nube.policies import servers as policies
from nube import utils

_ENV_ALL_FILTERS = 'nube.api.servers.allow_all_filters'

# Filters anyone may use (Nova's list); admins may use every known one.
USER_FILTERS = ('reservation_id', 'name', 'status', 'image', 'flavor', 'ip',
                'changes-since', 'changes-before', 'all_tenants')
USER_FILTERS_226 = ('tags', 'tags-any')
ADMIN_FILTERS = ('host', 'node', 'deleted', 'project_id', 'tenant_id',
                 'user_id', 'locked', 'availability_zone')
_STRING_FILTERS = ('name', 'image', 'flavor', 'ip', 'reservation_id',
                   'host', 'node', 'availability_zone', 'user_id')

VALID_SORT_KEYS = (
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone',
    'config_drive', 'created_at', 'display_description', 'display_name',
    'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id',
    'key_name', 'launch_index', 'launched_at', 'locked_by', 'node',
    'power_state', 'progress', 'project_id', 'ramdisk_id',
    'root_device_name', 'task_state', 'terminated_at', 'updated_at',
    'user_id', 'uuid', 'vm_state')
# Accepted for compatibility but ignored, as Nova does below 2.75.
IGNORED_SORT_KEYS = (
    'architecture', 'cell_name', 'cleaned', 'default_ephemeral_device',
    'default_swap_device', 'deleted', 'deleted_at', 'disable_terminate',
    'ephemeral_gb', 'ephemeral_key_uuid', 'id', 'key_data', 'launched_on',
    'locked', 'memory_mb', 'os_type', 'reservation_id', 'root_gb',
    'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode')
ADMIN_SORT_KEYS = ('host', 'node')
# Every known key once; more only repeat one (and cost an ORDER BY term).
MAX_SORT_KEYS = len(VALID_SORT_KEYS) + len(IGNORED_SORT_KEYS)
# Nova's limits on a server's tags: 50 of them, 60 characters each.
MAX_TAGS = 50
MAX_TAG_LENGTH = 60
# Exact-match filters longer than any column cannot match anything.
MAX_FILTER_LENGTH = 255
_REGEX_FILTERS = ('name', 'ip')


def _bad(message):
    return webob.exc.HTTPBadRequest(explanation=message)


def _time(params, name):
    value = params.get(name)
    try:
        if len(value) > 64:
            raise ValueError(value)
        return utils.parse_isotime(value)
    except (ValueError, TypeError, OverflowError):
        value = value if len(value) <= 64 else value[:64] + '...'
        raise _bad("Invalid input for query parameters %s. Value: %s. '%s' "
                   "is not a 'date-time'" % (name, value, value))


def _statuses(req):
    """Known statuses, upper case; [] means nothing can match."""
    context = req.context
    wanted = [s.upper() for s in req.GET.getall('status') if s]
    valid = [s for s in wanted if states.vm_states_for_status(s)]
    if not valid:
        # Nova answers an empty list below 2.38, 400 from 2.38 on.
        if req.at_least(38):
            raise _bad('Invalid status value')
        return []
    if valid == ['DELETED'] and not context.is_admin:
        raise webob.exc.HTTPForbidden(
            explanation='Only administrators may list deleted instances')
    return valid


def _allow_all_filters(req):
    """The policy answer, asked once per request."""
    if _ENV_ALL_FILTERS not in req.environ:
        req.environ[_ENV_ALL_FILTERS] = common.authorize(
            req, policies.SERVERS % 'allow_all_filters', fatal=False)
    return req.environ[_ENV_ALL_FILTERS]


def _sort(req):
    params = req.GET
    keys = [k.strip() for k in params.getall('sort_key')]
    dirs = [d.strip() for d in params.getall('sort_dir')]
    if len(keys) > MAX_SORT_KEYS or len(dirs) > MAX_SORT_KEYS:
        raise _bad('Too many sort keys or directions: at most %d.'
                   % MAX_SORT_KEYS)
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise _bad("Unknown sort direction, must be 'desc' or 'asc'")
    if len(dirs) > len(keys) and keys:
        raise _bad('Sort direction size exceeds sort key size')
    if dirs:
        dirs += [dirs[0]] * (len(keys) - len(dirs))
    else:
        dirs = ['desc'] * len(keys)
    sort_keys, sort_dirs = [], []
    for key, direction in zip(keys, dirs):
        if key in IGNORED_SORT_KEYS:
            continue
        if key not in VALID_SORT_KEYS:
            raise _bad("Invalid input for query parameters sort_key. "
                       "Value: %s. '%s' is not one of %s"
                       % (key, key, list(VALID_SORT_KEYS)))
        if key in ADMIN_SORT_KEYS and not _allow_all_filters(req):
            raise webob.exc.HTTPForbidden(
                explanation='Only administrators can sort servers by %s'
                            % key)
        sort_keys.append(key)
        sort_dirs.append(direction)
    if not sort_keys:
        return None, None
    return sort_keys, sort_dirs


def _string_filter(key, value):
    """A filter's value: regular expressions must be valid (Nova: 400),
    exact values no longer than a column."""
    if key in _REGEX_FILTERS:
        try:
            return regex_filter.check(key, value)
        except regex_filter.InvalidRegex as exc:
            raise _bad(exc.message)
    if len(value) > MAX_FILTER_LENGTH:
        raise _bad('Invalid input for query parameters %s: longer than %d '
                   'characters.' % (key, MAX_FILTER_LENGTH))
    return value


def _tags(key, value):
    tags = [t for t in value.split(',') if t]
    if len(tags) > MAX_TAGS:
        raise _bad('Invalid input for query parameters %s: at most %d '
                   'tags.' % (key, MAX_TAGS))
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise _bad('Invalid input for query parameters %s: tag %s... '
                       'is longer than %d characters.'
                       % (key, tag[:MAX_TAG_LENGTH], MAX_TAG_LENGTH))
    return tags


def search_options(req, action='detail'):
    """The facade's search_opts for this request (see the contract).

    ``action`` is index or detail: it names the all_tenants policy.
    """
    params = req.GET
    context = req.context
    allowed = set(USER_FILTERS)
    if req.at_least(26):
        allowed.update(USER_FILTERS_226)
    if _allow_all_filters(req):
        allowed.update(ADMIN_FILTERS)
    present = {key for key in params.keys() if key in allowed}

    opts = {}
    for key in _STRING_FILTERS:
        if key in present:
            opts[key] = _string_filter(key, params.get(key))
    if 'status' in present:
        opts['status'] = _statuses(req)
        if opts['status'] == ['DELETED']:
            opts['deleted'] = True
    for key in ('changes-since', 'changes-before'):
        if key in present:
            opts[key] = _time(params, key)
    if 'changes-since' in opts and 'changes-before' in opts and \
            opts['changes-before'] < opts['changes-since']:
        raise _bad('The value of changes-since must be less than or equal '
                   'to changes-before.')
    if 'deleted' in present and 'deleted' not in opts:
        opts['deleted'] = common.body_bool(params.get('deleted'))
    elif 'deleted' not in opts and 'changes-since' not in opts and \
            'changes-before' not in opts:
        opts['deleted'] = False
    if 'locked' in present:
        opts['locked'] = common.query_bool('locked', params.get('locked'))
    for key in ('tags', 'tags-any'):
        if key in present:
            opts[key] = _tags(key, params.get(key))

    all_tenants = False
    if 'all_tenants' in present:
        value = params.get('all_tenants')
        all_tenants = True if value == '' else common.query_bool(
            'all_tenants', value)
    if all_tenants:
        common.authorize(req, policies.SERVERS % (action + ':get_all_tenants'))
        opts['all_tenants'] = True
        project = params.get('project_id') or params.get('tenant_id')
        if project and _allow_all_filters(req):
            opts['project_id'] = project
    else:
        opts.pop('project_id', None)
        if context.project_id:
            opts['project_id'] = context.project_id
        else:
            opts['user_id'] = context.user_id
    return opts


def list_instances(req, action='detail'):
    """(instances, limit) for GET /servers (index) and /servers/detail."""
    opts = search_options(req, action)
    limit, marker = common.limit_and_marker(req)
    sort_keys, sort_dirs = _sort(req)
    if limit == 0 or opts.get('status') == []:
        return [], limit
    instances = req.compute_api.get_all(
        req.context, opts, limit=limit, marker=marker,
        sort_keys=sort_keys, sort_dirs=sort_dirs)
    return instances, limit
