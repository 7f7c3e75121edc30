"""What the image and network API console scripts share: one WSGI API
on an eventlet server, configured by its own option group.

Apart from nube.cmd.common (which every console script imports) because
of what it imports: the revocation listener brings keystonemiddleware
and oslo.messaging.
"""

from nube.api import revocation
from nube.cmd import common
import nube.conf
from nube import wsgi

CONF = nube.conf.CONF


class WsgiApiService:
    """``app`` served as ``name`` on [``group``] listen and port (``host``
    and ``port`` given win; port 0 picks a free one), [``group``]
    wsgi_pool_size green threads. With [``group``] auth_strategy =
    keystone it also listens for revocation events while it runs.
    ``server_options`` go to wsgi.Server (error_body, socket_timeout).
    """

    def __init__(self, name, app, group, host=None, port=None,
                 **server_options):
        conf = CONF[group]
        self.group = group
        self.server = wsgi.Server(
            name, app, host or conf.listen,
            conf.port if port is None else port,
            pool_size=conf.wsgi_pool_size, **server_options)
        self._listening = False

    def start(self):
        self.server.start()
        # Revocation events for keystonemiddleware's cached validations.
        self._listening = CONF[self.group].auth_strategy == 'keystone' and \
            revocation.start_listener() is not None

    def stop(self):
        self.server.stop()
        if self._listening:
            revocation.stop_listener()
            self._listening = False

    def wait(self):
        self.server.wait()


def main(build_service):
    """A console script's main(): configure, then run ``build_service()``
    until SIGTERM or SIGINT."""
    common.setup()
    common.run_until_signalled([build_service()])
