"""Images (Glance v2): records, streaming upload and verified download.

Data never has to fit in memory: uploads stream from a path, a file
object or an iterator of bytes (a known size goes out as Content-Length,
an unknown one as chunked transfer), downloads stream to a path or file
object while hashing, and the hash is checked against the image's
``os_hash_value`` (sha512 by default) or its md5 ``checksum``.
"""

import hashlib
import json
import os
import tempfile

from oslo_utils import uuidutils

from nube.client import base
from nube.client import exceptions

CHUNK_SIZE = 64 * 1024
PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
# Record fields that are not properties a PATCH may touch.
READ_ONLY = frozenset((
    'id', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size',
    'virtual_size', 'created_at', 'updated_at', 'file', 'self', 'schema',
    'direct_url', 'locations', 'owner_specified.openstack.md5'))


class _Progress:
    """Counts bytes and tells the callback (bytes_so_far, total_or_None)."""

    def __init__(self, total, callback):
        self.total = total
        self.done = 0
        self.callback = callback

    def add(self, count):
        self.done += count
        if self.callback is not None:
            self.callback(self.done, self.total)


class _SizedReader:
    """A file object of known size: requests sends it with Content-Length
    and reads it in blocks; every block reports progress."""

    def __init__(self, fileobj, size, progress):
        self.fileobj = fileobj
        self.size = size
        self.progress = progress

    def __len__(self):
        return self.size

    def read(self, amount=-1):
        chunk = self.fileobj.read(amount)
        if chunk:
            self.progress.add(len(chunk))
        return chunk

    def __iter__(self):
        while True:
            chunk = self.read(CHUNK_SIZE)
            if not chunk:
                return
            yield chunk


def _chunks(source, progress):
    """Bytes chunks of an iterator or a file object, counted."""
    if hasattr(source, 'read'):
        def blocks():
            while True:
                block = source.read(CHUNK_SIZE)
                if not block:
                    return
                yield block
        source = blocks()
    for chunk in source:
        if isinstance(chunk, str):
            chunk = chunk.encode('utf-8')
        if chunk:
            progress.add(len(chunk))
            yield chunk


