"""nube-scheduler: filters, weighs and claims hosts for new servers."""

import sys

from nube import service
from nube.cmd import common
from nube.scheduler import manager
from nube.scheduler import rpcapi


def main():
    common.setup()
    server = service.Service('nube-scheduler', rpcapi.TOPIC,
                             manager.SchedulerManager())
    common.run_until_signalled([server])


if __name__ == '__main__':
    sys.exit(main())
