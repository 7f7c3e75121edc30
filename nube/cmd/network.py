"""nube-network: bridges, dnsmasq and rules of a cell's networks (or, with
[network] multi_host, of this compute host's guests)."""

import sys

from nube import service
from nube.cmd import common
import nube.conf
from nube.db import base
from nube.db.cell import api as cell_db
from nube.network import manager
from nube.network import rpcapi

CONF = nube.conf.CONF


def build_service(database=None, host=None):
    database = database or cell_db.CellDatabase(
        CONF.database.connection, **base.engine_opts(CONF.database))
    return service.Service('nube-network', rpcapi.TOPIC,
                           manager.NetworkManager(database, host=host),
                           host=host)


def main():
    common.setup()
    common.run_until_signalled([build_service()])


if __name__ == '__main__':
    sys.exit(main())
