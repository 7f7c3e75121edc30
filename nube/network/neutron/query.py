"""A list request's query string: filters, ``fields``, sorting and
pagination, as Neutron reads them.

- Filters: every other parameter naming a known attribute; repeated
  values are alternatives, empty values are dropped, unknown names are
  ignored. Booleans are converted (``true``/``false``/``1``/``0``, else
  400); ``fixed_ips=ip_address=A`` / ``fixed_ips=subnet_id=U`` become
  ``[{'ip_address': 'A'}, ...]`` for the network API, while
  ``fixed_ips=ip_address_substr=S`` (ports holding an address containing
  S) is applied here; every other value stays a string.
- ``fields``: only the named attributes are returned (a name that does
  not exist returns nothing for it).
- ``sort_key``/``sort_dir``: as many of one as of the other, known
  scalar attributes only, ``asc`` or ``desc``; ``id`` ascending breaks
  ties.
- ``limit`` (0 or absent: ``[network_api] max_page_size``; larger is cut
  to it), ``marker`` (the id of the last resource seen: one that does not
  exist is the resource's 404, as in Neutron) and ``page_reverse``.
  With an explicit limit, the links are Neutron's: ``next`` when the page
  is full or reversed, ``previous`` unless a reversed page is short.
  Without one, ``next`` appears only when the page was cut.

At most ``MAX_VALUES`` values per parameter name.
"""

import functools
import re
from urllib import parse as urlparse

from nube.network import exceptions
from nube.network.neutron import schemas
import nube.conf

CONF = nube.conf.CONF

RESERVED = ('fields', 'sort_key', 'sort_dir', 'limit', 'marker',
            'page_reverse')
MAX_VALUES = 50
FIXED_IP_KEYS = ('ip_address', 'subnet_id', 'ip_address_substr')
_DIGITS = re.compile('[0-9]{1,20}')


def bad_request(resource, message):
    return exceptions.BadRequest(resource=resource, msg=message)


def to_boolean(value):
    """Neutron's convert_to_boolean for query values."""
    lowered = value.strip().lower()
    if lowered in ('true', '1'):
        return True
    if lowered in ('false', '0'):
        return False
    raise exceptions.InvalidInput(
        error_message="'%s' cannot be converted to boolean"
        % schemas._shown(value))


def _fixed_ip(value):
    key, sep, item = value.partition('=')
    key = key.strip()
    if not sep or key not in FIXED_IP_KEYS or not item:
        raise exceptions.InvalidInput(
            error_message="'%s' is not of the form <key>=[value] with key "
                          "ip_address, subnet_id or ip_address_substr"
            % schemas._shown(value))
    return {key: item}


def _values(params, name):
    values = [value for value in params.getall(name) if value]
    if len(values) > MAX_VALUES:
        raise bad_request(name, 'at most %d values of %s are allowed'
                          % (MAX_VALUES, name))
    return values


class ListQuery:
    """What one list request asks for."""

    def __init__(self, filters, fields, sorts, limit, explicit_limit,
                 marker, page_reverse, ip_substrings=()):
        self.filters = filters
        self.ip_substrings = ip_substrings
        self.fields = fields
        self.sorts = sorts
        self.limit = limit
        self.explicit_limit = explicit_limit
        self.marker = marker
        self.page_reverse = page_reverse


def _limit(params):
    raw = params.get('limit')
    if raw is None or raw == '':
        return 0
    # ASCII digits only (int() would take '٣' or '1_0').
    text = raw.strip()
    limit = int(text) if _DIGITS.fullmatch(text) else -1
    if limit < 0:
        raise bad_request('limit', "Limit must be an integer 0 or greater "
                                   "and not '%s'" % schemas._shown(raw))
    return limit


def _sorts(params, sort_keys):
    keys = _values(params, 'sort_key')
    dirs = _values(params, 'sort_dir')
    if len(keys) != len(dirs):
        raise bad_request('sort', 'The number of sort_keys and sort_dirs '
                                  'must be same')
    absent = [key for key in keys if key not in sort_keys]
    if absent:
        raise bad_request('sort', '%s is invalid attribute for sort_keys'
                          % [schemas._shown(key) for key in absent])
    invalid = [direction for direction in dirs
               if direction not in ('asc', 'desc')]
    if invalid:
        raise bad_request('sort', "%s is invalid value for sort_dirs, valid "
                                  "value is 'asc' and 'desc'"
                          % [schemas._shown(d) for d in invalid])
    sorts = [(key, direction == 'asc') for key, direction in zip(keys, dirs)]
    if 'id' not in keys:
        sorts.append(('id', True))
    return sorts


