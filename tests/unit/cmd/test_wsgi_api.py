"""The service the image and network API console scripts share."""

import pytest

from nube.cmd import image_api
from nube.cmd import network_api
from nube.cmd import wsgi_api
import nube.conf

CONF = nube.conf.CONF


def _app(environ, start_response):
    start_response('204 No Content', [])
    return []


def _override(request, name, value, group):
    CONF.set_override(name, value, group=group)
    request.addfinalizer(lambda: CONF.clear_override(name, group=group))


class _Server:
    def __init__(self, calls):
        self.calls = calls

    def start(self):
        self.calls.append('server start')

    def stop(self):
        self.calls.append('server stop')


@pytest.fixture
def calls(monkeypatch):
    calls = []
    monkeypatch.setattr(wsgi_api.revocation, 'start_listener',
                        lambda: calls.append('listen') or object())
    monkeypatch.setattr(wsgi_api.revocation, 'stop_listener',
                        lambda: calls.append('stop listening'))
    return calls


def test_the_group_configures_the_server(request):
    _override(request, 'listen', '127.0.0.2', 'image_api')
    _override(request, 'port', 9393, 'image_api')
    _override(request, 'wsgi_pool_size', 7, 'image_api')
    service = wsgi_api.WsgiApiService('nube-x', _app, 'image_api',
                                      socket_timeout=3)
    server = service.server
    assert (server.name, server.app) == ('nube-x', _app)
    assert (server.host, server.port, server.pool_size) == (
        '127.0.0.2', 9393, 7)
    assert server._socket_timeout == 3


def test_host_and_port_given_win_and_port_0_is_kept():
    service = wsgi_api.WsgiApiService('nube-x', _app, 'network_api',
                                      host='127.0.0.1', port=0)
    assert (service.server.host, service.server.port) == ('127.0.0.1', 0)


@pytest.mark.parametrize('strategy,expected', [
    ('keystone', ['server start', 'listen', 'server stop',
                  'stop listening', 'server stop']),
    ('noauth2', ['server start', 'server stop', 'server stop'])])
def test_keystone_auth_listens_for_revocations_while_running(
        request, calls, strategy, expected):
    _override(request, 'auth_strategy', strategy, 'network_api')
    service = wsgi_api.WsgiApiService('nube-x', _app, 'network_api')
    service.server = _Server(calls)
    service.start()
    service.stop()
    service.stop()
    assert calls == expected


def test_the_image_api_service_keeps_its_socket_timeout(request):
    _override(request, 'auth_strategy', 'noauth2', 'image_api')
    _override(request, 'client_socket_timeout', 0, 'image_api')
    service = image_api.ImageApiService(registry=object(),
                                        store_manager=object())
    assert service.server.name == 'nube-image-api'
    assert service.server._socket_timeout is None
    assert service.server.port == CONF.image_api.port


def test_both_entry_points_run_their_service(monkeypatch):
    ran = []
    monkeypatch.setattr(wsgi_api.common, 'setup', lambda: ran.append('setup'))
    monkeypatch.setattr(wsgi_api.common, 'run_until_signalled',
                        lambda services: ran.append(services))
    monkeypatch.setattr(network_api, 'NetworkApiService', lambda: 'net')
    monkeypatch.setattr(image_api, 'ImageApiService', lambda: 'img')
    network_api.main()
    image_api.main()
    assert ran == ['setup', ['net'], 'setup', ['img']]
