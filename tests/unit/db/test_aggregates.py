"""Aggregates in the API DB, and claims under an aggregate's allocation
ratios, on SQLite."""

import uuid

import pytest

from nube.compute import states
from nube.db.api import aggregates
from nube import exception
from nube.scheduler import claims
from tests.unit import scheduler as fakes

FLAVOR = {'flavorid': '1', 'memory_mb': 512, 'vcpus': 1, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0}


def _instance():
    return {'uuid': str(uuid.uuid4()), 'project_id': 'p1', 'user_id': 'u1',
            'display_name': 'vm', 'vm_state': states.BUILDING,
            'task_state': states.SCHEDULING, 'flavor': FLAVOR,
            'flavorid': '1', 'memory_mb': 512, 'vcpus': 1, 'root_gb': 1,
            'ephemeral_gb': 0, 'swap': 0}


def test_crud_and_host_metadata_shape(api):
    a = aggregates.create(api, 'a', availability_zone='z1',
                          hosts=['h1'], metadata={'ssd': 'true'})
    b = api.aggregate_create('b', hosts=['h1', 'h2'])
    assert a['hosts'] == ['h1'] and a['availability_zone'] == 'z1'
    assert [x['name'] for x in aggregates.get_all(api)] == ['a', 'b']
    assert [x['name'] for x in aggregates.get_by_host(api, 'h2')] == ['b']
    assert api.aggregate_host_metadata() == {
        'h1': [{'availability_zone': 'z1', 'ssd': 'true'}, {}],
        'h2': [{}]}
    meta = api.aggregate_host_metadata()
    # One dict per aggregate, shared by its hosts (the filters rely on it).
    assert meta['h1'][1] is meta['h2'][0]
    with pytest.raises(aggregates.AggregateNameExists):
        aggregates.create(api, 'a')
    with pytest.raises(aggregates.AggregateNameExists):
        aggregates.update(api, b['id'], name='a')
    renamed = aggregates.update(api, b['id'], name='c')
    assert renamed['name'] == 'c' and renamed['updated_at'] is not None
    with pytest.raises(aggregates.InvalidAggregateActionDelete):
        aggregates.delete(api, a['id'])
    aggregates.remove_host(api, a['id'], 'h1')
    with pytest.raises(aggregates.AggregateHostNotFound):
        aggregates.remove_host(api, a['id'], 'h1')
    aggregates.delete(api, a['id'])
    with pytest.raises(aggregates.AggregateNotFound):
        aggregates.get(api, a['id'])
    assert aggregates.host_zones(api) == {}


def test_zone_rules(api):
    z1 = aggregates.create(api, 'z1', availability_zone='z1')
    z2 = aggregates.create(api, 'z2', availability_zone='z2')
    plain = aggregates.create(api, 'plain')
    aggregates.add_host(api, z1['id'], 'h1')
    aggregates.add_host(api, plain['id'], 'h1')
    with pytest.raises(aggregates.AggregateHostExists):
        aggregates.add_host(api, z1['id'], 'h1')
    with pytest.raises(aggregates.InvalidAggregateActionAdd):
        aggregates.add_host(api, z2['id'], 'h1')
    with pytest.raises(aggregates.InvalidAggregateActionUpdateMeta):
        aggregates.set_metadata(api, plain['id'],
                                {'availability_zone': 'z2'})
    with pytest.raises(aggregates.InvalidAggregateActionUpdate):
        aggregates.update(api, plain['id'], availability_zone='',
                          set_zone=True)
    # Joining the zone the host is in already is fine.
    same = aggregates.set_metadata(api, plain['id'],
                                   {'availability_zone': 'z1'})
    assert same['availability_zone'] == 'z1'
    assert aggregates.host_zones(api, ['h1']) == {'h1': {'z1'}}


