"""The file store: one file per image in [image_store]
filesystem_store_datadir, named by the image id and nothing else.

Data goes to a hidden temporary file in the same directory and is renamed
into place only when complete, so a reader never sees half an image and a
failed upload leaves nothing under the image's name.
"""

import io
import os
import tempfile
from urllib import parse

from oslo_log import log as logging

from nube.image.stores import base

LOG = logging.getLogger(__name__)


class _FileBody:
    """Chunks of an open file; close() releases it (the WSGI server calls
    it when the client goes away mid-download)."""

    def __init__(self, handle, chunk_size):
        self._handle = handle
        self._chunk_size = chunk_size

    def __iter__(self):
        try:
            while True:
                chunk = self._handle.read(self._chunk_size)
                if not chunk:
                    return
                yield chunk
        finally:
            self.close()

    def close(self):
        self._handle.close()


def _blocking(fn, *args):
    """Run a slow syscall (fsync) off the eventlet hub when there is one."""
    try:
        from eventlet import patcher
        from eventlet import tpool
    except ImportError:
        return fn(*args)
    if patcher.is_monkey_patched('thread'):
        return tpool.execute(fn, *args)
    return fn(*args)


class FileStore(base.Store):
    name = 'file'
    schemes = ('file',)

    @property
    def datadir(self):
        return os.path.abspath(self.conf.image_store.filesystem_store_datadir)

    def _path_for(self, image_id):
        return os.path.join(self.datadir, base.check_image_id(image_id))

    def _path_of(self, location):
        """The file a location names, if it is one of ours.

        Only file:///<datadir>/<uuid> passes: a location is never trusted
        to point anywhere else (no traversal, no symlinks out).
        """
        parts = parse.urlsplit(location)
        if parts.scheme != 'file' or parts.netloc not in ('', 'localhost'):
            raise base.BadLocation('not a file store location')
        path = parse.unquote(parts.path)
        directory, name = os.path.split(path)
        if os.path.abspath(directory) != self.datadir:
            raise base.BadLocation('location outside the file store')
        expected = self._path_for(name)
        real_dir = os.path.realpath(self.datadir)
        if os.path.dirname(os.path.realpath(expected)) != real_dir:
            raise base.BadLocation('location outside the file store')
        return expected

    def location_for(self, image_id):
        return 'file://' + parse.quote(self._path_for(image_id))

    def _write(self, image_id, chunk_iter, size_hint):
        final = self._path_for(image_id)
        os.makedirs(self.datadir, exist_ok=True)
        if os.path.exists(final):
            raise base.StoreDuplicate('image %s already has data' % image_id)
        fd, temp = tempfile.mkstemp(prefix='.%s.' % image_id, suffix='.part',
                                    dir=self.datadir)
        try:
            # io.FileIO, not os.fdopen: under eventlet the latter is a
            # green file that polls and stats on every write.
            with io.FileIO(fd, 'wb') as handle:
                for chunk in chunk_iter:
                    view = memoryview(chunk)
                    while view:
                        written = handle.write(view)
                        view = view[written:]
                if self.conf.image_store.filesystem_store_fsync:
                    _blocking(os.fsync, handle.fileno())
            os.rename(temp, final)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
        return self.location_for(image_id), {}

    def get(self, location):
        path = self._path_of(location)
        try:
            handle = open(path, 'rb')
        except FileNotFoundError:
            raise base.StoreNotFound('no data at %s' % location)
        size = os.fstat(handle.fileno()).st_size
        return _FileBody(handle, self.chunk_size), size

    def get_size(self, location):
        try:
            return os.path.getsize(self._path_of(location))
        except FileNotFoundError:
            raise base.StoreNotFound('no data at %s' % location)

    def delete(self, location):
        path = self._path_of(location)
        try:
            os.unlink(path)
        except FileNotFoundError:
            raise base.StoreNotFound('no data at %s' % location)
