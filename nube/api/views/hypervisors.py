"""Hypervisor, service and availability-zone bodies (admin views)."""

from oslo_serialization import jsonutils


def _service(node):
    return node.get('service') or {}


def hypervisor_basic(node):
    service = _service(node)
    return {
        'id': node['id'],
        'hypervisor_hostname': node.get('hypervisor_hostname'),
        'state': 'up' if service.get('up') else 'down',
        'status': 'disabled' if service.get('disabled') else 'enabled',
    }


def _cpu_info(req, value):
    """A JSON string below 2.28, an object from 2.28 on."""
    if req.at_least(28):
        if isinstance(value, str):
            try:
                return jsonutils.loads(value) if value else {}
            except ValueError:
                return {}
        return value or {}
    if isinstance(value, str):
        return value
    return jsonutils.dumps(value or {})


def hypervisor_detail(req, node):
    service = _service(node)
    body = hypervisor_basic(node)
    local_gb = node.get('local_gb') or 0
    local_gb_used = node.get('local_gb_used') or 0
    memory_mb = node.get('memory_mb') or 0
    memory_mb_used = node.get('memory_mb_used') or 0
    free_disk_gb = node.get('free_disk_gb', local_gb - local_gb_used)
    body.update({
        'cpu_info': _cpu_info(req, node.get('cpu_info')),
        'current_workload': node.get('current_workload') or 0,
        'disk_available_least': node.get('disk_available_least',
                                         free_disk_gb),
        'free_disk_gb': free_disk_gb,
        'free_ram_mb': node.get('free_ram_mb', memory_mb - memory_mb_used),
        'host_ip': node.get('host_ip'),
        'hypervisor_type': node.get('hypervisor_type') or '',
        'hypervisor_version': node.get('hypervisor_version') or 0,
        'local_gb': local_gb,
        'local_gb_used': local_gb_used,
        'memory_mb': memory_mb,
        'memory_mb_used': memory_mb_used,
        'running_vms': node.get('running_vms') or 0,
        'vcpus': node.get('vcpus') or 0,
        'vcpus_used': node.get('vcpus_used') or 0,
        'service': {'host': service.get('host') or node.get('host'),
                    'id': service.get('id'),
                    'disabled_reason': service.get('disabled_reason')},
    })
    return body


STATISTICS_KEYS = ('count', 'vcpus', 'memory_mb', 'local_gb', 'vcpus_used',
                   'memory_mb_used', 'local_gb_used', 'free_ram_mb',
                   'free_disk_gb', 'current_workload', 'running_vms',
                   'disk_available_least')


def statistics(stats):
    return {'hypervisor_statistics': {key: stats.get(key) or 0
                                      for key in STATISTICS_KEYS}}


def service(req, svc):
    body = {
        'id': svc['id'],
        'binary': svc.get('binary'),
        'host': svc.get('host'),
        'zone': svc.get('availability_zone') or 'internal',
        'status': 'disabled' if svc.get('disabled') else 'enabled',
        'state': 'up' if svc.get('up') else 'down',
        'updated_at': svc.get('updated_at'),
        'disabled_reason': svc.get('disabled_reason'),
    }
    if req.at_least(11):
        body['forced_down'] = bool(svc.get('forced_down'))
    return body


def availability_zone(zone, detail):
    body = {'zoneName': zone['name'],
            'zoneState': {'available': bool(zone.get('available'))},
            'hosts': None}
    if detail and zone.get('hosts'):
        body['hosts'] = {
            host: {binary: {'available': bool(state.get('available')),
                            'active': bool(state.get('active')),
                            'updated_at': state.get('updated_at')}
                   for binary, state in binaries.items()}
            for host, binaries in zone['hosts'].items()}
    return body
