"""Claims on a SQLite cell DB, including claimers racing from two engines."""

import threading
import uuid

import pytest

from nube.compute import states
from nube.db.cell import api as cell_api
from nube.db import migration
from nube import exception
from nube.scheduler import claims

FLAVOR = {'flavorid': '1', 'memory_mb': 512, 'vcpus': 1, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0}


def _node(db, host='h1', vcpus=4, memory_mb=2048, local_gb=10):
    return db.compute_node_update(host, host, {
        'vcpus': vcpus, 'memory_mb': memory_mb, 'local_gb': local_gb,
        'hypervisor_type': 'fake', 'hypervisor_version': 1,
        'cpu_allocation_ratio': 1.0, 'ram_allocation_ratio': 1.0,
        'disk_allocation_ratio': 1.0})


def _instance(flavor=FLAVOR):
    return {'uuid': str(uuid.uuid4()), 'project_id': 'p1', 'user_id': 'u1',
            'display_name': 'vm', 'vm_state': states.BUILDING,
            'task_state': states.SCHEDULING, 'flavor': flavor,
            'flavorid': flavor['flavorid'],
            'memory_mb': flavor['memory_mb'], 'vcpus': flavor['vcpus'],
            'root_gb': flavor['root_gb'],
            'ephemeral_gb': flavor['ephemeral_gb'], 'swap': 0,
            'metadata': {'k': 'v'}}


def test_claim_creates_instance_and_takes_usage(cell_db):
    node = _node(cell_db)
    created = claims.claim_and_create(cell_db, node, _instance())
    assert created['host'] == 'h1'
    assert created['metadata'] == {'k': 'v'}
    after = cell_db.compute_node_get(node['id'])
    assert (after['vcpus_used'], after['memory_mb_used'],
            after['local_gb_used'], after['running_vms']) == (1, 512, 1, 1)
    assert after['generation'] > node['generation']


def test_claim_refuses_beyond_capacity(cell_db):
    node = _node(cell_db, vcpus=2, memory_mb=1024, local_gb=100)
    claims.claim_and_create(cell_db, node, _instance())
    claims.claim_and_create(cell_db, node, _instance())
    with pytest.raises(exception.ClaimFailed):
        claims.claim_and_create(cell_db, node, _instance())
    assert cell_db.instance_get_all(filters={'host': 'h1'}).__len__() == 2


def test_allocation_ratio_and_reserved_memory(cell_db):
    node = cell_db.compute_node_update('h1', 'h1', {
        'vcpus': 1, 'memory_mb': 1024, 'local_gb': 100,
        'cpu_allocation_ratio': 4.0, 'ram_allocation_ratio': 1.0,
        'disk_allocation_ratio': 1.0, 'reserved_memory_mb': 512})
    claims.claim_and_create(cell_db, node, _instance())
    with pytest.raises(exception.ClaimFailed):
        claims.claim_and_create(cell_db, node, _instance())


def test_destroy_releases_claim_once(cell_db):
    node = _node(cell_db)
    created = claims.claim_and_create(cell_db, node, _instance())
    cell_db.instance_destroy(created['uuid'])
    with pytest.raises(exception.InstanceNotFound):
        cell_db.instance_destroy(created['uuid'])
    after = cell_db.compute_node_get(node['id'])
    assert (after['vcpus_used'], after['memory_mb_used'],
            after['running_vms']) == (0, 0, 0)
    deleted = cell_db.instance_get(created['uuid'], read_deleted='yes')
    assert deleted['vm_state'] == states.DELETED


def test_report_recounts_usage_from_instances(cell_db):
    node = _node(cell_db)
    claims.claim_and_create(cell_db, node, _instance())
    # A drifted counter is healed by the compute's periodic report.
    with cell_db.session() as session:
        from nube.db.cell import models
        session.query(models.ComputeNode).update({'vcpus_used': 3})
    healed = _node(cell_db)
    assert healed['vcpus_used'] == 1
    assert healed['running_vms'] == 1


def test_move_claim_moves_usage(cell_db):
    a = _node(cell_db, 'a')
    b = _node(cell_db, 'b')
    created = claims.claim_and_create(cell_db, a, _instance())
    claims.move_claim(cell_db, created['uuid'], b)
    assert cell_db.compute_node_get(a['id'])['vcpus_used'] == 0
    assert cell_db.compute_node_get(b['id'])['vcpus_used'] == 1
    assert cell_db.instance_get(created['uuid'])['host'] == 'b'


def test_racing_claimers_never_overcommit(tmp_path):
    """Two engines (two schedulers) claim one host from many threads."""
    path = 'sqlite:///%s' % (tmp_path / 'race.db')
    first = cell_api.CellDatabase(path)
    migration.db_sync(first, 'cell')
    second = cell_api.CellDatabase(path)
    node = _node(first, vcpus=7, memory_mb=1 << 20, local_gb=1000)
    won, lost, errors = [], [], []
    start = threading.Barrier(8)

    def claimer(db):
        start.wait()
        for _ in range(5):
            try:
                claims.claim_and_create(db, node, _instance())
                won.append(1)
            except exception.ClaimFailed:
                lost.append(1)
            except Exception as exc:  # a locked DB would show up here
                errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(db,))
               for db in (first, second) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(won) == 7
    assert len(lost) == 33
    final = first.compute_node_get(node['id'])
    assert final['vcpus_used'] == 7
    assert len(first.instance_get_all(filters={'host': 'h1'})) == 7
