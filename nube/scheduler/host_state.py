"""What the scheduler knows about one compute node, held in memory.

A HostState is built from the cell DB's compute node and service dicts
plus the host's aggregates. Free capacity is kept as plain attributes
(not properties) because filters and weighers read them for every host
of every request; ``consume`` keeps them current between DB refreshes so
the instances of one multi-create spread out.
"""

import datetime

from oslo_log import log as logging

from nube import utils
import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)


def disk_mb_for(flavor):
    """Local disk a flavor needs, in MB: root and ephemeral GB plus swap."""
    return ((flavor.get('root_gb') or 0) +
            (flavor.get('ephemeral_gb') or 0)) * 1024 + (
        flavor.get('swap') or 0)


def _as_datetime(value):
    if value is None or isinstance(value, datetime.datetime):
        return value
    return utils.parse_isotime(value)


def service_is_up(service, now=None):
    """True when the service heartbeated recently and is not forced down.

    The heartbeat is ``last_seen_up``, else ``updated_at``, else
    ``created_at``; it must be within ``service_down_time`` seconds of
    ``now`` (either direction, to tolerate clock skew).
    """
    if not service or service.get('forced_down'):
        return False
    last = (service.get('last_seen_up') or service.get('updated_at') or
            service.get('created_at'))
    last = _as_datetime(last)
    if last is None:
        return False
    now = now or utils.utcnow()
    elapsed = abs((now - last).total_seconds())
    return elapsed <= CONF.service_down_time


def _supported_instances(value):
    """Normalise [[arch, hv_type, vm_mode], ...] (list or JSON text)."""
    if isinstance(value, str):
        value = utils.loads(value, default=[])
    result = []
    for triple in value or ():
        result.append(tuple(str(part).lower() if part else None
                            for part in triple))
    return tuple(result)


def _aggregate_metadata(aggregates):
    """Accept aggregate dicts (with a 'metadata' dict) or bare metadata."""
    result = []
    for agg in aggregates or ():
        meta = agg.get('metadata')
        result.append(meta if isinstance(meta, dict) else agg)
    return result


RATIO_KEYS = ('cpu_allocation_ratio', 'ram_allocation_ratio',
              'disk_allocation_ratio')


def _aggregate_ratios(metadata_dicts):
    """(cpu, ram, disk) ratio set by the aggregates: the smallest value
    when several do, None when none does (or none parses)."""
    result = []
    for key in RATIO_KEYS:
        values = []
        for meta in metadata_dicts:
            raw = meta.get(key)
            if raw is None:
                continue
            try:
                value = float(raw)
            except (TypeError, ValueError):
                LOG.warning('Aggregate %s %r is not a number; ignored',
                            key, raw)
                continue
            if value > 0:
                values.append(value)
        result.append(min(values) if values else None)
    return tuple(result)


