"""nube-image-registry: image metadata over internal REST (the image DB)."""

import sys

from nube.cmd import common
from nube.db import budget
import nube.conf
from nube.image.registry import app as registry_app
from nube import wsgi

CONF = nube.conf.CONF


class ImageRegistryService:
    def __init__(self, host=None, port=None, db=None):
        self.server = wsgi.Server(
            'nube-image-registry', registry_app.create_app(db),
            host or CONF.image_registry.listen,
            CONF.image_registry.port if port is None else port,
            pool_size=CONF.image_registry.wsgi_pool_size,
            error_body=wsgi.plain_error_body)

    def start(self):
        budget.check_service('nube-image-registry')
        self.server.start()

    def stop(self):
        self.server.stop()


def main():
    common.setup()
    common.run_until_signalled([ImageRegistryService()])


if __name__ == '__main__':
    sys.exit(main())
