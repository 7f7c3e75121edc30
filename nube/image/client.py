"""Client of the image API (Glance v2 wire format) for nube's services.

The compute API reads image records to check a server create; computes
read them and download image data into their image cache. Requests go
through keystoneauth1 sessions, so connect retries, timeouts, request
logging and (later) real service credentials come from one place.

Without ``[glance] api_endpoint`` there is no image service: ``get``
answers a blank active image for any id (the guest gets an empty disk), so
nube-all and unit tests run without one.
"""

import hashlib
import os
import tempfile
import uuid as uuidlib

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from oslo_log import log as logging
import requests

from nube import exception
import nube.conf
from nube import service_auth

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# Keys of a Glance v2 image that are not custom properties; every other
# top-level key of the image document is a property (always a string).
BASE_KEYS = frozenset((
    'id', 'name', 'status', 'visibility', 'owner', 'size', 'virtual_size',
    'checksum', 'os_hash_algo', 'os_hash_value', 'disk_format',
    'container_format', 'min_ram', 'min_disk', 'protected', 'os_hidden',
    'tags', 'created_at', 'updated_at', 'self', 'file', 'schema',
    'direct_url', 'locations', 'stores'))


def enabled():
    """True when an image API is configured."""
    return bool(CONF.glance.api_endpoint)


def canonical_id(image_id):
    """The image id as a canonical UUID string; ImageNotFound otherwise.

    Image ids end up in URLs and in cache file names, so anything that is
    not a UUID is refused before it is used for either.
    """
    try:
        return str(uuidlib.UUID(str(image_id)))
    except (ValueError, TypeError, AttributeError):
        raise exception.ImageNotFound(image_id=image_id)


def auth_plugin(context):
    """The credentials of an image API request: the only place they are
    chosen. The caller's token when the context carries one (the image API
    then enforces what that user may see), with this service's own token
    as X-Service-Token when it has credentials (nube.service_auth:
    ``[service_auth]``, or ``[keystone_authtoken]`` in a keystone API).
    Without a user token: the service credentials, else (noauth2)
    ``[glance] service_token``.
    """
    return service_auth.for_user(context, CONF.glance.api_endpoint,
                                 noauth_token=CONF.glance.service_token)


def blank_image(image_id):
    """What ``get`` answers when no image service is configured."""
    return {'id': image_id, 'status': 'active', 'min_ram': 0, 'min_disk': 0,
            'disk_format': None, 'container_format': 'bare', 'size': None,
            'properties': {}}


def from_glance(doc):
    """Glance's flat image document -> base keys + ``properties`` dict."""
    image = {k: v for k, v in doc.items() if k in BASE_KEYS}
    image['properties'] = {k: v for k, v in doc.items()
                           if k not in BASE_KEYS}
    for key in ('min_ram', 'min_disk'):
        image[key] = int(image.get(key) or 0)
    return image


class _Hashes:
    """md5, the image's os_hash_algo (sha512 by default) and the size."""

    def __init__(self, algo):
        self.algo = (algo or 'sha512').lower()
        self.md5 = hashlib.md5(usedforsecurity=False)
        try:
            self.multihash = hashlib.new(self.algo)
        except (ValueError, TypeError):
            LOG.warning('Unknown os_hash_algo %r; checking md5 only', algo)
            self.multihash = None
        self.size = 0

    def update(self, chunk):
        self.md5.update(chunk)
        if self.multihash is not None:
            self.multihash.update(chunk)
        self.size += len(chunk)

    def problems(self, image, content_md5=None):
        """What does not match the image record (empty list: all good)."""
        found = []
        md5 = self.md5.hexdigest()
        expected = image.get('os_hash_value')
        if expected and self.multihash is not None and \
                self.multihash.hexdigest() != expected.lower():
            found.append('%s mismatch' % self.algo)
        if image.get('checksum') and md5 != image['checksum'].lower():
            found.append('md5 checksum mismatch')
        if content_md5 and len(content_md5) == 32 and \
                md5 != content_md5.lower():
            found.append('Content-MD5 mismatch')
        if image.get('size') is not None and self.size != image['size']:
            found.append('size %d, expected %s' % (self.size, image['size']))
        return found


