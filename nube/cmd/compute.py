"""nube-compute: runs instances on this host through a virt driver.

It has no database configuration: everything goes through the conductor.
With the fake driver, ``[compute] fake_hosts`` adds more host names served
by this one process, each a separate compute service (for scale tests).
"""

import sys

from nube import service
from nube.cmd import common
from nube.compute import heartbeat
from nube.compute import manager
from nube.compute import rpcapi
from nube.compute.virt import driver as virt_driver
from nube.conductor import rpcapi as conductor_rpcapi
import nube.conf

CONF = nube.conf.CONF


def build_services(hosts=None):
    hosts = hosts or [CONF.host] + list(CONF.compute.fake_hosts)
    heartbeats = None
    if len(hosts) > 1:
        heartbeats = heartbeat.BatchedHeartbeats(
            conductor_rpcapi.ConductorAPI())
    services = []
    for host in hosts:
        driver = virt_driver.load_driver(CONF.compute.compute_driver, host)
        services.append(service.Service(
            'nube-compute', rpcapi.TOPIC,
            manager.ComputeManager(host, driver, heartbeats=heartbeats),
            host=host))
    return services


def main():
    common.setup()
    common.run_until_signalled(build_services())


if __name__ == '__main__':
    sys.exit(main())
