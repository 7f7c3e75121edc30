"""Helpers shared by the scheduler tests: build HostStates from dicts."""

import datetime

from nube.scheduler import host_state

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0)
NOW_STR = '2030-01-01T12:00:00Z'


def compute_node(host='host1', **overrides):
    node = {
        'id': 1, 'uuid': 'cn-' + host, 'host': host,
        'hypervisor_hostname': host, 'hypervisor_type': 'QEMU',
        'hypervisor_version': 8000000, 'vcpus': 8, 'vcpus_used': 0,
        'memory_mb': 16384, 'memory_mb_used': 0, 'local_gb': 100,
        'local_gb_used': 0, 'running_vms': 0, 'reserved_memory_mb': 0,
        'reserved_disk_mb': 0, 'cpu_allocation_ratio': 1.0,
        'ram_allocation_ratio': 1.0, 'disk_allocation_ratio': 1.0,
        'supported_instances': '[["x86_64", "qemu", "hvm"]]',
        'generation': 3, 'updated_at': NOW_STR,
    }
    node.update(overrides)
    return node


def service(host='host1', **overrides):
    svc = {'id': 1, 'host': host, 'binary': 'nube-compute',
           'disabled': False, 'disabled_reason': None, 'forced_down': False,
           'last_seen_up': NOW_STR, 'updated_at': NOW_STR,
           'created_at': NOW_STR}
    svc.update(overrides)
    return svc


def fake_host(host='host1', cell_uuid='cell1', aggregates=(),
              instances=None, svc=None, **cn_overrides):
    """A HostState for ``host``; keyword arguments override node columns."""
    return host_state.HostState.from_dicts(
        compute_node(host, **cn_overrides), service(host, **(svc or {})),
        aggregates=aggregates, cell_uuid=cell_uuid, cell_name=cell_uuid,
        instances=instances, now=NOW)


def flavor(memory_mb=1024, vcpus=1, root_gb=10, ephemeral_gb=0, swap=0):
    return {'flavorid': '1', 'name': 'f', 'memory_mb': memory_mb,
            'vcpus': vcpus, 'root_gb': root_gb, 'ephemeral_gb': ephemeral_gb,
            'swap': swap, 'extra_specs': {}}


def spec(flavor_=None, image_props=None, availability_zone=None, hints=None,
         num_instances=1, instance_uuids=None, **extra):
    request = {'flavor': flavor_ or flavor(),
               'image': {'id': 'image-1', 'properties': image_props or {}},
               'availability_zone': availability_zone,
               'scheduler_hints': hints or {},
               'num_instances': num_instances, 'project_id': 'project-1',
               'instance_uuids': instance_uuids or []}
    request.update(extra)
    return request
