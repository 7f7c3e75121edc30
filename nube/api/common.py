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

CONF = nube.conf.CONF

ENV_VERSION = 'nube.api.version'
ENV_PREFIX = 'nube.api.prefix'
ENV_URL_PROJECT = 'nube.api.url_project_id'
ENV_DEPS = 'nube.api.deps'

LEGACY_V2_PREFIX = '/v2'

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
        return jsonutils.loads(body)
    except ValueError:
        raise webob.exc.HTTPBadRequest(explanation='Malformed request body')


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

def limit_and_marker(req):
    """(limit, marker) from the query; limit is capped at osapi_max_limit."""
    max_limit = CONF.osapi_max_limit
    limit = max_limit
    if 'limit' in req.GET:
        try:
            limit = int(req.GET['limit'])
        except ValueError:
            raise webob.exc.HTTPBadRequest(
                explanation='limit param must be an integer')
        if limit < 0:
            raise webob.exc.HTTPBadRequest(
                explanation='limit param must be positive')
        limit = min(limit, max_limit)
    return limit, req.GET.get('marker') or None


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
