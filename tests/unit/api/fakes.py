"""In-test stand-ins for the compute facade and the API DB flavor calls.

They implement only what the HTTP layer calls, record the calls, and keep
state in dicts. The real facade (nube.compute.api / nube.db.api.api) is
covered by the lead's integration tests.
"""

import copy
import uuid

from nube import exception

IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b'
MAC = 'fa:16:3e:4c:2c:30'


def make_instance(**overrides):
    """A full instance dict as the facade returns it (ACTIVE, on a host)."""
    instance = {
        'id': 7,
        'uuid': str(uuid.uuid4()),
        'project_id': 'demo',
        'user_id': 'alice',
        'display_name': 'vm1',
        'display_description': 'a test server',
        'hostname': 'vm1',
        'host': 'compute1',
        'node': 'compute1.example.org',
        'vm_state': 'active',
        'task_state': None,
        'power_state': 1,
        'image_ref': IMAGE,
        'kernel_id': '',
        'ramdisk_id': '',
        'flavor': {'flavorid': '42', 'name': 'm1.tiny', 'memory_mb': 512,
                   'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
                   'rxtx_factor': 1.0, 'extra_specs': {'hw:cpu': 'x'}},
        'memory_mb': 512, 'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
        'swap': 0,
        'availability_zone': 'nova',
        'key_name': None,
        'user_data': None,
        'config_drive': '',
        'access_ip_v4': None,
        'access_ip_v6': None,
        'reservation_id': 'r-abcdef01',
        'launch_index': 0,
        'launched_at': '2024-01-02T03:04:06Z',
        'terminated_at': None,
        'locked': False,
        'locked_by': None,
        'progress': 0,
        'created_at': '2024-01-02T03:04:05Z',
        'updated_at': '2024-01-02T03:04:07Z',
        'deleted_at': None,
        'deleted': 0,
        'root_device_name': '/dev/vda',
        'system_metadata': {},
        'metadata': {'purpose': 'test'},
        'tags': ['blue'],
        'fault': None,
        'fixed_ips': [{'address': '10.0.0.5', 'mac': MAC}],
        'network_label': 'private',
        'cell_name': 'cell1',
    }
    instance.update(overrides)
    return instance


class FakeComputeAPI:
    """Stand-in for nube.compute.api.API."""

    def __init__(self):
        self.instances = {}
        self.calls = []
        self.create_error = None
        self.delete_error = None

    def add(self, **overrides):
        instance = make_instance(**overrides)
        self.instances[instance['uuid']] = instance
        return instance

    def create(self, ctxt, **kwargs):
        self.calls.append(('create', kwargs))
        if self.create_error is not None:
            raise self.create_error
        created = []
        for index in range(kwargs['max_count']):
            created.append(self.add(
                display_name=kwargs['name'], host=None, node=None,
                vm_state='building', task_state='scheduling',
                power_state=0, launch_index=index,
                project_id=ctxt.project_id, user_id=ctxt.user_id,
                fixed_ips=[], reservation_id='r-00000001'))
        return created, 'r-00000001'

    def get(self, ctxt, server_id):
        self.calls.append(('get', server_id))
        instance = self.instances.get(server_id)
        if instance is None:
            raise exception.InstanceNotFound(instance_id=server_id)
        return copy.deepcopy(instance)

    def get_all(self, ctxt, search_opts, limit=None, marker=None,
                sort_keys=None, sort_dirs=None):
        self.calls.append(('get_all', dict(search_opts=search_opts,
                                           limit=limit, marker=marker,
                                           sort_keys=sort_keys,
                                           sort_dirs=sort_dirs)))
        result = sorted(self.instances.values(), key=lambda i: i['uuid'])
        if marker is not None:
            uuids = [i['uuid'] for i in result]
            if marker not in uuids:
                raise exception.MarkerNotFound(marker=marker)
            result = result[uuids.index(marker) + 1:]
        if limit is not None:
            result = result[:limit]
        return copy.deepcopy(result)

    def update(self, ctxt, server_id, updates):
        self.calls.append(('update', server_id, updates))
        instance = self.instances.get(server_id)
        if instance is None:
            raise exception.InstanceNotFound(instance_id=server_id)
        instance.update(updates)
        return copy.deepcopy(instance)

    def delete(self, ctxt, server_id):
        self.calls.append(('delete', server_id))
        if self.delete_error is not None:
            raise self.delete_error
        if server_id not in self.instances:
            raise exception.InstanceNotFound(instance_id=server_id)
        del self.instances[server_id]

    def last(self, name):
        return [c for c in self.calls if c[0] == name][-1]


def make_flavor(flavorid='42', **overrides):
    flavor = {'id': 1, 'flavorid': flavorid, 'name': 'm1.tiny',
              'memory_mb': 512, 'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
              'swap': 0, 'rxtx_factor': 1.0, 'is_public': True,
              'disabled': False, 'description': None, 'extra_specs': {},
              'created_at': '2024-01-01T00:00:00Z', 'updated_at': None}
    flavor.update(overrides)
    return flavor


