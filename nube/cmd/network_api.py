"""nube-network-api: the Neutron v2.0-style network API on an eventlet
server."""

import sys

from nube.cmd import wsgi_api
from nube.network.neutron import app as network_app


class NetworkApiService(wsgi_api.WsgiApiService):
    def __init__(self, host=None, port=None, network_api=None):
        super().__init__(
            'nube-network-api',
            network_app.create_app(network_api=network_api),
            'network_api', host, port, error_body=network_app.error_body)


def main():
    wsgi_api.main(NetworkApiService)


if __name__ == '__main__':
    sys.exit(main())
