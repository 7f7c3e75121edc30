"""Migrations build exactly the models' schema on SQLite."""

from alembic import autogenerate
from alembic import migration as alembic_migration
import pytest

from nube.db.api import api as api_db
from nube.db.api import models as api_models
from nube.db.cell import api as cell_api
from nube.db.cell import models as cell_models
from nube.db import migration


@pytest.mark.parametrize('kind,cls,models', [
    ('api', api_db.ApiDatabase, api_models),
    ('cell', cell_api.CellDatabase, cell_models)])
def test_migrations_match_models(tmp_path, kind, cls, models):
    db = cls('sqlite:///%s' % (tmp_path / ('%s.db' % kind)))
    migration.db_sync(db, kind)
    assert migration.db_version(db) is not None
    with db.engine.connect() as conn:
        ctx = alembic_migration.MigrationContext.configure(conn)
        diff = autogenerate.compare_metadata(ctx, models.Base.metadata)
    assert diff == []
    # Running it again is a no-op.
    migration.db_sync(db, kind)


def test_ports_from_before_security_groups_join_the_default_group(
        tmp_path):
    """0005: a project's ports (not the network's own) get its default
    group with Neutron's two rules, as if the network API had made them."""
    import sqlalchemy as sa
    db = cell_api.CellDatabase('sqlite:///%s' % (tmp_path / 'cell.db'))
    migration.db_sync(db, 'cell', '0004')
    ports = sa.table('ports', *[sa.column(c) for c in (
        'uuid', 'network_uuid', 'project_id', 'name', 'description',
        'mac_address', 'device_id', 'device_owner', 'admin_state_up',
        'auto_delete', 'revision_number')])
    with db.engine.begin() as conn:
        for n, (project, owner) in enumerate((
                ('pa', 'compute:nova'), ('pa', ''), ('pb', 'compute:nova'),
                ('pa', 'network:dhcp'))):
            conn.execute(ports.insert().values(
                uuid='port-%d' % n, network_uuid='net', project_id=project,
                name='', description='', mac_address='fa:16:3e:00:00:0%d'
                % n, device_id='', device_owner=owner, admin_state_up=True,
                auto_delete=False, revision_number=1))
    migration.db_sync(db, 'cell')
    bound = db.port_security_groups(['port-0', 'port-1', 'port-2',
                                     'port-3'])
    assert set(bound) == {'port-0', 'port-1', 'port-2'}
    assert bound['port-0'] == bound['port-1'] != bound['port-2']
    group = db.security_group_get(bound['port-0'][0])
    assert (group['name'], group['default_for']) == ('default', 'pa')
    assert sorted((r['direction'], r['remote_group_uuid'])
                  for r in group['rules']) == [
        ('egress', None), ('ingress', group['uuid'])]
