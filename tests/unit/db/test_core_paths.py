"""The per-server DB paths run Core statements: same answers as the ORM."""

import uuid

import pytest
import sqlalchemy as sa

from nube import context as nube_context
from nube import exception
from nube.db import base
from nube.db.api import models as api_models
from nube.db.cell import api as cell_api
from nube.db.cell import models
from nube.network import api as network_api


def _instance(**values):
    return dict({'uuid': str(uuid.uuid4()), 'project_id': 'p',
                 'user_id': 'u', 'vm_state': 'building',
                 'task_state': 'scheduling', 'host': 'h1', 'node': 'h1',
                 'flavor': {'vcpus': 1, 'memory_mb': 512, 'root_gb': 1},
                 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1}, **values)


def _orm_dict(db, uuid_):
    with db.session() as session:
        row = session.execute(sa.select(models.Instance).where(
            models.Instance.uuid == uuid_)).scalar_one()
        return cell_api.instance_to_dict(row)


def test_insert_row_fills_defaults_and_key(cell_db):
    with cell_db.transaction() as conn:
        row = base.insert_row(conn, models.Service.__table__, {
            'uuid': 'x', 'host': 'h', 'binary': 'b'})
    assert row['id'] >= 1
    assert row['report_count'] == 0 and row['disabled'] is False
    assert row['topic'] is None
    with cell_db.session() as session:
        stored = base.row_to_dict(session.get(models.Service, row['id']))
    assert base.mapping_to_dict(row) == stored


def test_instance_create_answers_what_the_row_holds(cell_db):
    created = cell_db.instance_create(_instance(
        metadata={'k': 'v'}, tags=['t1', 't2']))
    assert created['metadata'] == {'k': 'v'}
    assert created['tags'] == ['t1', 't2']
    stored = _orm_dict(cell_db, created['uuid'])
    assert {k: created[k] for k in stored} == stored
    got = cell_db.instance_get(created['uuid'])
    assert got['metadata'] == {'k': 'v'} and sorted(got['tags']) == [
        't1', 't2']


@pytest.mark.parametrize('expected, ok', [
    ('scheduling', True), (['spawning', 'scheduling'], True),
    ([None, 'scheduling'], True), ([None], False), (None, False),
    ([], False), ('spawning', False)])
def test_update_compare_and_swap_shapes(cell_db, expected, ok):
    uuid_ = cell_db.instance_create(_instance())['uuid']
    if ok:
        result = cell_db.instance_update(
            uuid_, {'task_state': 'spawning'}, expected_task_state=expected)
        assert result['task_state'] == 'spawning'
        assert result == dict(_orm_dict(cell_db, uuid_), metadata={},
                              tags=[], fault=None, fixed_ips=[],
                              floating_ips=[])
    else:
        with pytest.raises(exception.UnexpectedTaskState):
            cell_db.instance_update(uuid_, {'task_state': 'spawning'},
                                    expected_task_state=expected)
        assert cell_db.instance_get(uuid_)['task_state'] == 'scheduling'


def test_update_from_null_task_state_and_vm_state_check(cell_db):
    uuid_ = cell_db.instance_create(_instance(task_state=None,
                                              vm_state='active'))['uuid']
    done = cell_db.instance_update(uuid_, {'power_state': 1},
                                   expected_task_state=None, joins=False)
    assert done['power_state'] == 1 and 'metadata' not in done
    with pytest.raises(exception.InstanceInvalidState):
        cell_db.instance_update(uuid_, {'task_state': 'deleting'},
                                expected_vm_state=['stopped'])
    cell_db.instance_update(uuid_, {'task_state': 'deleting'},
                            expected_vm_state=['active', 'stopped'])
    assert cell_db.instance_get(uuid_)['task_state'] == 'deleting'


def test_update_rejects_unknown_columns_and_replaces_metadata(cell_db):
    uuid_ = cell_db.instance_create(_instance(metadata={'a': '1'}))['uuid']
    with pytest.raises(sa.exc.CompileError):
        cell_db.instance_update(uuid_, {'no_such_column': 1})
    result = cell_db.instance_update(uuid_, {'metadata': {'b': '2'}})
    assert result['metadata'] == {'b': '2'}
    with pytest.raises(exception.InstanceNotFound):
        cell_db.instance_update(str(uuid.uuid4()), {'power_state': 1})


def test_destroy_cas_failure_keeps_usage(cell_db):
    node = cell_db.compute_node_update('h1', 'h1', {
        'vcpus': 4, 'memory_mb': 4096, 'local_gb': 10})
    uuid_ = cell_db.instance_create(_instance())['uuid']
    cell_db.compute_node_update('h1', 'h1', {})   # recount: 1 instance
    with pytest.raises(exception.UnexpectedTaskState):
        cell_db.instance_destroy(uuid_, expected_task_state='deleting')
    assert cell_db.compute_node_get(node['id'])['vcpus_used'] == 1
    gone = cell_db.instance_destroy(uuid_, expected_task_state=[
        'scheduling'])
    assert gone['vm_state'] == 'deleted' and gone['deleted'] == gone['id']
    assert cell_db.compute_node_get(node['id'])['vcpus_used'] == 0
    with pytest.raises(exception.InstanceNotFound):
        cell_db.instance_get(uuid_)
    assert cell_db.instance_get(uuid_, read_deleted='only')['uuid'] == uuid_


