"""What this host offers: driver totals plus the operator's policy.

The driver knows the hardware; the allocation ratios and reservations come
from this host's configuration. The sum goes to the conductor, which
records the totals and recounts usage from the instances in the cell DB,
so a report also repairs any drift in the claimed usage.
"""

from oslo_log import log as logging

import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)


class ResourceTracker:
    def __init__(self, host, driver, conductor_api):
        self.host = host
        self.driver = driver
        self.conductor_api = conductor_api

    def node_resources(self, nodename):
        """The compute_node_update payload for one node."""
        resources = dict(self.driver.get_available_resource(nodename))
        resources.update(
            cpu_allocation_ratio=CONF.cpu_allocation_ratio,
            ram_allocation_ratio=CONF.ram_allocation_ratio,
            disk_allocation_ratio=CONF.disk_allocation_ratio,
            reserved_memory_mb=CONF.reserved_host_memory_mb,
            reserved_disk_mb=CONF.reserved_host_disk_mb,
            host_ip=CONF.my_ip)
        return resources

    def update_available_resource(self, context):
        """Report every node of this host; returns the node dicts stored."""
        nodes = []
        for nodename in self.driver.get_available_nodes():
            resources = self.node_resources(nodename)
            node = self.conductor_api.compute_node_update(
                context, self.host, nodename, resources)
            LOG.debug('Reported node %s of host %s: %s vCPUs, %s MB, %s GB',
                      nodename, self.host, resources.get('vcpus'),
                      resources.get('memory_mb'), resources.get('local_gb'))
            nodes.append(node)
        return nodes