class API:
    """Reads image records and downloads image data."""

    def __init__(self):
        # One connection pool for every session of this client.
        self._http = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=32)
        self._http.mount('http://', adapter)
        self._http.mount('https://', adapter)

    def _session(self, context):
        return ks_session.Session(
            auth=auth_plugin(context), session=self._http,
            timeout=CONF.glance.timeout or None,
            connect_retries=CONF.glance.connect_retries,
            user_agent='nube')

    @staticmethod
    def _url(image_id, suffix=''):
        return '%s/v2/images/%s%s' % (CONF.glance.api_endpoint.rstrip('/'),
                                      image_id, suffix)

    def _request(self, context, image_id, suffix='', **kwargs):
        """GET an image URL; errors as nube exceptions."""
        try:
            return self._session(context).get(
                self._url(image_id, suffix), **kwargs)
        except ks_exc.NotFound:
            raise exception.ImageNotFound(image_id=image_id)
        except ks_exc.HttpError as e:
            raise exception.ImageServiceError(
                reason='GET image %s%s answered %s: %s' % (
                    image_id, suffix, e.http_status, e.message))
        except ks_exc.ClientException as e:
            raise exception.ImageServiceError(
                reason='image API at %s unreachable: %s' % (
                    CONF.glance.api_endpoint, e))

    def get(self, context, image_id):
        """The image record: Glance base keys plus ``properties``.

        ImageNotFound when it does not exist or the caller may not see it.
        """
        if not enabled():
            return blank_image(image_id)
        image_id = canonical_id(image_id)
        resp = self._request(context, image_id)
        try:
            doc = resp.json()
        except ValueError:
            raise exception.ImageServiceError(
                reason='image %s: answer is not JSON' % image_id)
        if not isinstance(doc, dict) or doc.get('id') != image_id:
            raise exception.ImageServiceError(
                reason='image %s: unexpected answer' % image_id)
        return from_glance(doc)

    def download(self, context, image_id, dest_path, image=None):
        """Stream the image data into dest_path, checking its hashes.

        The data goes to a temporary file in dest_path's directory; only
        when size, md5 ``checksum`` and ``os_hash_value`` match the image
        record is it renamed to dest_path (so dest_path is complete or
        absent). dest_path must be built by the caller from a validated id.
        A connection lost mid-stream is retried like a failed connect.
        """
        if not enabled():
            raise exception.ImageServiceError(
                reason='no image API configured ([glance] api_endpoint)')
        image_id = canonical_id(image_id)
        if image is None:
            image = self.get(context, image_id)
        attempts = CONF.glance.connect_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._download_once(context, image_id, dest_path,
                                           image)
            except (requests.exceptions.RequestException,
                    ConnectionError) as e:
                if attempt == attempts:
                    raise exception.ImageDownloadFailed(
                        image_id=image_id, reason=str(e))
                LOG.warning('Download of image %s broke off (%s); retry '
                            '%d of %d', image_id, e, attempt, attempts - 1)

    def _download_once(self, context, image_id, dest_path, image):
        resp = self._request(context, image_id, '/file', stream=True)
        try:
            if resp.status_code == 204:
                raise exception.ImageDownloadFailed(
                    image_id=image_id, reason='the image has no data')
            return self._write(resp, image_id, dest_path, image)
        finally:
            resp.close()

    @staticmethod
    def _write(resp, image_id, dest_path, image):
        directory = os.path.dirname(os.path.abspath(dest_path))
        fd, tmp_path = tempfile.mkstemp(
            dir=directory, prefix='.%s.' % os.path.basename(dest_path),
            suffix='.part')
        hashes = _Hashes(image.get('os_hash_algo'))
        try:
            with os.fdopen(fd, 'wb') as f:
                for chunk in resp.iter_content(
                        CONF.glance.download_chunk_size):
                    hashes.update(chunk)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            problems = hashes.problems(image,
                                       resp.headers.get('Content-MD5'))
            if problems:
                raise exception.ImageDownloadFailed(
                    image_id=image_id, reason='; '.join(problems))
            # Bases are shared read-only by every guest of the host.
            os.chmod(tmp_path, 0o644)
            os.rename(tmp_path, dest_path)
        except BaseException:
            try:
                os.unlink(tmp_path)
            except FileNotFoundError:
                pass
            raise
        LOG.info('Downloaded image %s (%d bytes) to %s', image_id,
                 hashes.size, dest_path)
        return {'size': hashes.size, 'checksum': hashes.md5.hexdigest()}