class HostState:
    """One compute node as the filters and weighers see it."""

    def __init__(self, host, nodename, cell_uuid=None, cell_name=None):
        self.host = host
        self.nodename = nodename
        self.cell_uuid = cell_uuid
        self.cell_name = cell_name
        self.compute_node_id = None
        self.compute_node_uuid = None
        self.vcpus_total = 0
        self.vcpus_used = 0
        self.memory_mb_total = 0
        self.memory_mb_used = 0
        self.local_gb_total = 0
        self.disk_mb_used = 0
        self.reserved_memory_mb = 0
        self.reserved_disk_mb = 0
        self.cpu_allocation_ratio = 1.0
        self.ram_allocation_ratio = 1.0
        self.disk_allocation_ratio = 1.0
        # (cpu, ram, disk): the compute node's, and the aggregates' (None
        # where no aggregate of the host sets one).
        self.node_ratios = (1.0, 1.0, 1.0)
        self.aggregate_ratios = (None, None, None)
        self.running_vms = 0
        self.hypervisor_type = ''
        self.hypervisor_version = 0
        self.supported_instances = ()
        self._supported_raw = None
        self.generation = 0
        self.updated = None
        self.service_alive = False
        self.service_disabled = True
        self.disabled_reason = None
        self.service_up = False
        self.aggregates = []
        self.availability_zone = CONF.default_availability_zone
        self.instances = set()
        self.free_vcpus = 0.0
        self.free_ram_mb = 0.0
        self.free_disk_mb = 0.0

    @classmethod
    def from_dicts(cls, compute_node, service, aggregates=(),
                   cell_uuid=None, cell_name=None, instances=None, now=None):
        """Build from a compute node dict, its service dict and aggregates.

        ``aggregates`` is the host's aggregates: dicts with a 'metadata'
        dict, or the metadata dicts themselves. ``instances`` is an
        iterable of the uuids of instances on the host.
        """
        state = cls(compute_node['host'], compute_node['hypervisor_hostname'],
                    cell_uuid=cell_uuid, cell_name=cell_name)
        state.update_from_compute_node(compute_node)
        state.update_service(service, now=now)
        state.update_aggregates(aggregates)
        if instances is not None:
            state.instances = set(instances)
        return state

    def update_from_compute_node(self, cn):
        self.compute_node_id = cn.get('id')
        self.compute_node_uuid = cn.get('uuid')
        self.vcpus_total = cn.get('vcpus') or 0
        self.vcpus_used = cn.get('vcpus_used') or 0
        self.memory_mb_total = cn.get('memory_mb') or 0
        self.memory_mb_used = cn.get('memory_mb_used') or 0
        self.local_gb_total = cn.get('local_gb') or 0
        self.disk_mb_used = (cn.get('local_gb_used') or 0) * 1024
        self.reserved_memory_mb = cn.get('reserved_memory_mb') or 0
        self.reserved_disk_mb = cn.get('reserved_disk_mb') or 0
        self.node_ratios = tuple(_ratio(cn.get(name))
                                 for name in RATIO_KEYS)
        self._apply_ratios()
        self.running_vms = cn.get('running_vms') or 0
        self.hypervisor_type = cn.get('hypervisor_type') or ''
        self.hypervisor_version = cn.get('hypervisor_version') or 0
        raw = cn.get('supported_instances')
        if raw != self._supported_raw:
            self._supported_raw = raw
            self.supported_instances = _supported_instances(raw)
        self.generation = cn.get('generation') or 0
        self.updated = cn.get('updated_at') or cn.get('created_at')
        self._recompute_free()

    def update_service(self, service, now=None):
        """``service_up`` = heartbeat fresh, not forced down, not disabled."""
        self.service_alive = service_is_up(service, now=now)
        self.service_disabled = bool(service.get('disabled', False)
                                     if service else True)
        self.disabled_reason = service.get('disabled_reason') if service \
            else None
        self.service_up = self.service_alive and not self.service_disabled

    def update_aggregates(self, aggregates):
        """Zone = the aggregates' ``availability_zone`` values, else default.

        A host should be in one zone; if aggregates disagree the zones are
        joined with ',' as the compute API shows them.
        """
        self.aggregates = _aggregate_metadata(aggregates)
        zones = sorted({meta['availability_zone'] for meta in self.aggregates
                        if meta.get('availability_zone')})
        self.availability_zone = (','.join(zones) if zones
                                  else CONF.default_availability_zone)
        self.aggregate_ratios = _aggregate_ratios(self.aggregates)
        self._apply_ratios()

    def _apply_ratios(self):
        """Allocation ratios in force: an aggregate's (the smallest, when
        several set one) over the node's."""
        node = self.node_ratios
        agg = self.aggregate_ratios
        (self.cpu_allocation_ratio, self.ram_allocation_ratio,
         self.disk_allocation_ratio) = (
            node[i] if agg[i] is None else agg[i] for i in range(3))
        self._recompute_free()

    def _recompute_free(self):
        self.free_vcpus = (self.vcpus_total * self.cpu_allocation_ratio -
                           self.vcpus_used)
        self.free_ram_mb = (self.memory_mb_total * self.ram_allocation_ratio -
                            self.reserved_memory_mb - self.memory_mb_used)
        self.free_disk_mb = (
            self.local_gb_total * 1024 * self.disk_allocation_ratio -
            self.reserved_disk_mb - self.disk_mb_used)

    def consume(self, flavor, instance_uuid=None, generation=None):
        """Count an instance of ``flavor`` as placed here (in memory only).

        ``generation``, when given, is the node's generation after the
        claim that placed it, so the next claim compares against it.
        """
        self.vcpus_used += flavor.get('vcpus') or 0
        self.memory_mb_used += flavor.get('memory_mb') or 0
        self.disk_mb_used += disk_mb_for(flavor)
        self.running_vms += 1
        if instance_uuid:
            self.instances.add(instance_uuid)
        if generation is not None:
            self.generation = generation
        self._recompute_free()

    def unconsume(self, flavor, instance_uuid=None):
        """Undo ``consume``: the claim on this host failed or was undone."""
        self.vcpus_used = max(0, self.vcpus_used - (flavor.get('vcpus') or 0))
        self.memory_mb_used = max(
            0, self.memory_mb_used - (flavor.get('memory_mb') or 0))
        self.disk_mb_used = max(0, self.disk_mb_used - disk_mb_for(flavor))
        self.running_vms = max(0, self.running_vms - 1)
        if instance_uuid:
            self.instances.discard(instance_uuid)
        self._recompute_free()

    def __repr__(self):
        return ('<HostState %s/%s cell=%s up=%s free_ram_mb=%s '
                'free_disk_mb=%s free_vcpus=%s vms=%s>' % (
                    self.host, self.nodename, self.cell_name or self.cell_uuid,
                    self.service_up, self.free_ram_mb, self.free_disk_mb,
                    self.free_vcpus, self.running_vms))


def _ratio(value):
    """A missing or zero allocation ratio means 1.0 (no overcommit)."""
    return float(value) if value else 1.0
