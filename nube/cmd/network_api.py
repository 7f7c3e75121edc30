"""nube-network-api: the Neutron v2.0-style network API on an eventlet
server."""

import sys

from nube.api import revocation
from nube.cmd import common
import nube.conf
from nube.network.neutron import app as network_app
from nube import wsgi

CONF = nube.conf.CONF


class NetworkApiService:
    def __init__(self, host=None, port=None, network_api=None):
        self.server = wsgi.Server(
            'nube-network-api',
            network_app.create_app(network_api=network_api),
            host or CONF.network_api.listen,
            CONF.network_api.port if port is None else port,
            pool_size=CONF.network_api.wsgi_pool_size,
            error_body=network_app.error_body)
        self._listening = False

    def start(self):
        self.server.start()
        # Revocation events for keystonemiddleware's cached validations.
        self._listening = CONF.network_api.auth_strategy == 'keystone' and \
            revocation.start_listener() is not None

    def stop(self):
        self.server.stop()
        if self._listening:
            revocation.stop_listener()
            self._listening = False

    def wait(self):
        self.server.wait()


def main():
    common.setup()
    common.run_until_signalled([NetworkApiService()])


if __name__ == '__main__':
    sys.exit(main())
