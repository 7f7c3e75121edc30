"""What every image store implements, and the errors stores raise.

A store keeps image data and knows nothing of image metadata:

  add(image_id, chunk_iter, size_hint=None) -> AddResult
      consume ``chunk_iter`` (bytes chunks) and keep the data under a name
      made from ``image_id`` only. The result carries the location URL,
      the size and the md5/sha512 of exactly the bytes kept, computed
      while the data streamed. On any error (including one raised by
      ``chunk_iter``: cut-off upload, size cap) nothing stays behind.
  get(location) -> (chunk iterator with close(), size or None)
  delete(location)
"""

import collections
import re

from nube.image.stores import streaming

UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                     r'[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')

AddResult = collections.namedtuple(
    'AddResult', ['location', 'size', 'checksum', 'os_hash_algo',
                  'os_hash_value', 'metadata'])


class StoreError(Exception):
    """The store failed; the message is safe to show to a user."""


class StoreNotFound(StoreError):
    """The location names no data (any more)."""


class StoreReadOnly(StoreError):
    """This store cannot take uploads."""


class StoreDuplicate(StoreError):
    """Data for this image id is already stored."""


class BadLocation(StoreError):
    """A location URL this store will not touch."""


def check_image_id(image_id):
    """Image ids become object and file names: only UUIDs do."""
    if not isinstance(image_id, str) or not UUID_RE.match(image_id):
        raise BadLocation('invalid image id %r' % (image_id,))
    return image_id


class Store:
    """Base class: ``add`` hashes and counts, subclasses only write."""

    name = None
    schemes = ()
    writable = True

    def __init__(self, conf):
        self.conf = conf
        self.chunk_size = conf.image_store.chunk_size

    def add(self, image_id, chunk_iter, size_hint=None):
        if not self.writable:
            raise StoreReadOnly('the %s store is read-only' % self.name)
        check_image_id(image_id)
        hashing = streaming.HashingIterator(chunk_iter)
        try:
            location, metadata = self._write(image_id, hashing, size_hint)
        finally:
            hashing.close()
        checksum, os_hash_value = hashing.hexdigests()
        return AddResult(location, hashing.size, checksum,
                         streaming.HASH_ALGO, os_hash_value, metadata or {})

    def _write(self, image_id, chunk_iter, size_hint):
        """Store every chunk; return (location, metadata)."""
        raise NotImplementedError

    def get(self, location):
        raise NotImplementedError

    def delete(self, location):
        raise NotImplementedError

    def get_size(self, location):
        """Size in bytes of the data at location (None if unknown)."""
        body, size = self.get(location)
        body.close()
        return size
