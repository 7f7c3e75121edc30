"""A STAND-IN for nube's image API in unit tests (not the real service).

It answers the two Glance v2 calls computes and the compute API make,
in Glance's wire format: ``GET /v2/images/{id}`` (the flat JSON image,
custom properties as top-level string keys) and ``GET
/v2/images/{id}/file`` (octet-stream with a hex Content-MD5, 204 without
data). noauth2 tokens (``user:project``) decide visibility the way Glance
does: a private image of another project is a 404. It serves on a real
loopback port from wsgiref in a thread, and records every request so
tests can count downloads.
"""

import contextlib
import hashlib
import json
import socketserver
import threading
import time
import uuid
from wsgiref import simple_server

import eventlet.patcher

import nube.conf
from nube import wsgi

CONF = nube.conf.CONF


def make_image(data=b'', image_id=None, status='active', owner='demo',
               visibility='public', disk_format='raw',
               container_format='bare', min_ram=0, min_disk=0, **props):
    """(image document, data) as the image API would store them."""
    doc = {
        'id': image_id or str(uuid.uuid4()), 'name': 'img', 'status': status,
        'visibility': visibility, 'owner': owner, 'protected': False,
        'os_hidden': False, 'tags': [], 'disk_format': disk_format,
        'container_format': container_format, 'min_ram': min_ram,
        'min_disk': min_disk, 'virtual_size': None,
        'created_at': '2024-01-01T00:00:00Z',
        'updated_at': '2024-01-01T00:00:00Z',
        'size': None, 'checksum': None, 'os_hash_algo': None,
        'os_hash_value': None,
    }
    if data is not None and status == 'active':
        doc.update(size=len(data),
                   checksum=hashlib.md5(data).hexdigest(),
                   os_hash_algo='sha512',
                   os_hash_value=hashlib.sha512(data).hexdigest())
    doc['self'] = '/v2/images/%s' % doc['id']
    doc['file'] = '/v2/images/%s/file' % doc['id']
    doc['schema'] = '/v2/schemas/image'
    doc.update({k: str(v) for k, v in props.items()})
    return doc, data


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


class StandInImageAPI:
    """Images in a dict; ``requests`` lists (method, path, token)."""

    chunk = 16384

    def __init__(self):
        self.images = {}
        self.requests = []
        self.corrupt = set()      # image ids served with altered data
        self.fail_status = None   # answer every request with this status
        self.chunk_delay = 0.0    # seconds between data chunks (slow link)
        self._lock = threading.Lock()
        self._server = None
        self._green = None
        self.port = None

    def add(self, data=b'', **kwargs):
        doc, data = make_image(data, **kwargs)
        self.images[doc['id']] = (doc, data)
        return doc

    def downloads(self, image_id):
        return sum(1 for method, path, _t in self.requests
                   if path == '/v2/images/%s/file' % image_id)

    # -- WSGI ----------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        token = environ.get('HTTP_X_AUTH_TOKEN', '')
        with self._lock:
            self.requests.append((environ['REQUEST_METHOD'], path, token))
        if self.fail_status:
            return self._json(start_response, self.fail_status,
                              {'message': 'broken on purpose'})
        parts = path.strip('/').split('/')
        if environ['REQUEST_METHOD'] != 'GET' or parts[:2] != ['v2',
                                                             'images'] \
                or len(parts) not in (3, 4) or \
                (len(parts) == 4 and parts[3] != 'file'):
            return self._json(start_response, 404, {'message': 'no route'})
        entry = self.images.get(parts[2])
        if entry is None or not self._visible(entry[0], token):
            return self._json(start_response, 404,
                              {'message': 'No image found with ID %s'
                                          % parts[2]})
        doc, data = entry
        if len(parts) == 3:
            return self._json(start_response, 200, doc)
        return self._data(start_response, doc, data)

    @staticmethod
    def _visible(doc, token):
        user, _sep, project = token.partition(':')
        project = project or user
        return doc['visibility'] != 'private' or user == 'admin' or \
            doc['owner'] == project

    @staticmethod
    def _json(start_response, status, body):
        payload = json.dumps(body).encode()
        start_response('%d X' % status, [
            ('Content-Type', 'application/json'),
            ('Content-Length', str(len(payload)))])
        return [payload]

    def _data(self, start_response, doc, data):
        if data is None:
            start_response('204 No Content', [])
            return []
        if doc['id'] in self.corrupt:
            data = data[:-1] + bytes([data[-1] ^ 0xff]) if data else b'x'
        start_response('200 OK', [
            ('Content-Type', 'application/octet-stream'),
            ('Content-Length', str(len(data))),
            ('Content-MD5', doc['checksum'] or '')])
        return self._chunks(data)

    def _chunks(self, data):
        for start in range(0, len(data), self.chunk):
            if self.chunk_delay:
                time.sleep(self.chunk_delay)
            yield data[start:start + self.chunk]

    # -- serving -------------------------------------------------------------

    def start(self):
        """Serve on a free loopback port.

        Green (nube.wsgi.Server) when eventlet has patched sockets, as it
        has when nube.cmd was imported by other tests; else wsgiref in a
        thread (a wsgiref loop would block the eventlet hub).
        """
        if eventlet.patcher.is_monkey_patched('socket'):
            self._green = wsgi.Server('stand-in image API', self,
                                      host='127.0.0.1', port=0)
            self._green.start()
            self.port = self._green.port
            return self
        self._server = simple_server.make_server(
            '127.0.0.1', 0, self, server_class=_Server,
            handler_class=_QuietHandler)
        self.port = self._server.server_address[1]
        thread = threading.Thread(target=self._server.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True)
        thread.start()
        return self

    @property
    def endpoint(self):
        return 'http://127.0.0.1:%d' % self.port

    def stop(self):
        if self._green is not None:
            self._green.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

@contextlib.contextmanager
def serving():
    """A running stand-in, set as ``[glance] api_endpoint`` meanwhile."""
    api = StandInImageAPI().start()
    CONF.set_override('api_endpoint', api.endpoint, group='glance')
    try:
        yield api
    finally:
        CONF.clear_override('api_endpoint', group='glance')
        api.stop()
