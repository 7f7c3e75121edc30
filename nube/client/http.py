"""One service's HTTP access: a keystoneauth1 Adapter plus nube's errors.

The adapter finds the endpoint in the token's catalog by service type,
region and interface, adds the token and the compute microversion
headers, and retries connection failures (``connect_retries``) and 503s
(``status_code_retries``). Every error status becomes a typed exception
from nube.client.exceptions carrying the server's message and request id.
"""

import re
import urllib.parse

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc

from nube.api import microversion as api_microversion
from nube.client import exceptions

# The newest compute microversion whose bodies this library understands:
# the one the nube API renders.
LIBRARY_MAX_MICROVERSION = api_microversion.MAX_VERSION_STRING
USER_AGENT_NAME = 'nube-client'


def version_tuple(text):
    """'2.37' -> (2, 37); None for '', None or 'latest'.

    The API's own parser; a malformed string (from the caller's
    configuration) is ConfigError, not a bare ValueError.
    """
    if not text or text == 'latest':
        return None
    try:
        return tuple(api_microversion.parse(str(text)))
    except api_microversion.InvalidVersionString as exc:
        raise exceptions.ConfigError(str(exc))


def _ks_error(exc, method, url):
    """A keystoneauth exception as nube's (auth failures, no endpoint...)."""
    if isinstance(exc, ks_exc.EndpointNotFound):
        return exceptions.EndpointNotFound(str(exc))
    if isinstance(exc, ks_exc.ConnectionError):
        return exceptions.ConnectionFailed(str(exc))
    if isinstance(exc, ks_exc.HttpError):
        response = getattr(exc, 'response', None)
        if response is not None:
            return exceptions.from_response(response, method, url)
        cls = exceptions._BY_STATUS.get(exc.http_status,
                                        exceptions.HttpError)
        return cls(exc.message, http_status=exc.http_status,
                   request_id=exc.request_id)
    return exceptions.ClientException(str(exc))


class ServiceAPI:
    """Requests to one service of the catalog (compute or image)."""

    service_type = None

    def __init__(self, session, region_name=None, interface='public',
                 endpoint_override=None, microversion=None,
                 connect_retries=3, status_code_retries=3, retry_delay=None,
                 client_version=None):
        self.session = session
        self.adapter = ks_adapter.Adapter(
            session, service_type=self.service_type, interface=interface,
            region_name=region_name, endpoint_override=endpoint_override,
            default_microversion=microversion,
            connect_retries=connect_retries,
            status_code_retries=status_code_retries,
            retriable_status_codes=[503],
            connect_retry_delay=retry_delay,
            status_code_retry_delay=retry_delay,
            client_name=USER_AGENT_NAME, client_version=client_version)

    def endpoint(self):
        """The catalog's (or the override's) URL of this service."""
        try:
            url = self.adapter.get_endpoint()
        except ks_exc.ClientException as exc:
            raise _ks_error(exc, 'GET', None)
        if not url:
            raise exceptions.EndpointNotFound(
                'No %s endpoint in the catalog (region %s, interface %s)'
                % (self.service_type, self.adapter.region_name,
                   self.adapter.interface))
        return url

    def url(self, path):
        return path

    def request(self, method, path, json=None, headers=None, **kwargs):
        """The response; a typed exception for any status >= 400."""
        url = self.url(path)
        try:
            response = self.adapter.request(url, method, json=json,
                                            headers=headers or {},
                                            raise_exc=False, **kwargs)
        except ks_exc.ClientException as exc:
            raise _ks_error(exc, method, url)
        if response.status_code >= 400:
            raise exceptions.from_response(response, method, url)
        return response

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def get_json(self, path, params=None, **kwargs):
        return self.request('GET', path, params=params, **kwargs).json()

    def paginate(self, path, key, params=None):
        """Every item of a list, page after page (see next_url)."""
        items = []
        url, seen = path, set()
        while url and url not in seen:
            seen.add(url)
            body = self.get_json(url, params=params)
            page = body.get(key) or []
            items.extend(page)
            params = None   # the next link carries the query
            url = self.next_url(body, key) if page else None
        return items

    @staticmethod
    def next_url(body, key):
        raise NotImplementedError

    def post(self, path, json=None, **kwargs):
        return self.request('POST', path, json=json, **kwargs)

    def put(self, path, json=None, **kwargs):
        return self.request('PUT', path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.request('PATCH', path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)


class ComputeAPI(ServiceAPI):
    """Nova v2.1: microversion negotiated once, on first use."""

    service_type = 'compute'

    def __init__(self, session, microversion=None, **kwargs):
        super().__init__(session, **kwargs)
        self.requested_microversion = microversion
        self._microversion = None
        self.server_version = None

    def version_document(self):
        """The v2.1 version entry the compute endpoint serves."""
        body = self.request('GET', '', microversion=None).json()
        if 'version' in body:
            return body['version']
        versions = body.get('versions') or []
        for entry in versions:
            if entry.get('id') == 'v2.1':
                return entry
        if versions:
            return versions[-1]
        raise exceptions.ClientException(
            'The compute endpoint serves no version document')

    def negotiate(self):
        """min(server max, library max), checked against server min."""
        entry = self.version_document()
        self.server_version = entry
        server_max = version_tuple(entry.get('version'))
        server_min = version_tuple(entry.get('min_version'))
        if server_max is None:
            # No microversions at all: a plain v2.1 (or v2) API.
            return '2.1'
        library_max = version_tuple(LIBRARY_MAX_MICROVERSION)
        chosen = min(server_max, library_max)
        if server_min and chosen < server_min:
            raise exceptions.NotAcceptable(
                'The server supports compute microversions %s to %s, this '
                'library up to %s' % (entry.get('min_version'),
                                      entry.get('version'),
                                      LIBRARY_MAX_MICROVERSION))
        return '%d.%d' % chosen

    @property
    def microversion(self):
        """The microversion every compute request carries."""
        if self._microversion is None:
            wanted = str(self.requested_microversion or '').strip()
            # novaclient-style '2', '2.latest' and 'latest' negotiate.
            if wanted and wanted not in ('2', '2.0', '2.latest', 'latest'):
                self._microversion = wanted
            else:
                self._microversion = self.negotiate()
            self.adapter.default_microversion = self._microversion
        return self._microversion

    def supports(self, version):
        return version_tuple(self.microversion) >= version_tuple(version)

    def request(self, method, path, json=None, headers=None, **kwargs):
        if 'microversion' not in kwargs:
            kwargs['microversion'] = self.microversion
        return super().request(method, path, json=json, headers=headers,
                               **kwargs)

    @staticmethod
    def next_url(body, key):
        """Nova: the ``next`` link of ``<key>_links``."""
        for link in body.get(key + '_links') or []:
            if link.get('rel') == 'next':
                return link.get('href')
        return None


_VERSION_SUFFIX = re.compile(r'/v\d+(\.\d+)?/?$')


class ImageAPI(ServiceAPI):
    """Glance v2 on an unversioned catalog URL (or one ending in /v2)."""

    service_type = 'image'

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self._base = None

    def base_url(self):
        if self._base is None:
            self._base = _VERSION_SUFFIX.sub('', self.endpoint()).rstrip('/')
        return self._base

    def url(self, path):
        if urllib.parse.urlparse(path).netloc:
            return path
        return self.base_url() + '/' + path.lstrip('/')

    @staticmethod
    def next_url(body, key):
        """Glance: the body's ``next``."""
        return body.get('next')