class FakeFlavorDB:
    """Stand-in for the flavor calls of nube.db.api.api's database."""

    def __init__(self):
        self.flavors = {}
        self.calls = []
        self._tables = None

    def transaction(self):
        """The quota tables (and the rest of an API DB) in memory: the
        HTTP layer's quota look-ups (limits, metadata) run for real."""
        if self._tables is None:
            from nube.db.api import api as api_db
            from nube.db import migration

            self._tables = api_db.ApiDatabase('sqlite://')
            migration.db_sync(self._tables, 'api')
        return self._tables.transaction()

    def add(self, flavorid='42', **overrides):
        flavor = make_flavor(flavorid, **overrides)
        self.flavors[flavorid] = flavor
        return flavor

    def flavor_create(self, values):
        self.calls.append(('flavor_create', values))
        flavorid = values['flavorid'] or str(uuid.uuid4())
        if flavorid in self.flavors:
            raise exception.FlavorExists(field='flavorid', value=flavorid)
        values = dict(values, flavorid=flavorid)
        return self.add(**values)

    def flavor_get_by_flavorid(self, flavorid, ctxt=None):
        self.calls.append(('flavor_get_by_flavorid', flavorid))
        if flavorid not in self.flavors:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        return copy.deepcopy(self.flavors[flavorid])

    def flavor_get_all(self, ctxt, is_public=True, min_memory_mb=None,
                       min_root_gb=None, sort_key='flavorid',
                       sort_dir='asc', limit=None, marker=None):
        self.calls.append(('flavor_get_all', dict(
            is_public=is_public, min_memory_mb=min_memory_mb,
            min_root_gb=min_root_gb, sort_key=sort_key, sort_dir=sort_dir,
            limit=limit, marker=marker)))
        result = sorted(self.flavors.values(), key=lambda f: f[sort_key],
                        reverse=sort_dir == 'desc')
        if is_public is not None:
            result = [f for f in result if f['is_public'] == is_public]
        if limit is not None:
            result = result[:limit]
        return copy.deepcopy(result)

    def flavor_destroy(self, flavorid):
        self.calls.append(('flavor_destroy', flavorid))
        if self.flavors.pop(flavorid, None) is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)

    def flavor_extra_specs_get(self, flavorid):
        return dict(self.flavors[flavorid]['extra_specs'])

    def flavor_extra_specs_update_or_create(self, flavorid, specs):
        self.calls.append(('extra_specs_update', flavorid, specs))
        self.flavors[flavorid]['extra_specs'].update(specs)
        return dict(self.flavors[flavorid]['extra_specs'])

    def flavor_extra_specs_delete(self, flavorid, key):
        specs = self.flavors[flavorid]['extra_specs']
        if key not in specs:
            raise exception.FlavorExtraSpecNotFound(flavor_id=flavorid,
                                                    key=key)
        del specs[key]


def make_service(**overrides):
    service = {'id': 3, 'uuid': str(uuid.uuid4()), 'host': 'compute1',
               'binary': 'nube-compute', 'topic': 'compute',
               'report_count': 5, 'disabled': False,
               'disabled_reason': None, 'forced_down': False,
               'last_seen_up': '2024-01-02T03:04:05Z',
               'updated_at': '2024-01-02T03:04:05Z',
               'created_at': '2024-01-01T00:00:00Z', 'up': True,
               'availability_zone': 'nova', 'cell_name': 'cell1'}
    service.update(overrides)
    return service


def make_node(**overrides):
    node = {'id': 1, 'uuid': str(uuid.uuid4()), 'host': 'compute1',
            'hypervisor_hostname': 'compute1.example.org',
            'hypervisor_type': 'QEMU', 'hypervisor_version': 9000000,
            'cpu_info': '{"arch": "x86_64"}', 'host_ip': '192.0.2.10',
            'vcpus': 8, 'memory_mb': 16384, 'local_gb': 100,
            'vcpus_used': 2, 'memory_mb_used': 1024, 'local_gb_used': 10,
            'running_vms': 2, 'service': make_service()}
    node.update(overrides)
    return node


class FakeHostAPI:
    """Stand-in for nube.compute.host_api.HostAPI."""

    def __init__(self):
        self.services = [make_service(),
                         make_service(id=1, host='ctl', binary='nube-api',
                                      availability_zone='internal')]
        self.nodes = [make_node(),
                      make_node(id=2, host='compute2',
                                hypervisor_hostname='compute2.example.org',
                                service=make_service(id=4, host='compute2',
                                                     up=False))]
        self.calls = []

    def service_get_all(self, ctxt, host=None, binary=None):
        self.calls.append(('service_get_all', host, binary))
        return [s for s in self.services
                if host in (None, s['host']) and
                binary in (None, s['binary'])]

    def compute_node_get_all(self, ctxt, hypervisor_hostname_pattern=None):
        pattern = hypervisor_hostname_pattern
        return [n for n in self.nodes
                if pattern is None or pattern in n['hypervisor_hostname']]

    def compute_node_get(self, ctxt, node_id):
        for node in self.nodes:
            if node['id'] == node_id:
                return node
        raise exception.ComputeHostNotFound(host=node_id)

    def compute_node_statistics(self, ctxt):
        return {'count': 2, 'vcpus': 16, 'memory_mb': 32768,
                'local_gb': 200, 'vcpus_used': 4, 'memory_mb_used': 2048,
                'local_gb_used': 20, 'free_ram_mb': 30720,
                'free_disk_gb': 180, 'current_workload': 0,
                'running_vms': 4, 'disk_available_least': 180}

    def availability_zones(self, ctxt):
        return [
            {'name': 'internal', 'available': True,
             'hosts': {'ctl': {'nube-api': {
                 'available': True, 'active': True,
                 'updated_at': '2024-01-02T03:04:05Z'}}}},
            {'name': 'nova', 'available': True,
             'hosts': {'compute1': {'nube-compute': {
                 'available': True, 'active': True,
                 'updated_at': '2024-01-02T03:04:05Z'}}}},
        ]


class RecordingSchedulerAPI:
    """Stands in for scheduler_rpcapi.SchedulerAPI: records each cast."""

    def __init__(self):
        self.casts = []

    def build_instances(self, ctxt, builds):
        self.casts.append(builds)
