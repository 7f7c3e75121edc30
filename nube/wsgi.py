"""A small eventlet.wsgi server, and a guard against oversized bodies.

Every HTTP service of nube (compute API, image API, identity) runs its WSGI
application in a ``Server``: one listening socket, a green pool of request
handlers, access lines logged through oslo.log.  Every error the server
itself answers (a request line too long, malformed headers, an
application that raised) carries a body in the service's own error shape,
built by the service's ``error_body(code, message)``.
"""

import errno
import http
import json
import socket
import sys

import eventlet
import eventlet.wsgi
import greenlet
from oslo_log import log as logging
import webob.exc

from nube import exception
from nube import safe_input
import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)



def _reason(code):
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return 'Error'


def plain_error_body(code, message):
    """The default shape: ``{"error": {"code": N, "message": M}}``."""
    body = json.dumps({'error': {'code': code, 'message': message}})
    return 'application/json', body.encode()


class PortInUse(exception.NubeException):
    msg_fmt = ('%(name)s cannot listen on %(host)s:%(port)s: the port is '
               'already in use (is another instance of the service '
               'running?)')


def _http_error(code, message, error_body, close=True):
    """A whole HTTP/1.1 error response as bytes."""
    content_type, body = error_body(code, message)
    head = ['HTTP/1.1 %d %s' % (code, _reason(code)),
            'Content-Type: %s' % content_type,
            'Content-Length: %d' % len(body)]
    if close:
        head.append('Connection: close')
    return ('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + body


def _canned_error(data):
    """(code, message) of one of eventlet's own body-less error answers.

    eventlet.wsgi writes its refusals of malformed requests (a request line
    over the URL limit, header lines too long, a bad Content-Length) as
    ready-made HTTP/1.0 responses with one ``write``; the application's
    responses go through ``writelines`` in the protocol's HTTP/1.1.
    """
    if not data.startswith(b'HTTP/1.0 4'):
        return None
    status_line, _, rest = data.partition(b'\r\n')
    try:
        code = int(status_line.split()[1])
    except (IndexError, ValueError):
        return None
    reason = status_line.split(None, 2)[2].decode('latin-1', 'replace') \
        if len(status_line.split(None, 2)) > 2 else 'Bad Request'
    body = rest.partition(b'\r\n\r\n')[2].decode('latin-1', 'replace')
    return code, (body.strip() or reason) + '.'


class _ShapedErrorWriter:
    """The connection's write side, turning eventlet's canned errors into
    responses in the service's shape; everything else passes through."""

    def __init__(self, wfile, error_body):
        self._wfile = wfile
        self._error_body = error_body

    def write(self, data):
        canned = _canned_error(bytes(data[:4096])) if data else None
        if canned is not None:
            data = _http_error(canned[0], canned[1], self._error_body)
        return self._wfile.write(data)

    def __getattr__(self, name):
        return getattr(self._wfile, name)


class _Protocol(eventlet.wsgi.HttpProtocol):
    """eventlet's HTTP protocol with every error in the service's shape."""

    error_body = staticmethod(plain_error_body)

    def setup(self):
        super().setup()
        self.wfile = _ShapedErrorWriter(self.wfile, self.error_body)

    def send_error(self, code, message=None, explain=None):
        # http.server's refusals (bad request line, bad version, too many
        # headers) would answer an HTML page.
        self.log_error('code %d, message %s', code, message)
        self.close_connection = True
        self.wfile.write(_http_error(
            code, '%s.' % (message or _reason(code)),
            self.error_body))

    def log_error(self, format, *args):
        LOG.info('%s: ' + format, self.address_string(), *args)


def _last_resort(app, error_body):
    """Answer a shaped 500 when the application itself raises.

    Each API's fault middleware catches what handlers raise; this catches
    what escapes the middleware, so the client never gets eventlet's empty
    ``text/plain`` 500.
    """
    def wrapper(environ, start_response):
        try:
            return app(environ, start_response)
        except Exception:
            LOG.exception('Unhandled error serving %s %s',
                          environ.get('REQUEST_METHOD'),
                          safe_input.printable_path(environ))
            content_type, body = error_body(
                500, 'The server could not answer the request.')
            # With exc_info, start_response re-raises when the headers
            # already went out: then nothing can mend the response.
            start_response('500 Internal Server Error',
                           [('Content-Type', content_type),
                            ('Content-Length', str(len(body)))],
                           sys.exc_info())
            return [body]
    return wrapper


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
                 backlog=128, keepalive=True, socket_timeout=None,
                 error_body=None, reuse_port=None):
        self.name = name
        self.app = app
        self.error_body = error_body or plain_error_body
        self.reuse_port = (CONF.wsgi_reuse_port if reuse_port is None
                           else reuse_port)
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
        # SO_REUSEADDR lets a restarted service bind while old connections
        # linger in TIME_WAIT.  SO_REUSEPORT (eventlet's default) would
        # also let a second process bind the same port silently and share
        # its connections, so it is on only when configured.
        try:
            sock = eventlet.listen(address, family=family,
                                   backlog=self._backlog, reuse_addr=True,
                                   reuse_port=bool(self.reuse_port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(name=self.name, host=address[0],
                                port=address[1])
            raise
        return sock

    def start(self):
        self._socket = self._listen()
        self.host, self.port = self._socket.getsockname()[:2]
        self._pool = eventlet.GreenPool(self.pool_size)
        self._thread = eventlet.spawn(self._run)
        LOG.info('%s listening on %s:%s', self.name, self.host, self.port)

    def _run(self):
        protocol = type('Protocol', (_Protocol,),
                        {'error_body': staticmethod(self.error_body)})
        eventlet.wsgi.server(
            self._socket,
            _last_resort(_mark_chunked_input(self.app), self.error_body),
            protocol=protocol,
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
