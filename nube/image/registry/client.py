"""The image API's client of the registry (the only way it sees metadata).

Each call names the caller in headers so the registry applies visibility
rules for them. Registry errors come back as nube exceptions with the
registry's message: NotFound, Conflict, Forbidden, Invalid. With service
credentials (nube.service_auth) each call carries the image API's own
token, through a keystoneauth1 session.
"""

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from oslo_log import log as logging
from oslo_serialization import jsonutils
import requests
from requests import adapters

from nube import exception
import nube.conf
from nube import service_auth

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# Who the caller is, as the registry reads it (it trusts these).
HEADER_USER = 'X-Nube-User-Id'
HEADER_PROJECT = 'X-Nube-Project-Id'
HEADER_ADMIN = 'X-Nube-Is-Admin'
HEADER_ROLES = 'X-Nube-Roles'
HEADER_REQUEST_ID = 'X-OpenStack-Request-ID'

class RegistryUnavailable(exception.NubeException):
    msg_fmt = 'The image registry is unavailable.'
    code = 503


_ERRORS = {400: exception.Invalid, 403: exception.Forbidden,
           404: exception.NotFound, 409: exception.Conflict}


class RegistryClient:
    def __init__(self, url=None, timeout=None, session=None):
        self.url = (url or CONF.image_registry.url).rstrip('/')
        self.timeout = timeout or CONF.image_registry.timeout
        if session is None:
            session = requests.Session()
            adapter = adapters.HTTPAdapter(pool_connections=4,
                                           pool_maxsize=100)
            session.mount('http://', adapter)
            session.mount('https://', adapter)
        self.session = session
        self._ks_session = None

    def _send(self, method, url, **kwargs):
        """Over keystoneauth with the service's token, else plainly."""
        auth = service_auth.get_auth()
        if auth is None:
            return self.session.request(method, url, **kwargs)
        if self._ks_session is None or self._ks_session.auth is not auth:
            self._ks_session = ks_session.Session(auth=auth,
                                                  session=self.session)
        return self._ks_session.request(url, method, raise_exc=False,
                                        **kwargs)

    @staticmethod
    def _headers(ctxt):
        headers = {'Content-Type': 'application/json'}
        if ctxt is None:
            return headers
        # HTTP strips the whitespace around a header value (requests
        # refuses to send it): a noauth token "user: project" names
        # project "project" here as anywhere.
        headers[HEADER_USER] = (ctxt.user_id or '').strip()
        headers[HEADER_PROJECT] = (ctxt.project_id or '').strip()
        headers[HEADER_ADMIN] = str(bool(ctxt.is_admin))
        headers[HEADER_ROLES] = ','.join(ctxt.roles or []).strip()
        request_id = ctxt.global_request_id or ctxt.request_id
        if request_id:
            headers[HEADER_REQUEST_ID] = request_id
        return headers

    def _call(self, method, path, ctxt=None, body=None, params=None,
              key=None):
        """The registry's answer (its ``key`` member when given).

        Its 4xx become nube exceptions with its message; anything else
        wrong (unreachable, 5xx, an answer without ``key``) is
        RegistryUnavailable (503).
        """
        data = None if body is None else jsonutils.dump_as_bytes(body)
        try:
            resp = self._send(
                method, self.url + path, data=data, params=params,
                headers=self._headers(ctxt), timeout=self.timeout)
        except (requests.RequestException, ks_exc.ClientException) as exc:
            LOG.error('Image registry at %s unreachable: %s', self.url, exc)
            raise RegistryUnavailable()
        if resp.status_code == 204:
            return None
        try:
            payload = resp.json()
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        if resp.status_code >= 400:
            error = payload.get('error')
            message = (error.get('message') if isinstance(error, dict)
                       else None) or resp.reason
            cls = _ERRORS.get(resp.status_code)
            if cls is None and resp.status_code < 500:
                cls = exception.Invalid
            if cls is None:
                LOG.error('Image registry answered %s: %s',
                          resp.status_code, message)
                raise RegistryUnavailable('The image registry failed: %s'
                                          % message)
            raise cls(message)
        if key is None:
            return payload
        if key not in payload:
            LOG.error('Image registry answered %s %s without %r', method,
                      path, key)
            raise RegistryUnavailable()
        return payload[key]

    @staticmethod
    def _quote(value):
        """One path segment; '.' and '..' encoded, or the HTTP client
        would resolve them into another resource's path."""
        from urllib import parse
        if value in ('.', '..'):
            return value.replace('.', '%2E')
        return parse.quote(value, safe='')

    # -- images ------------------------------------------------------------

    def image_get(self, ctxt, image_id):
        return self._call('GET', '/images/%s' % self._quote(image_id),
                          ctxt, key='image')

    def image_get_all(self, ctxt, filters=None, marker=None, limit=None,
                      sort_keys=None, sort_dirs=None,
                      member_status='accepted'):
        params = [('member_status', member_status)]
        if filters:
            params.append(('filters', jsonutils.dumps(filters)))
        if marker:
            params.append(('marker', marker))
        if limit is not None:
            params.append(('limit', str(limit)))
        params += [('sort_key', k) for k in sort_keys or []]
        params += [('sort_dir', d) for d in sort_dirs or []]
        return self._call('GET', '/images', ctxt, params=params, key='images')

    def image_create(self, ctxt, values, properties=None, tags=None,
                     locations=None):
        return self._call('POST', '/images', ctxt, body={
            'image': values, 'properties': properties or {},
            'tags': tags or [], 'locations': locations or []}, key='image')

    def image_update(self, ctxt, image_id, values=None, properties=None,
                     remove_properties=None, locations=None,
                     expect_status=None):
        body = {'values': values or {}, 'properties': properties or {},
                'remove_properties': remove_properties or [],
                'expect_status': expect_status}
        if locations is not None:
            body['locations'] = locations
        return self._call('PUT', '/images/%s' % self._quote(image_id), ctxt,
                          body=body, key='image')

    def image_destroy(self, ctxt, image_id):
        return self._call('DELETE', '/images/%s' % self._quote(image_id),
                          ctxt, key='image')

    def image_tag_add(self, ctxt, image_id, tag):
        self._call('PUT', '/images/%s/tags/%s' % (
            self._quote(image_id), self._quote(tag)), ctxt)

    def image_tag_delete(self, ctxt, image_id, tag):
        self._call('DELETE', '/images/%s/tags/%s' % (
            self._quote(image_id), self._quote(tag)), ctxt)

    # -- members -----------------------------------------------------------

    def member_get_all(self, ctxt, image_id):
        return self._call('GET', '/images/%s/members' % self._quote(
            image_id), ctxt, key='members')

    def member_get(self, ctxt, image_id, member):
        return self._call('GET', '/images/%s/members/%s' % (
            self._quote(image_id), self._quote(member)), ctxt, key='member')

    def member_create(self, ctxt, image_id, member):
        return self._call('POST', '/images/%s/members' % self._quote(
            image_id), ctxt, body={'member': member}, key='member')

    def member_update(self, ctxt, image_id, member, status):
        return self._call('PUT', '/images/%s/members/%s' % (
            self._quote(image_id), self._quote(member)), ctxt,
            body={'status': status}, key='member')

    def member_delete(self, ctxt, image_id, member):
        self._call('DELETE', '/images/%s/members/%s' % (
            self._quote(image_id), self._quote(member)), ctxt)
