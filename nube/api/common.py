"""What every handler needs: the request type, JSON in and out, links, paging.
"""

from urllib import parse as urlparse

from oslo_serialization import jsonutils
from oslo_utils import strutils
import webob
import webob.exc

from nube.api import auth
import nube.conf
from nube import exception
from nube import policy
from nube import safe_input

CONF = nube.conf.CONF

ENV_VERSION = 'nube.api.version'
ENV_PREFIX = 'nube.api.prefix'
ENV_URL_PROJECT = 'nube.api.url_project_id'
ENV_DEPS = 'nube.api.deps'

LEGACY_V2_PREFIX = '/v2'

# Largest integer a DB column holds (Nova's db.MAX_INT), and its digits
# with a sign.
MAX_INT = 0x7FFFFFFF
MAX_INT_DIGITS = 11

_JSON_TYPES = ('application/json', 'application/vnd.openstack.compute+json')


class APIRequest(webob.Request):
    """webob.Request plus what the stack learned about the request."""

    @property
    def context(self):
        return self.environ[auth.ENV_CONTEXT]

    @property
    def api_version(self):
        return self.environ[ENV_VERSION]

    def at_least(self, minor):
        """True when the request's microversion is 2.<minor> or later."""
        return self.api_version >= (2, minor)

    @property
    def is_legacy_v2(self):
        return self.environ.get(ENV_PREFIX) == LEGACY_V2_PREFIX

    @property
    def compute_api(self):
        return self.environ[ENV_DEPS].compute_api

    @property
    def host_api(self):
        return self.environ[ENV_DEPS].host_api

    @property
    def db(self):
        return self.environ[ENV_DEPS].db


def json_response(body, status=200, headers=None):
    response = webob.Response(status=status,
                              content_type='application/json', charset=None)
    response.body = jsonutils.dump_as_bytes(body)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def empty_response(status):
    response = webob.Response(status=status)
    response.headers.pop('Content-Type', None)
    return response


# Nova's proxies of the network API (os-networks, os-floating-ips,
# os-security-groups...) are there up to microversion 2.35.
PROXY_LAST_MINOR = 35


def check_proxy_version(req, last_minor=PROXY_LAST_MINOR):
    """Nova's 404 past the last microversion of a deprecated proxy."""
    if req.at_least(last_minor + 1):
        raise webob.exc.HTTPNotFound()


def json_body(req):
    """The parsed JSON body, or None when there is none."""
    body = req.body
    if not body:
        return None
    content_type = (req.content_type or '').lower()
    if content_type and content_type not in _JSON_TYPES:
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation='Unsupported Content-Type')
    try:
        # Depth-limited, finite numbers only, no lone surrogates anywhere.
        return safe_input.loads(body)
    except safe_input.InvalidInput as exc:
        # Nova's words for JSON that does not parse; the other refusals
        # (depth, NaN, encoding) say what is wrong.
        message = exc.message
        if message.startswith('Malformed JSON'):
            message = 'Malformed request body'
        raise webob.exc.HTTPBadRequest(explanation=message)


def authorize(req, action, target=None, fatal=True):
    """Policy check of the caller (403 in Nova's body when refused).

    ``target`` defaults to the caller's own project.
    """
    return policy.authorize(req.context, action, target, fatal=fatal)


def authorize_server(req, action, server_id):
    """Policy check of an action on a server, in Nova's order.

    Nova looks the server up before checking the policy, so a server the
    caller cannot see is 404 even where the action would be refused.
    The facade only finds a non-admin's own servers, so the target of an
    allowed action is the caller's project; the look-up happens only on
    refusal.
    """
    if authorize(req, action, fatal=False):
        return
    req.compute_api.get(req.context, server_id)
    raise exception.PolicyNotAuthorized(action=action)


# -- links --------------------------------------------------------------------