def _file_size(fileobj):
    try:
        position = fileobj.tell()
        size = os.fstat(fileobj.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None
    return max(size - position, 0)


class ImageManager(base.Manager):
    kind = 'image'

    @property
    def _api(self):
        return self.client.image

    def list(self, **filters):
        """Images matching ``filters`` (Glance's: name, status,
        visibility, owner, tag, ``id='in:a,b'``...), all pages."""
        return self._api.paginate('/v2/images', 'images',
                                  base.clean_filters(filters))

    def _get_by_id(self, image_id):
        return self._api.get_json('/v2/images/' + base.quote(image_id))

    def get(self, id_or_name):
        return self._find(id_or_name, self._get_by_id,
                          lambda name: self.list(name=name))

    def find_id(self, image):
        """An id without a call when it already looks like one."""
        if isinstance(image, dict):
            return image['id']
        if uuidutils.is_uuid_like(image):
            return image
        return self.get(image)['id']

    def create(self, name, disk_format='raw', container_format='bare',
               visibility=None, data=None, properties=None, callback=None,
               size=None, **fields):
        """POST /v2/images, then upload ``data`` when given.

        ``fields`` are record fields (min_disk, min_ram, tags, protected,
        os_hidden, id...), ``properties`` free-form string properties.
        The answer is the image record after the upload.
        """
        body = {'name': name, 'disk_format': disk_format,
                'container_format': container_format}
        if visibility is not None:
            body['visibility'] = visibility
        body.update({k: v for k, v in fields.items() if v is not None})
        body.update(properties or {})
        image = self._api.post('/v2/images', json=body).json()
        if data is None:
            return image
        try:
            self.upload(image['id'], data, size=size, callback=callback)
        except exceptions.ClientException:
            # An image stuck in queued helps nobody.
            try:
                self.delete(image['id'])
            except exceptions.ClientException:
                pass
            raise
        return self._get_by_id(image['id'])

    def upload(self, image, data, size=None, callback=None):
        """PUT /v2/images/ID/file, streaming.

        ``data``: a path, a file object or an iterator of bytes.
        ``callback(bytes_so_far, total_or_None)`` after every block.
        """
        image_id = self.find_id(image)
        headers = {'Content-Type': 'application/octet-stream'}
        if isinstance(data, (str, os.PathLike)):
            with open(data, 'rb') as f:
                return self._upload(image_id, f, size, callback, headers)
        return self._upload(image_id, data, size, callback, headers)

    def _upload(self, image_id, data, size, callback, headers):
        if isinstance(data, (bytes, bytearray)):
            data = [bytes(data)]
            size = len(data[0]) if size is None else size
        if size is None and hasattr(data, 'read'):
            size = _file_size(data)
        progress = _Progress(size, callback)
        if hasattr(data, 'read') and size is not None:
            body = _SizedReader(data, size, progress)
        else:
            # Chunked transfer; glanceclient's size hint when known.
            body = _chunks(data, progress)
            if size is not None:
                headers['x-openstack-image-size'] = str(size)
        # A consumed stream cannot be sent again: no retries.
        self._api.put('/v2/images/%s/file' % image_id, data=body,
                      headers=headers, connect_retries=0,
                      status_code_retries=0)

    def download(self, image, dest, callback=None, verify=True):
        """Stream the image's data to ``dest`` (a path or file object).

        Verifies ``os_hash_value`` (with ``os_hash_algo``), else the md5
        ``checksum``; ChecksumMismatch when they differ (a path is then
        removed; nothing is left half-written under the final name).
        Returns {'id', 'size', 'checksum', 'os_hash_algo',
        'os_hash_value', 'verified'} for what was received.
        """
        record = image
        if not isinstance(image, dict) or not (
                image.get('os_hash_value') or image.get('checksum')):
            record = self.get(image)
        image_id = record['id']
        response = self._api.get('/v2/images/%s/file' % image_id,
                                 stream=True,
                                 headers={'Accept': '*/*'})
        if isinstance(dest, (str, os.PathLike)):
            return self._download_to_path(record, response, dest, callback,
                                          verify)
        return self._receive(record, response, dest, callback, verify)

    def _download_to_path(self, record, response, path, callback, verify):
        path = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(path))
        fd, partial = tempfile.mkstemp(prefix='.nube-download-',
                                       dir=directory)
        try:
            with os.fdopen(fd, 'wb') as f:
                result = self._receive(record, response, f, callback,
                                       verify)
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
        return result

    def _receive(self, record, response, fileobj, callback, verify):
        if response.status_code == 204:
            raise exceptions.NotFound(
                'Image %s has no data' % record['id'], http_status=204,
                request_id=response.headers.get('x-openstack-request-id'))
        total = response.headers.get('Content-Length')
        progress = _Progress(int(total) if total else record.get('size'),
                             callback)
        algo = record.get('os_hash_algo') or 'sha512'
        try:
            multihash = hashlib.new(algo)
        except ValueError:
            multihash = None
        md5 = hashlib.md5(usedforsecurity=False)
        try:
            for chunk in response.iter_content(chunk_size=CHUNK_SIZE):
                if not chunk:
                    continue
                fileobj.write(chunk)
                md5.update(chunk)
                if multihash is not None:
                    multihash.update(chunk)
                progress.add(len(chunk))
        finally:
            response.close()
        result = {'id': record['id'], 'size': progress.done,
                  'checksum': md5.hexdigest(), 'os_hash_algo': algo,
                  'os_hash_value': multihash and multihash.hexdigest(),
                  'verified': None}
        if verify:
            result['verified'] = self._verify(record, response, result)
        return result

    def _verify(self, record, response, result):
        """Which hash matched; ChecksumMismatch when one does not."""
        expected = [('os_hash_value', record.get('os_hash_value'),
                     result['os_hash_value']),
                    ('checksum', record.get('checksum'),
                     result['checksum']),
                    ('Content-MD5', response.headers.get('Content-MD5'),
                     result['checksum'])]
        for name, wanted, got in expected:
            if not wanted or not got:
                continue
            if wanted.lower() != got.lower():
                raise exceptions.ChecksumMismatch(
                    'Image %s: downloaded data has %s %s, expected %s'
                    % (record['id'], name, got, wanted), details=result)
            return result['os_hash_algo'] if name == 'os_hash_value' \
                else 'md5'
        return None

    def update(self, image, remove_props=(), **props):
        """PATCH with json-patch: add/replace ``props`` (None removes)."""
        record = self.get(image)
        operations = []
        for key, value in props.items():
            path = '/' + key.replace('~', '~0').replace('/', '~1')
            if value is None:
                if key in record:
                    operations.append({'op': 'remove', 'path': path})
            else:
                operations.append({'op': 'replace' if key in record
                                   else 'add', 'path': path,
                                   'value': value})
        for key in remove_props:
            if key in record:
                operations.append({'op': 'remove', 'path': '/' + key})
        if not operations:
            return record
        return self._api.patch(
            '/v2/images/' + record['id'], data=json.dumps(operations),
            headers={'Content-Type': PATCH_TYPE}).json()

    def delete(self, image):
        self._api.delete('/v2/images/' + self.find_id(image))

    def deactivate(self, image):
        self._api.post('/v2/images/%s/actions/deactivate'
                       % self.find_id(image))

    def reactivate(self, image):
        self._api.post('/v2/images/%s/actions/reactivate'
                       % self.find_id(image))

    def add_tag(self, image, tag):
        self._api.put('/v2/images/%s/tags/%s' % (self.find_id(image),
                                                 base.quote(tag)))

    def remove_tag(self, image, tag):
        self._api.delete('/v2/images/%s/tags/%s' % (self.find_id(image),
                                                    base.quote(tag)))
