"""Hosts as the compute API shows them: services, hypervisors and
availability zones, gathered from every cell (cell0 for the services
that belong to none)."""

from oslo_log import log as logging

from nube import exception
from nube.cells import targeting
import nube.conf
from nube.db.api import aggregates as aggregates_db
from nube.db.api import api as api_db
from nube.scheduler import host_state

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'nube-compute'


class HostAPI:
    """Services, hypervisors and zones, across every cell."""

    def _each_cell(self, fn, include_cell0=False):
        results = []
        for cell in targeting.get_cells(include_cell0=include_cell0):
            try:
                results.append((cell, fn(targeting.cell_database(cell))))
            except Exception:
                LOG.exception('Cell %s did not answer', cell['name'])
        return results

    def _zones_by_host(self):
        """{host: zone} of hosts an aggregate puts in a zone (a host in
        several shows them joined with ',', as the scheduler sees it)."""
        zones = aggregates_db.host_zones(api_db.get_database())
        return {host: ','.join(sorted(names))
                for host, names in zones.items()}

    def service_get_all(self, ctxt, host=None, binary=None):
        zones = self._zones_by_host()
        result = []
        for cell, services in self._each_cell(
                lambda db: db.service_get_all(host=host, binary=binary),
                include_cell0=True):
            for service in services:
                service['up'] = host_state.service_is_up(service)
                service['availability_zone'] = (
                    zones.get(service['host'],
                              CONF.default_availability_zone)
                    if service['binary'] == COMPUTE_BINARY else 'internal')
                service['cell_name'] = cell['name']
                result.append(service)
        return result

    def _nodes(self, match=None):
        result = []

        def fetch(db):
            services = {s['host']: s for s in db.service_get_all(
                binary=COMPUTE_BINARY)}
            nodes = db.compute_node_get_all()
            for node in nodes:
                service = services.get(node['host'])
                if service is not None:
                    service['up'] = host_state.service_is_up(service)
                node['service'] = service
            return nodes

        for _cell, nodes in self._each_cell(fetch):
            result.extend(n for n in nodes
                          if match is None or match(n))
        return sorted(result, key=lambda n: n['id'])

    def compute_node_get_all(self, ctxt, hypervisor_hostname_pattern=None):
        if hypervisor_hostname_pattern is None:
            return self._nodes()
        pattern = hypervisor_hostname_pattern.lower()
        return self._nodes(
            lambda n: pattern in n['hypervisor_hostname'].lower())

    def compute_node_get(self, ctxt, node_id):
        nodes = self._nodes(lambda n: n['id'] == int(node_id))
        if not nodes:
            raise exception.ComputeHostNotFound(host=node_id)
        return nodes[0]

    def compute_node_statistics(self, ctxt):
        stats = dict.fromkeys((
            'count', 'vcpus', 'memory_mb', 'local_gb', 'vcpus_used',
            'memory_mb_used', 'local_gb_used', 'free_ram_mb', 'free_disk_gb',
            'current_workload', 'running_vms', 'disk_available_least'), 0)
        for node in self._nodes():
            stats['count'] += 1
            for key in ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used',
                        'memory_mb_used', 'local_gb_used', 'running_vms'):
                stats[key] += node[key] or 0
            stats['free_ram_mb'] += node['memory_mb'] - node['memory_mb_used']
            stats['free_disk_gb'] += node['local_gb'] - node['local_gb_used']
            stats['disk_available_least'] += \
                node['local_gb'] - node['local_gb_used']
        return stats

    def availability_zones(self, ctxt):
        zones = {}
        host_zones = self._zones_by_host()
        for service in self.service_get_all(ctxt):
            if service['binary'] == COMPUTE_BINARY:
                name = host_zones.get(service['host'],
                                      CONF.default_availability_zone)
            else:
                name = 'internal'
            zone = zones.setdefault(name, {'name': name, 'available': False,
                                           'hosts': {}})
            available = service['up'] and not service['disabled']
            if name != 'internal' and available:
                zone['available'] = True
            zone['hosts'].setdefault(service['host'], {})[
                service['binary']] = {
                'available': available,
                'active': not service['disabled'],
                'updated_at': service['updated_at']}
        for zone in zones.values():
            if zone['name'] == 'internal':
                zone['available'] = True
        return sorted(zones.values(), key=lambda z: z['name'])
