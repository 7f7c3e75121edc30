"""nube-image-api: the Glance v2-style image API on an eventlet server."""

import sys

from nube.api import revocation
from nube.cmd import common
import nube.conf
from nube.image.api import app as image_app
from nube import wsgi

CONF = nube.conf.CONF


class ImageApiService:
    def __init__(self, host=None, port=None, registry=None,
                 store_manager=None):
        self.server = wsgi.Server(
            'nube-image-api',
            image_app.create_app(registry=registry,
                                 store_manager=store_manager),
            host or CONF.image_api.listen,
            CONF.image_api.port if port is None else port,
            pool_size=CONF.image_api.wsgi_pool_size,
            socket_timeout=CONF.image_api.client_socket_timeout or None,
            error_body=image_app.error_body)
        self._listening = False

    def start(self):
        self.server.start()
        # Revocation events for keystonemiddleware's cached validations.
        self._listening = CONF.image_api.auth_strategy == 'keystone' and \
            revocation.start_listener() is not None

    def stop(self):
        self.server.stop()
        if self._listening:
            revocation.stop_listener()
            self._listening = False


def main():
    common.setup()
    common.run_until_signalled([ImageApiService()])


if __name__ == '__main__':
    sys.exit(main())