def parse(params, spec, hidden=()):
    """A ListQuery from ``params`` (webob's GET MultiDict) for ``spec``.

    ``spec`` has ``filter_fields``, ``bool_fields``, ``sort_keys``;
    filters on ``hidden`` attributes (the caller may not see them) are
    dropped.
    """
    filters = {}
    ip_substrings = []
    for name in dict.fromkeys(params.keys()):
        if name in RESERVED or name not in spec.filter_fields or \
                name in hidden:
            continue
        values = _values(params, name)
        if not values:
            continue
        if name in spec.bool_fields:
            values = [to_boolean(value) for value in values]
        elif name == 'fixed_ips':
            values = [_fixed_ip(value) for value in values]
            ip_substrings = [entry['ip_address_substr'] for entry in values
                             if 'ip_address_substr' in entry]
            values = [entry for entry in values
                      if 'ip_address_substr' not in entry]
            if not values:
                continue
        filters[name] = values
    fields = list(dict.fromkeys(_values(params, 'fields'))) or None
    limit = _limit(params)
    max_page = CONF.network_api.max_page_size
    explicit = bool(limit)
    limit = min(limit, max_page) if limit else max_page
    marker = params.get('marker') or None
    page_reverse = (params.get('page_reverse') or 'false').lower() == 'true'
    return ListQuery(filters, fields, _sorts(params, spec.sort_keys),
                     limit, explicit, marker, page_reverse, ip_substrings)


def _rank(value):
    """A sort key every attribute value has: None first, then numbers
    (booleans as 0/1), then text."""
    if value is None:
        return (0, 0)
    if isinstance(value, (bool, int, float)):
        return (1, value)
    return (2, str(value))


def _comparator(sorts):
    def compare(first, second):
        for key, ascending in sorts:
            a, b = _rank(first.get(key)), _rank(second.get(key))
            result = (a > b) - (a < b)
            if result:
                return result if ascending else -result
        return 0
    return compare


def paginate(items, q, find_marker):
    """(page, more): the sorted page of ``items`` ``q`` asks for, and
    whether items were left out past its end.

    ``find_marker(id)`` returns the marker resource or raises its 404; it
    is called only when the marker is not among ``items`` (filtered out),
    so that its position is still known.
    """
    for substring in q.ip_substrings:
        items = [item for item in items
                 if any(substring in fixed_ip.get('ip_address', '')
                        for fixed_ip in item.get('fixed_ips') or ())]
    compare = _comparator(q.sorts)
    ordered = sorted(items, key=functools.cmp_to_key(compare))
    if q.marker is not None:
        marker = next((item for item in ordered
                       if item.get('id') == q.marker), None)
        if marker is None:
            marker = find_marker(q.marker)
        if q.page_reverse:
            ordered = [item for item in ordered if compare(item, marker) < 0]
        else:
            ordered = [item for item in ordered if compare(item, marker) > 0]
    if q.page_reverse:
        page = ordered[-q.limit:]
    else:
        page = ordered[:q.limit]
    return page, len(ordered) > len(page)


def _href(req, params):
    return '%s?%s' % (req.path_url, urlparse.urlencode(params))


def links(req, page, q, more):
    """The ``<collection>_links`` of a page (empty for none)."""
    params = req.GET.copy()
    params.pop('marker', None)
    result = []
    if not q.explicit_limit:
        # The page was cut at max_page_size: the way on.
        if more and page and q.page_reverse:
            params['marker'] = page[0]['id']
            params['page_reverse'] = 'True'
            result.append({'rel': 'previous', 'href': _href(req, params)})
        elif more and page:
            params['marker'] = page[-1]['id']
            params.pop('page_reverse', None)
            result.append({'rel': 'next', 'href': _href(req, params)})
        return result
    full = len(page) >= q.limit
    if full or q.page_reverse:
        next_params = params.copy()
        if page:
            next_params['marker'] = page[-1]['id']
        next_params.pop('page_reverse', None)
        result.append({'rel': 'next', 'href': _href(req, next_params)})
    if full or not q.page_reverse:
        previous = params.copy()
        if page:
            previous['marker'] = page[0]['id']
        previous['page_reverse'] = 'True'
        result.append({'rel': 'previous', 'href': _href(req, previous)})
    return result
