"""nube.wsgi: a port in use is an error, and the server's own refusals of
malformed requests come in the service's error shape."""

import json
import socket
import subprocess
import sys

import eventlet
import pytest
import webob
import webob.dec

from nube import wsgi


@webob.dec.wsgify
def ok_app(req):
    return webob.Response(body=b'ok')


def shaped(code, message):
    return 'application/json', json.dumps(
        {'shaped': {'code': code, 'message': message}}).encode()


def _http(port, request):
    sock = eventlet.connect(('127.0.0.1', port))
    sock.settimeout(10)
    try:
        sock.sendall(request)
        data = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        sock.close()


def _split(reply):
    head, _, body = reply.partition(b'\r\n\r\n')
    status = int(head.split(b'\r\n')[0].split()[1])
    headers = dict(line.split(b': ', 1) for line in head.split(b'\r\n')[1:])
    return status, headers, body


@pytest.fixture
def server():
    def broken(environ, start_response):
        if environ['PATH_INFO'] == '/boom':
            raise RuntimeError('do not show me')
        return ok_app(environ, start_response)

    srv = wsgi.Server('test', broken, host='127.0.0.1', port=0,
                      error_body=shaped)
    srv.start()
    yield srv
    srv.stop()
    srv.wait()


def test_second_server_on_the_same_port_fails_to_start(server):
    other = wsgi.Server('test-2', ok_app, host='127.0.0.1', port=server.port)
    with pytest.raises(wsgi.PortInUse) as caught:
        other.start()
    assert str(server.port) in caught.value.message
    assert 'already in use' in caught.value.message
    assert server._socket.getsockopt(socket.SOL_SOCKET,
                                     socket.SO_REUSEPORT) == 0


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_reuse_port_only_when_configured():
    first = wsgi.Server('a', ok_app, host='127.0.0.1', port=_free_port(),
                        reuse_port=True)
    first.start()
    try:
        second = wsgi.Server('b', ok_app, host='127.0.0.1', port=first.port,
                             reuse_port=True)
        second.start()
        second.stop()
        second.wait()
    finally:
        first.stop()
        first.wait()


def test_port_in_use_is_a_clear_start_up_error(server, tmp_path):
    """A service process started on a taken port exits non-zero with one
    line saying so, not a traceback and not a silent shared port."""
    conf = tmp_path / 'nube.conf'
    conf.write_text('[api]\nlisten = 127.0.0.1\nport = %d\n' % server.port)
    proc = subprocess.run(
        [sys.executable, '-c', 'import sys; from nube.cmd import api; '
         'sys.exit(api.main())', '--config-file', str(conf)],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert 'already in use' in proc.stderr
    assert 'Traceback' not in proc.stderr


@pytest.mark.parametrize('request_bytes, code', [
    # eventlet's own refusals: a request line past its URL limit, header
    # lines too long, a bad Content-Length, C-L with Transfer-Encoding.
    (b'GET /' + b'a' * 20000 + b' HTTP/1.1\r\nHost: x\r\n\r\n', 414),
    (b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'b' * 9000 + b'\r\n\r\n',
     400),
    (b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400),
    (b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n'
     b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400),
    # http.server's: a malformed request line, an unknown version.
    (b'GARBAGE\r\n\r\n', 400),
    (b'GET / HTTP/9.9\r\nHost: x\r\n\r\n', 505),
])
def test_server_refusals_come_in_the_service_shape(server, request_bytes,
                                                    code):
    status, headers, body = _split(_http(server.port, request_bytes))
    assert status == code
    assert headers[b'Content-Type'] == b'application/json'
    fault = json.loads(body)['shaped']
    assert fault['code'] == code
    assert fault['message']


def test_unhandled_application_error_is_a_shaped_500(server):
    status, headers, body = _split(_http(
        server.port, b'GET /boom HTTP/1.1\r\nHost: x\r\n'
                     b'Connection: close\r\n\r\n'))
    assert status == 500
    assert json.loads(body)['shaped']['code'] == 500
    assert b'do not show me' not in body


def test_normal_answers_pass_untouched(server):
    status, _, body = _split(_http(
        server.port, b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'
                     b'\r\n'))
    assert (status, body) == (200, b'ok')
