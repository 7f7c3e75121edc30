"""The swift store (python-swiftclient): one object per image in
[image_store] swift_container, named by the image id.

Images larger than swift_large_object_size, and uploads of unknown size
(chunked requests), are stored as a Static Large Object: segments of
swift_segment_size in ``<container>_segments`` under ``<image id>/NNNNN``,
then a manifest under the image id. Deleting with
``multipart-manifest=delete`` removes the manifest and its segments; a
failed upload deletes the segments it wrote. Locations are
``swift://<container>/<image id>``: credentials stay in the config.
"""

import hashlib
from urllib import parse

from oslo_log import log as logging
from oslo_serialization import jsonutils
from swiftclient import client as swift_client
from swiftclient import exceptions as swift_exc

from nube.image.stores import base
from nube.image.stores import streaming

LOG = logging.getLogger(__name__)


def _not_found(exc):
    return isinstance(exc, swift_exc.ClientException) and \
        exc.http_status == 404


class SwiftStore(base.Store):
    name = 'swift'
    schemes = ('swift',)

    def __init__(self, conf, connection_factory=None):
        super().__init__(conf)
        self.opts = conf.image_store
        self.container = self.opts.swift_container
        self.segment_container = self.container + '_segments'
        self._factory = connection_factory or swift_client.Connection
        self._auth = (None, None)
        self._containers_ready = False

    # -- connections -------------------------------------------------------

    def _connection(self, retries=None):
        """A Connection that reuses the last token (re-auths on 401)."""
        opts = self.opts
        os_options = {}
        if opts.swift_auth_version == '3':
            os_options = {
                'project_name': opts.swift_project_name,
                'user_domain_name': opts.swift_user_domain_name,
                'project_domain_name': opts.swift_project_domain_name,
                'region_name': opts.swift_region_name,
            }
        url, token = self._auth
        return self._factory(
            authurl=opts.swift_auth_address, user=opts.swift_user,
            key=opts.swift_key, auth_version=opts.swift_auth_version,
            os_options=os_options, preauthurl=url, preauthtoken=token,
            retries=opts.swift_retries if retries is None else retries,
            starting_backoff=0.2, max_backoff=2)

    def _remember(self, conn):
        url, token = getattr(conn, 'url', None), getattr(conn, 'token', None)
        if url and token:
            self._auth = (url, token)

    def _check_containers(self, conn):
        """HEAD (and create once, if allowed) the two containers. Also
        refreshes an expired token before a data PUT, which cannot retry."""
        containers = (self.container,) if self._containers_ready else (
            self.container, self.segment_container)
        for container in containers:
            try:
                conn.head_container(container)
            except swift_exc.ClientException as exc:
                if not _not_found(exc) or \
                        not self.opts.swift_create_container:
                    raise base.StoreError('swift container %s is not '
                                          'usable: %s' % (container, exc))
                conn.put_container(container)
        self._containers_ready = True

    # -- locations ---------------------------------------------------------

    def location_for(self, image_id):
        return 'swift://%s/%s' % (parse.quote(self.container, safe=''),
                                  base.check_image_id(image_id))

    def _object_of(self, location):
        parts = parse.urlsplit(location)
        container = parse.unquote(parts.netloc)
        name = parts.path.lstrip('/')
        if parts.scheme != 'swift' or not container:
            raise base.BadLocation('not a swift location')
        return container, base.check_image_id(name)

    # -- data --------------------------------------------------------------

    def _write(self, image_id, chunk_iter, size_hint):
        conn = self._connection()
        try:
            self._check_containers(conn)
        except swift_exc.ClientException as exc:
            raise base.StoreError('swift is not usable: %s' % exc)
        finally:
            self._remember(conn)
        reader = streaming.ChunkReader(chunk_iter)
        if size_hint is None or \
                size_hint > self.opts.swift_large_object_size:
            self._put_segmented(image_id, reader)
        else:
            # Never retried: a stream cannot be rewound.
            put = self._connection(retries=0)
            try:
                put.put_object(self.container, image_id, reader,
                               content_length=size_hint,
                               chunk_size=self.chunk_size,
                               content_type='application/octet-stream')
            except BaseException:
                self._delete_quietly(put, self.container, image_id)
                raise
            finally:
                self._remember(put)
        return self.location_for(image_id), {}

    @staticmethod
    def _delete_quietly(conn, container, name):
        try:
            conn.delete_object(container, name)
        except Exception as exc:
            if not _not_found(exc):
                LOG.warning('Could not delete swift object %s/%s: %s',
                            container, name, exc)

    def _segment_name(self, image_id, index):
        return '%s/%05d' % (image_id, index)

    def _put_segmented(self, image_id, reader):
        """Segments as they stream in, then the SLO manifest."""
        segments = []
        put = self._connection(retries=0)
        try:
            while not reader.at_end() or not segments:
                name = self._segment_name(image_id, len(segments) + 1)
                reader.reset_limit(self.opts.swift_segment_size)
                digest = hashlib.md5(usedforsecurity=False)

                def counted(reader=reader, digest=digest):
                    for data in reader:
                        digest.update(data)
                        yield data
                source = streaming.ChunkReader(counted())
                etag = put.put_object(
                    self.segment_container, name, source,
                    chunk_size=self.chunk_size,
                    content_type='application/octet-stream')
                segments.append({
                    'path': '/%s/%s' % (self.segment_container, name),
                    'etag': etag, 'size_bytes': reader.sent})
                if etag and etag != digest.hexdigest():
                    raise base.StoreError('swift stored segment %s with a '
                                          'different md5' % name)
                if reader.sent == 0:
                    break   # an empty image: one empty segment
            if len(segments) == 1 and segments[0]['size_bytes'] == 0:
                self._delete_segments(put, segments)
                put.put_object(self.container, image_id, b'',
                               content_type='application/octet-stream')
                return
            put.put_object(
                self.container, image_id, jsonutils.dumps(segments),
                query_string='multipart-manifest=put',
                content_type='application/octet-stream')
        except BaseException:
            self._delete_segments(put, segments, also_current=image_id)
            raise
        finally:
            self._remember(put)

    def _delete_segments(self, conn, segments, also_current=None):
        names = [s['path'].split('/', 2)[2] for s in segments]
        if also_current is not None:
            # The segment being written when it failed, if Swift kept it.
            names.append(self._segment_name(also_current, len(segments) + 1))
        for name in names:
            self._delete_quietly(conn, self.segment_container, name)

    def get(self, location):
        container, name = self._object_of(location)
        conn = self._connection()
        try:
            headers, body = conn.get_object(container, name,
                                            resp_chunk_size=self.chunk_size)
        except swift_exc.ClientException as exc:
            if _not_found(exc):
                raise base.StoreNotFound('no data at %s' % location)
            raise base.StoreError('swift download failed: %s' % exc)
        finally:
            self._remember(conn)
        size = headers.get('content-length')
        return body, int(size) if size is not None else None

    def get_size(self, location):
        container, name = self._object_of(location)
        conn = self._connection()
        try:
            headers = conn.head_object(container, name)
        except swift_exc.ClientException as exc:
            if _not_found(exc):
                raise base.StoreNotFound('no data at %s' % location)
            raise base.StoreError('swift HEAD failed: %s' % exc)
        finally:
            self._remember(conn)
        return int(headers.get('content-length', 0))

    def delete(self, location):
        """Delete an object; a manifest takes its segments along.

        Swift answers 200 to ``multipart-manifest=delete`` even when it
        deleted nothing (the errors are in the body), so the object is
        looked at first and checked again after."""
        container, name = self._object_of(location)
        conn = self._connection()
        try:
            headers = conn.head_object(container, name)
            slo = headers.get('x-static-large-object', '').lower() == 'true'
            conn.delete_object(container, name, query_string=(
                'multipart-manifest=delete' if slo else None))
            try:
                conn.head_object(container, name)
            except swift_exc.ClientException as exc:
                if not _not_found(exc):
                    raise
            else:
                raise base.StoreError('swift did not delete %s' % location)
        except swift_exc.ClientException as exc:
            if _not_found(exc):
                raise base.StoreNotFound('no data at %s' % location)
            raise base.StoreError('swift delete failed: %s' % exc)
        finally:
            self._remember(conn)
