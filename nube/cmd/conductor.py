"""nube-conductor: its cell's database proxy for computes, and the reaper."""

import sys

from nube import service
from nube.cmd import common
from nube.conductor import manager
from nube.conductor import rpcapi
import nube.conf
from nube.db import base
from nube.db.cell import api as cell_db

CONF = nube.conf.CONF


def main():
    common.setup()
    database = cell_db.CellDatabase(CONF.database.connection,
                                    **base.engine_opts(CONF.database))
    server = service.Service('nube-conductor', rpcapi.TOPIC,
                             manager.ConductorManager(database))
    common.run_until_signalled([server])


if __name__ == '__main__':
    sys.exit(main())
