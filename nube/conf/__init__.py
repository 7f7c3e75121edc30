"""nube's configuration: every option lives in one module per group here."""

from oslo_config import cfg

from nube.conf import api
from nube.conf import cells
from nube.conf import compute
from nube.conf import conductor
from nube.conf import database
from nube.conf import default
from nube.conf import glance
from nube.conf import identity
from nube.conf import image
from nube.conf import libvirt
from nube.conf import network
from nube.conf import network_api
from nube.conf import quota
from nube.conf import revocation
from nube.conf import scheduler
from nube.conf import service_auth

CONF = cfg.CONF

_MODULES = (default, api, cells, compute, conductor, database, glance,
            identity, image, libvirt, network, network_api, quota,
            revocation, scheduler, service_auth)

for _mod in _MODULES:
    _mod.register_opts(CONF)


def _register_messaging_opts():
    # oslo.messaging registers transport_url and friends only once a
    # transport is made; nube sets them earlier (nube-all, tests).
    from oslo_messaging import opts as messaging_opts

    for group, opts in messaging_opts.list_opts():
        CONF.register_opts(opts, group=group)


_register_messaging_opts()
