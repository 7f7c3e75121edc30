"""nube-api: the compute API (Nova v2.1) on an eventlet WSGI server."""

import sys

from nube import wsgi
from nube.api import app as api_app
from nube.api import fault
from nube.api import revocation
from nube.cmd import common
from nube.db import budget
import nube.conf

CONF = nube.conf.CONF


class ApiService:
    def __init__(self, host=None, port=None):
        self.server = wsgi.Server('nube-api', api_app.create_app(),
                                  host or CONF.api.listen,
                                  port or CONF.api.port,
                                  pool_size=CONF.api.wsgi_pool_size,
                                  error_body=fault.error_body)
        self._listening = False

    def start(self):
        budget.check_service('nube-api')
        self.server.start()
        # Revocation events for keystonemiddleware's cached validations.
        self._listening = CONF.api.auth_strategy == 'keystone' and \
            revocation.start_listener() is not None

    def stop(self):
        self.server.stop()
        if self._listening:
            revocation.stop_listener()
            self._listening = False


def main():
    common.setup()
    common.run_until_signalled([ApiService()])


if __name__ == '__main__':
    sys.exit(main())