def test_joins_of_one_instance_match_the_bulk_query(cell_db):
    first = cell_db.instance_create(_instance(
        metadata={'m': 'v'}, tags=['a']))['uuid']
    other = cell_db.instance_create(_instance())['uuid']
    network_api.CellNetworks(cell_db).allocate_for_instance(
        nube_context.get_admin_context(), cell_db.instance_get(first),
        'auto', 'h1')
    cell_db.set_error(first, 'broken')
    cell_db.set_error(first, 'broken again')
    one = cell_db.instance_get(first)
    many = {i['uuid']: i for i in cell_db.instance_get_all(
        filters={'uuid': [first, other]})}
    assert one == many[first]
    assert one['fault']['message'] == 'broken again'
    assert one['fixed_ips'][0]['address'] == '10.0.0.2'


def test_heartbeat_and_service_lookup(cell_db):
    first = cell_db.service_heartbeat('h1', 'nube-compute', topic='compute')
    again = cell_db.service_heartbeat('h1', 'nube-compute')
    assert first['report_count'] == 1 and again['report_count'] == 2
    assert again['id'] == first['id'] and again['topic'] == 'compute'
    cell_db.service_heartbeat('h2', 'nube-compute')
    exact = cell_db.service_get_all(host='h1', binary='nube-compute')
    by_host = cell_db.service_get_all(host='h1')
    assert exact == by_host and len(exact) == 1
    assert len(cell_db.service_get_all(binary='nube-compute')) == 2


def test_flavor_lookup_and_private_flavors(api):
    api.flavor_create({'name': 'pub', 'flavorid': 'f1', 'memory_mb': 512,
                       'vcpus': 1, 'extra_specs': {'k': 'v'}})
    api.flavor_create({'name': 'priv', 'flavorid': 'f2', 'memory_mb': 512,
                       'vcpus': 1, 'is_public': False}, projects=['p1'])
    mine = nube_context.RequestContext(user_id='u', project_id='p1')
    theirs = nube_context.RequestContext(user_id='u', project_id='p2')
    flavor = api.flavor_get_by_flavorid('f1', theirs)
    assert flavor['extra_specs'] == {'k': 'v'} and flavor['vcpus'] == 1
    assert api.flavor_get_by_flavorid('f2', mine)['name'] == 'priv'
    with pytest.raises(exception.FlavorNotFound):
        api.flavor_get_by_flavorid('f2', theirs)
    with pytest.raises(exception.FlavorNotFound):
        api.flavor_get_by_flavorid('nope')


def test_flavor_lookup_is_one_statement_with_every_spec(api):
    api.flavor_create({'name': 'specs', 'flavorid': 'f3', 'memory_mb': 256,
                       'vcpus': 2, 'extra_specs': {'a': '1', 'b': '2',
                                                   'c': None}})
    api.flavor_create({'name': 'bare', 'flavorid': 'f4', 'memory_mb': 256,
                       'vcpus': 1})
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)
    sa.event.listen(api.engine, 'before_cursor_execute', record)
    try:
        specs = api.flavor_get_by_flavorid('f3')
        bare = api.flavor_get_by_flavorid('f4')
    finally:
        sa.event.remove(api.engine, 'before_cursor_execute', record)
    assert len([s for s in statements if s.startswith('SELECT')]) == 2
    assert specs['extra_specs'] == {'a': '1', 'b': '2', 'c': None}
    assert bare['extra_specs'] == {}
    # The same flavor dict the name lookup gives, and nothing more.
    assert specs == api.flavor_get_by_name('specs')
    assert bare == api.flavor_get_by_name('bare')


def test_build_intent_hand_over_and_delete_mark(api):
    cell = api.cell_mapping_create('cell1', 'none:///', 'sqlite://')
    uuids = [str(uuid.uuid4()) for _ in range(2)]
    api.build_create([{'instance': {'uuid': u, 'project_id': 'p',
                                    'user_id': 'u'}, 'spec': {'n': i}}
                      for i, u in enumerate(uuids)])
    assert api.build_request_get(uuids[0])['uuid'] == uuids[0]
    assert api.request_spec_get(uuids[1]) == {'n': 1}
    mapping = api.instance_mapping_get(uuids[0])
    assert mapping['cell_id'] is None and mapping['queued_for_delete'] is False
    assert api.build_request_complete(uuids[0], cell['id']) is True
    assert api.build_request_complete(uuids[0], cell['id']) is False
    assert api.instance_mapping_get(uuids[0])['cell_id'] == cell['id']
    api.instance_mapping_set_queued_for_delete(uuids[0])
    mapping = api.instance_mapping_get(uuids[0])
    assert mapping['queued_for_delete'] is True and mapping['updated_at']
    with api.session() as session:
        left = session.execute(sa.select(sa.func.count()).select_from(
            api_models.BuildRequest)).scalar()
    assert left == 1
    with pytest.raises(exception.InstanceMappingNotFound):
        api.instance_mapping_get(str(uuid.uuid4()))


def test_report_updates_totals_and_recounts_in_one_statement(cell_db):
    first = cell_db.compute_node_update('h1', 'h1', {
        'vcpus': 4, 'memory_mb': 4096, 'local_gb': 10,
        'supported_instances': [['x86_64', 'qemu', 'hvm']]})
    assert first['vcpus'] == 4 and first['vcpus_used'] == 0
    cell_db.instance_create(_instance())
    again = cell_db.compute_node_update('h1', 'h1', {
        'vcpus': 8, 'memory_mb': 8192, 'local_gb': 20})
    assert again['id'] == first['id']
    assert (again['vcpus'], again['memory_mb'], again['local_gb']) == (
        8, 8192, 20)
    assert (again['vcpus_used'], again['memory_mb_used'],
            again['local_gb_used'], again['running_vms']) == (1, 512, 1, 1)
    assert again['generation'] > first['generation']
    assert again['updated_at'] is not None
    assert again['supported_instances'] == first['supported_instances']
