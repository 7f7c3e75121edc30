"""A small eventlet.wsgi server, and a guard against oversized bodies.

Every HTTP service of nube (compute API, image API, identity) runs its WSGI
application in a ``Server``: one listening socket, a green pool of request
handlers, access lines logged through oslo.log.
"""

import socket

import eventlet
import eventlet.wsgi
import greenlet
from oslo_log import log as logging
import webob.exc

LOG = logging.getLogger(__name__)


class _LogWriter:
    """eventlet.wsgi writes access lines to a file; send them to a logger."""

    def __init__(self, logger, level=logging.INFO):
        self._logger = logger
        self._level = level

    def write(self, message):
        message = message.rstrip()
        if message:
            self._logger.log(self._level, message)


def _mark_chunked_input(app):
    """eventlet decodes chunked bodies but does not say the input ends
    (PEP 3333's wsgi.input_terminated); without it webob reads nothing.
    """
    def wrapper(environ, start_response):
        if 'chunked' in environ.get('HTTP_TRANSFER_ENCODING', '').lower():
            environ['wsgi.input_terminated'] = True
        return app(environ, start_response)
    return wrapper


class Server:
    """Serve one WSGI application on host:port with green threads.

    ``port=0`` asks the kernel for a free port; ``self.port`` tells which.
    """

    def __init__(self, name, app, host='0.0.0.0', port=0, pool_size=1000,
                 backlog=128, keepalive=True, socket_timeout=None):
        self.name = name
        self.app = app
        self.host = host
        self.port = port
        self.pool_size = pool_size
        self._backlog = backlog
        self._keepalive = keepalive
        self._socket_timeout = socket_timeout
        self._pool = None
        self._socket = None
        self._thread = None

    def _listen(self):
        info = socket.getaddrinfo(self.host, self.port, socket.AF_UNSPEC,
                                  socket.SOCK_STREAM)[0]
        family, address = info[0], info[4]
        sock = eventlet.listen(address, family=family,
                               backlog=self._backlog, reuse_addr=True)
        # eventlet sets it already; say so explicitly, restarts depend on it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        return sock

    def start(self):
        self._socket = self._listen()
        self.host, self.port = self._socket.getsockname()[:2]
        self._pool = eventlet.GreenPool(self.pool_size)
        self._thread = eventlet.spawn(self._run)
        LOG.info('%s listening on %s:%s', self.name, self.host, self.port)

    def _run(self):
        eventlet.wsgi.server(
            self._socket, _mark_chunked_input(self.app),
            custom_pool=self._pool,
            log=_LogWriter(LOG),
            keepalive=self._keepalive,
            socket_timeout=self._socket_timeout,
            # Never send a traceback to a client.
            debug=False)

    def stop(self):
        """Stop accepting connections; requests in flight are abandoned."""
        LOG.info('Stopping %s', self.name)
        if self._thread is not None:
            self._thread.kill()
        if self._socket is not None:
            try:
                self._socket.close()
            except OSError:
                pass

    def wait(self):
        """Block until the server stops, then let running requests end."""
        if self._thread is None:
            return
        try:
            self._thread.wait()
        except greenlet.GreenletExit:
            pass
        if self._pool is not None:
            self._pool.waitall()


class RequestTooLarge(webob.exc.HTTPRequestEntityTooLarge):
    explanation = 'Request is too large.'


class LimitingReader:
    """File-like wrapper that refuses to read more than ``limit`` bytes."""

    def __init__(self, data, limit):
        self.data = data
        self.limit = limit
        self.bytes_read = 0

    def _count(self, chunk):
        self.bytes_read += len(chunk)
        if self.bytes_read > self.limit:
            raise RequestTooLarge()
        return chunk

    def read(self, size=-1):
        if size is None or size < 0:
            return self._count(self.data.read())
        return self._count(self.data.read(size))

    def readline(self, size=-1):
        return self._count(self.data.readline(size))

    def __iter__(self):
        for chunk in self.data:
            yield self._count(chunk)


class BodySizeLimit:
    """Refuse request bodies over ``max_size`` bytes with 413.

    A declared Content-Length over the limit is refused at once; a chunked
    body is counted while the application reads it. ``max_size`` may be
    a callable (read per request, so config changes apply).
    ``error_response(status, message)`` builds the 413 (default: webob's).
    """

    def __init__(self, application, max_size, error_response=None):
        self.application = application
        self.max_size = max_size
        self.error_response = error_response

    def __call__(self, environ, start_response):
        max_size = self.max_size() if callable(self.max_size) \
            else self.max_size
        length = environ.get('CONTENT_LENGTH')
        if length:
            try:
                too_large = int(length) > max_size
            except ValueError:
                too_large = False
            if too_large:
                if self.error_response is not None:
                    response = self.error_response(
                        413, RequestTooLarge.explanation)
                else:
                    response = RequestTooLarge()
                return response(environ, start_response)
        elif 'wsgi.input' in environ:
            environ['wsgi.input'] = LimitingReader(environ['wsgi.input'],
                                                   max_size)
        return self.application(environ, start_response)