def _node(cell_db, vcpus=2, ratio=1.0):
    return cell_db.compute_node_update('h1', 'h1', {
        'vcpus': vcpus, 'memory_mb': 100000, 'local_gb': 1000,
        'hypervisor_type': 'fake', 'hypervisor_version': 1,
        'cpu_allocation_ratio': ratio, 'ram_allocation_ratio': 1.0,
        'disk_allocation_ratio': 1.0})


def test_claim_uses_aggregate_ratio_over_the_nodes(cell_db):
    node = _node(cell_db, vcpus=2, ratio=1.0)
    wider = dict(node, cpu_allocation_ratio=2.0)
    for _ in range(4):
        claims.claim_and_create(cell_db, wider, _instance())
    with pytest.raises(exception.ClaimFailed):
        claims.claim_and_create(cell_db, wider, _instance())
    # Without the aggregate's ratio the node's own (1.0) holds: full.
    with pytest.raises(exception.ClaimFailed):
        claims.claim_and_create(cell_db, {'id': node['id'], 'host': 'h1',
                                          'hypervisor_hostname': 'h1'},
                                _instance())


def test_claim_aggregate_ratio_can_be_tighter(cell_db):
    node = _node(cell_db, vcpus=2, ratio=16.0)
    tight = dict(node, cpu_allocation_ratio=1.0)
    claims.claim_and_create(cell_db, tight, _instance())
    claims.claim_and_create(cell_db, tight, _instance())
    with pytest.raises(exception.ClaimFailed):
        claims.claim_and_create(cell_db, tight, _instance())
    claims.claim_and_create(cell_db, dict(node, cpu_allocation_ratio=None),
                            _instance())


def test_scheduler_node_dict_drives_the_claim(cell_db):
    node = _node(cell_db, vcpus=1, ratio=1.0)
    state = fakes.fake_host('h1', id=node['id'], vcpus=1,
                            cpu_allocation_ratio=1.0,
                            aggregates=[{'cpu_allocation_ratio': '3'}])
    from nube.scheduler import manager
    for _ in range(3):
        claims.claim_and_create(cell_db, manager._node_dict(state),
                                _instance())
    with pytest.raises(exception.ClaimFailed):
        claims.claim_and_create(cell_db, manager._node_dict(state),
                                _instance())


def test_host_manager_reads_aggregates_per_host(tmp_path, api, monkeypatch):
    from nube.cells import targeting
    from nube.db import migration
    from nube.db.api import api as api_db
    from nube.scheduler import host_manager

    cell = api.cell_mapping_create(
        'cell1', 'fake:///', 'sqlite:///%s' % (tmp_path / 'c1.db'))
    monkeypatch.setattr(api_db, 'get_database', lambda: api)
    targeting.reset()
    try:
        cell_db = targeting.cell_database(cell)
        migration.db_sync(cell_db, 'cell')
        for host in ('h1', 'h2'):
            cell_db.service_heartbeat(host, 'nube-compute')
            cell_db.compute_node_update(host, host, {
                'vcpus': 4, 'memory_mb': 4096, 'local_gb': 10,
                'hypervisor_type': 'fake', 'hypervisor_version': 1,
                'cpu_allocation_ratio': 1.0, 'ram_allocation_ratio': 1.0,
                'disk_allocation_ratio': 1.0})
        aggregates.create(api, 'fast', availability_zone='z1', hosts=['h1'],
                          metadata={'ssd': 'true',
                                    'cpu_allocation_ratio': '4'})
        aggregates.create(api, 'tight', hosts=['h1'],
                          metadata={'cpu_allocation_ratio': '2'})
        states = {s.host: s for s in
                  host_manager.HostManager().get_host_states(refresh=True)}
        h1, h2 = states['h1'], states['h2']
        assert [m.get('ssd') for m in h1.aggregates] == ['true', None]
        assert h1.availability_zone == 'z1'
        assert h1.cpu_allocation_ratio == 2.0 and h1.free_vcpus == 8
        assert h2.aggregates == [] and h2.free_vcpus == 4
    finally:
        targeting.cell_database(cell).dispose()
        targeting.reset()
