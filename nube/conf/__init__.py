"""nube's configuration: every option lives in one module per group here."""

from oslo_config import cfg

from nube.conf import api
from nube.conf import cells
from nube.conf import compute
from nube.conf import conductor
from nube.conf import database
from nube.conf import default
from nube.conf import glance
from nube.conf import libvirt
from nube.conf import network
from nube.conf import scheduler

CONF = cfg.CONF

_MODULES = (default, api, cells, compute, conductor, database, glance,
            libvirt, network, scheduler)

for _mod in _MODULES:
    _mod.register_opts(CONF)