def base_url(req):
    """Where links point: the request's host, or compute_link_prefix."""
    url = req.application_url
    prefix = CONF.api.compute_link_prefix
    if not prefix:
        return url.rstrip('/')
    parts = list(urlparse.urlsplit(url))
    prefix_parts = urlparse.urlsplit(prefix)
    parts[0:2] = prefix_parts[0:2]
    parts[2] = prefix_parts[2].rstrip('/') + parts[2]
    return urlparse.urlunsplit(parts).rstrip('/')


def _project_part(req):
    """Links carry the project only when the request URL did (as Nova)."""
    project_id = req.environ.get(ENV_URL_PROJECT)
    return '/%s' % project_id if project_id else ''


def self_url(req, collection, ident):
    return '%s%s%s/%s/%s' % (base_url(req), req.environ.get(ENV_PREFIX, ''),
                             _project_part(req), collection, ident)


def bookmark_url(req, collection, ident):
    return '%s%s/%s/%s' % (base_url(req), _project_part(req), collection,
                           ident)


def links(req, collection, ident):
    return [{'rel': 'self', 'href': self_url(req, collection, ident)},
            {'rel': 'bookmark', 'href': bookmark_url(req, collection, ident)}]


def collection_links(req, items, collection, id_key, limit):
    """A 'next' link when the page came back full (there may be more)."""
    if not items or not limit or len(items) != limit:
        return []
    params = dict(req.GET.items())
    params['marker'] = items[-1][id_key]
    href = '%s%s%s/%s?%s' % (base_url(req), req.environ.get(ENV_PREFIX, ''),
                             _project_part(req), collection,
                             urlparse.urlencode(params))
    return [{'rel': 'next', 'href': href}]


# -- query parameters ---------------------------------------------------------

# Longest marker accepted: ids and names are at most 255 characters.
MAX_MARKER_LENGTH = 255


def query_int(name, value, minimum=None, maximum=MAX_INT):
    """An integer query value within [minimum, maximum], or 400.

    Digit strings longer than any bound are refused before ``int()``.
    """
    text = value.strip()
    if len(text) > MAX_INT_DIGITS:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid %s value: it must be an integer of at '
                        'most %d digits.' % (name, MAX_INT_DIGITS))
    try:
        number = int(text)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='%s param must be an integer' % name)
    if (minimum is not None and number < minimum) or \
            (maximum is not None and number > maximum):
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid %s value %d: it must be between %s and '
                        '%s.' % (name, number, minimum, maximum))
    return number


def limit_and_marker(req):
    """(limit, marker) from the query; limit is capped at osapi_max_limit."""
    max_limit = CONF.osapi_max_limit
    limit = max_limit
    if 'limit' in req.GET:
        value = req.GET['limit'].strip()
        try:
            limit = int(value) if len(value) <= MAX_INT_DIGITS else None
        except ValueError:
            limit = None
        if limit is None:
            raise webob.exc.HTTPBadRequest(
                explanation='limit param must be an integer')
        if limit < 0:
            raise webob.exc.HTTPBadRequest(
                explanation='limit param must be positive')
        limit = min(limit, max_limit)
    marker = req.GET.get('marker') or None
    if marker is not None and len(marker) > MAX_MARKER_LENGTH:
        raise webob.exc.HTTPBadRequest(
            explanation='marker [%s...] not found' % marker[:32])
    return limit, marker


def query_bool(name, value, default=None):
    """A boolean query value; 400 naming the parameter when it is not one."""
    if value is None:
        return default
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid value %r for query parameter %s: it must '
                        'be a boolean.' % (value, name))


def body_bool(value, default=False):
    """Booleans in bodies may be strings ('true', 'on', '1', ...)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return strutils.bool_from_string(value, default=default)


def id_from_href(href):
    """'http://x/flavors/42' -> '42'; a plain id stays as it is."""
    return urlparse.urlsplit(str(href)).path.rstrip('/').split('/')[-1]
