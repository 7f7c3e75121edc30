"""nube-identity: the Keystone v3-compatible token service on eventlet."""

import sys

from oslo_log import log as logging

from nube.cmd import common
from nube.db import budget
import nube.conf
from nube.identity import app as identity_app
from nube.identity import errors
from nube.identity import fernet
from nube import wsgi

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)


class IdentityService:
    def __init__(self, host=None, port=None, app=None):
        app = app or identity_app.create_app()
        self.server = wsgi.Server('nube-identity', app,
                                  host or CONF.identity.listen,
                                  port or CONF.identity.port,
                                  pool_size=CONF.identity.wsgi_pool_size,
                                  error_body=errors.error_body)

    def start(self):
        budget.check_service('nube-identity')
        self.server.start()

    def stop(self):
        self.server.stop()


def main():
    common.setup()
    try:
        # Refuse to start without keys rather than fail every request.
        fernet.KeyRepository(CONF.identity.key_repository).fernet()
    except fernet.KeyRepositoryError as exc:
        LOG.error('%s', exc)
        return 1
    common.run_until_signalled([IdentityService()])
    return 0


if __name__ == '__main__':
    sys.exit(main())
