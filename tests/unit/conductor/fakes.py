"""Helpers for conductor and compute tests: a cell DB with nodes and
claimed instances, and in-process stand-ins for the RPC clients."""

import copy
import datetime
import threading
import time
import uuid as uuidlib

import oslo_messaging as messaging

from nube import utils
from nube.compute import states
from nube.db import migration
from nube.db.cell import api as cell_api
from nube.scheduler import claims

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512,
          'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0, 'rxtx_factor': 1.0,
          'extra_specs': {}}


def make_cell_db(tmp_path):
    db = cell_api.CellDatabase('sqlite:///' + str(tmp_path / 'cell.db'))
    migration.db_sync(db, 'cell')
    return db


def add_node(db, host, vcpus=4, memory_mb=2048, local_gb=20):
    """A compute node as the resource tracker would report it."""
    return db.compute_node_update(host, host, {
        'vcpus': vcpus, 'memory_mb': memory_mb, 'local_gb': local_gb,
        'hypervisor_type': 'fake', 'hypervisor_version': 1,
        'cpu_info': '{}', 'cpu_allocation_ratio': 1.0,
        'ram_allocation_ratio': 1.0, 'disk_allocation_ratio': 1.0,
        'reserved_memory_mb': 0, 'reserved_disk_mb': 0,
        'supported_instances': [['x86_64', 'fake', 'hvm']]})


def claim_instance(db, node, task_state=states.SCHEDULING,
                   vm_state=states.BUILDING, deadline_s=None,
                   requested_networks='auto', flavor=None):
    """Claim ``node`` for a new instance, as the scheduler does."""
    flavor = dict(flavor or FLAVOR)
    values = {
        'uuid': str(uuidlib.uuid4()), 'project_id': 'p1', 'user_id': 'u1',
        'display_name': 'vm', 'hostname': 'vm', 'vm_state': vm_state,
        'task_state': task_state, 'power_state': states.NOSTATE,
        'image_ref': 'img-1', 'flavor': flavor, 'flavorid': '1',
        'vcpus': flavor['vcpus'], 'memory_mb': flavor['memory_mb'],
        'root_gb': flavor['root_gb'], 'ephemeral_gb': flavor['ephemeral_gb'],
        'system_metadata': {'requested_networks': requested_networks}}
    if deadline_s is not None:
        values['task_deadline'] = (utils.utcnow() +
                                   datetime.timedelta(seconds=deadline_s))
    return claims.claim_and_create(db, node, values)


def wait_for(predicate, timeout=10):
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass;
    its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def node_usage(db, host):
    node = db.compute_nodes_get_by_host(host)[0]
    return (node['vcpus_used'], node['memory_mb_used'],
            node['local_gb_used'], node['running_vms'])


def alternate(node):
    return {'host': node['host'], 'nodename': node['hypervisor_hostname'],
            'compute_node_id': node['id']}


class Unwrapped:
    """A manager whose methods raise what the RPC dispatcher hands the
    caller (the exception itself, not oslo.messaging's ExpectedException
    wrapper of the methods declared with expected_exceptions)."""

    def __init__(self, manager):
        self._manager = manager

    def __getattr__(self, name):
        value = getattr(self._manager, name)
        if not callable(value):
            return value

        def call(*args, **kwargs):
            try:
                return value(*args, **kwargs)
            except messaging.ExpectedException as exc:
                raise exc.exc_info[1] from None
        return call


class LocalConductorAPI:
    """Stands in for the RPC transport only: calls ConductorManager methods
    in-process, copying arguments and results as serialization would.

    Calls are serialized like a one-worker RPC server: SQLite fails a
    transaction that reads, then writes while another thread writes
    ("database is locked") instead of waiting.
    """

    def __init__(self, manager):
        self._manager = manager
        self._lock = threading.Lock()

    def wait_until_ready(self, ctxt, attempt_timeout=5, log=None):
        assert self._manager.ping(ctxt) == 'pong'
        return 1

    def __getattr__(self, name):
        method = getattr(self._manager, name)

        def call(ctxt, *args, **kwargs):
            with self._lock:
                try:
                    result = method(ctxt, *copy.deepcopy(args),
                                    **copy.deepcopy(kwargs))
                except messaging.ExpectedException as exc:
                    # What the RPC dispatcher unwraps for its caller.
                    raise exc.exc_info[1] from None
            return copy.deepcopy(result)
        return call


class RecordingConductorAPI(LocalConductorAPI):
    """LocalConductorAPI that also records (method, args, kwargs)."""

    def __init__(self, manager):
        super().__init__(manager)
        self.calls = []

    def __getattr__(self, name):
        call = super().__getattr__(name)

        def record(ctxt, *args, **kwargs):
            self.calls.append((name, args, kwargs))
            return call(ctxt, *args, **kwargs)
        return record


class RecordingComputeAPI:
    """ComputeAPI that records casts; optionally delivers them to managers
    by host (again standing in for the RPC transport only)."""

    def __init__(self, managers=None):
        self.casts = []
        self.managers = managers if managers is not None else {}

    def build_and_run_instance(self, ctxt, host, instance, spec,
                               alternates):
        self.casts.append(('build_and_run_instance', host, instance['uuid'],
                           copy.deepcopy(spec), copy.deepcopy(alternates)))
        if host in self.managers:
            self.managers[host].build_and_run_instance(
                ctxt, copy.deepcopy(instance), copy.deepcopy(spec),
                copy.deepcopy(alternates))
