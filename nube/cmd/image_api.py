"""nube-image-api: the Glance v2-style image API on an eventlet server."""

import sys

from nube.cmd import wsgi_api
import nube.conf
from nube.image.api import app as image_app

CONF = nube.conf.CONF


class ImageApiService(wsgi_api.WsgiApiService):
    def __init__(self, host=None, port=None, registry=None,
                 store_manager=None):
        super().__init__(
            'nube-image-api',
            image_app.create_app(registry=registry,
                                 store_manager=store_manager),
            'image_api', host, port,
            socket_timeout=CONF.image_api.client_socket_timeout or None,
            error_body=image_app.error_body)


def main():
    wsgi_api.main(ImageApiService)


if __name__ == '__main__':
    sys.exit(main())
