"""nube.wsgi: the eventlet server wrapper and the body size guard."""

import io
import socket

import eventlet
import pytest
import webob
import webob.dec

from nube import wsgi


@webob.dec.wsgify
def echo_app(req):
    return webob.Response(body=b'got %d bytes' % len(req.body))


def _http(port, request):
    sock = eventlet.connect(('127.0.0.1', port))
    sock.settimeout(10)
    try:
        sock.sendall(request)
        data = b''
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        sock.close()


def test_server_serves_and_stops():
    server = wsgi.Server('test', echo_app, host='127.0.0.1', port=0,
                         pool_size=4)
    server.start()
    try:
        assert server.port > 0
        listener = server._socket
        assert listener.getsockopt(socket.SOL_SOCKET,
                                   socket.SO_REUSEADDR) != 0
        reply = _http(server.port,
                      b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n'
                      b'Connection: close\r\n\r\nabc')
        assert reply.startswith(b'HTTP/1.1 200')
        assert reply.endswith(b'got 3 bytes')
    finally:
        server.stop()
        server.wait()
    with pytest.raises(OSError):
        _http(server.port, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')


def test_server_never_sends_tracebacks():
    def broken(environ, start_response):
        raise RuntimeError('do not show me')

    server = wsgi.Server('test', broken, host='127.0.0.1', port=0)
    server.start()
    try:
        reply = _http(server.port, b'GET / HTTP/1.1\r\nHost: x\r\n'
                                   b'Connection: close\r\n\r\n')
        assert reply.startswith(b'HTTP/1.1 500')
        assert b'do not show me' not in reply
    finally:
        server.stop()
        server.wait()


def test_limiting_reader_refuses_past_the_limit():
    reader = wsgi.LimitingReader(io.BytesIO(b'x' * 10), 5)
    assert reader.read(5) == b'xxxxx'
    with pytest.raises(webob.exc.HTTPRequestEntityTooLarge):
        reader.read(5)


def test_body_limit_on_declared_length():
    app = wsgi.BodySizeLimit(echo_app, 4)
    req = webob.Request.blank('/', method='POST', body=b'12345')
    assert req.get_response(app).status_int == 413
    req = webob.Request.blank('/', method='POST', body=b'1234')
    assert req.get_response(app).body == b'got 4 bytes'


def test_body_limit_on_chunked_body():
    app = wsgi.BodySizeLimit(echo_app, 4)
    req = webob.Request.blank('/', method='POST')
    req.environ['wsgi.input'] = io.BytesIO(b'123456789')
    # What eventlet.wsgi says for a chunked body.
    req.environ['wsgi.input_terminated'] = True
    req.environ.pop('CONTENT_LENGTH', None)
    # The reader raises; echo_app's wsgify turns that into the 413.
    assert req.get_response(app).status_int == 413


def test_chunked_body_over_the_limit_through_the_server():
    server = wsgi.Server('test', wsgi.BodySizeLimit(echo_app, 8),
                         host='127.0.0.1', port=0)
    server.start()
    try:
        head = (b'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'
                b'Transfer-Encoding: chunked\r\n\r\n')
        small = _http(server.port, head + b'4\r\nabcd\r\n0\r\n\r\n')
        assert small.startswith(b'HTTP/1.1 200')
        assert small.endswith(b'got 4 bytes')
        big = _http(server.port,
                    head + b'10\r\n' + b'x' * 16 + b'\r\n0\r\n\r\n')
        assert big.startswith(b'HTTP/1.1 413')
    finally:
        server.stop()
        server.wait()
