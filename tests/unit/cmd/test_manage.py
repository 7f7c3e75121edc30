"""nube-manage on SQLite: databases, cells, hosts and flavors."""

import pytest

from nube.cells import targeting
from nube.cmd import manage
from nube.db.api import api as api_db
from nube.db.cell import api as cell_db
from nube.db import migration
import nube.conf

CONF = nube.conf.CONF


@pytest.fixture
def conf(tmp_path):
    api_url = 'sqlite:///%s' % (tmp_path / 'api.db')
    cell_url = 'sqlite:///%s' % (tmp_path / 'cell1.db')
    CONF.set_override('connection', api_url, group='api_database')
    CONF.set_override('connection', cell_url, group='database')
    CONF.set_override('transport_url', 'inproc://')
    api_db.reset()
    targeting.reset()
    yield {'api': api_url, 'cell1': cell_url, 'dir': tmp_path}
    api_db.reset()
    targeting.reset()
    CONF.clear_override('connection', group='api_database')
    CONF.clear_override('connection', group='database')
    CONF.clear_override('transport_url')


def _run(capsys, *argv):
    assert manage.run(list(argv)) == 0
    return capsys.readouterr().out


def test_cells_hosts_and_flavors(conf, capsys):
    _run(capsys, 'api_db', 'sync')
    out = _run(capsys, 'cell_v2', 'map_cell0')
    assert 'cell1_cell0.db' in out
    assert 'already' in _run(capsys, 'cell_v2', 'map_cell0')
    cell_uuid = _run(capsys, 'cell_v2', 'create_cell', '--name',
                     'cell1').strip()
    assert 'already exists' in _run(capsys, 'cell_v2', 'create_cell',
                                    '--name', 'cell1')
    _run(capsys, 'db', 'sync', '--cells')
    listing = _run(capsys, 'cell_v2', 'list_cells')
    assert 'cell0' in listing and cell_uuid in listing

    # A compute node reported in cell1 is found by discover_hosts once.
    db = cell_db.CellDatabase(conf['cell1'])
    assert migration.db_version(db) is not None
    db.compute_node_update('c1', 'c1', {'vcpus': 1, 'memory_mb': 1,
                                        'local_gb': 1})
    assert 'Discovered 1 new' in _run(capsys, 'cell_v2', 'discover_hosts')
    assert 'Discovered 0 new' in _run(capsys, 'cell_v2', 'discover_hosts')
    assert 'c1' in _run(capsys, 'cell_v2', 'list_hosts')

    assert _run(capsys, 'flavor', 'create', 'f1', '--id', 'x1', '--ram',
                '64', '--vcpus', '1').strip() == 'x1'
    assert 'f1' in _run(capsys, 'flavor', 'list')
    _run(capsys, 'flavor', 'delete', 'x1')
    assert 'f1' not in _run(capsys, 'flavor', 'list')
    assert 'Created 6' in _run(capsys, 'flavor', 'defaults')
    assert 'Created 0' in _run(capsys, 'flavor', 'defaults')


def test_errors_are_reported_not_raised(conf, capsys):
    _run(capsys, 'api_db', 'sync')
    assert manage.run(['flavor', 'delete', 'nope']) == 1
    assert 'could not be found' in capsys.readouterr().err


def test_network_create_list_delete(conf, capsys):
    _run(capsys, 'api_db', 'sync')
    _run(capsys, 'cell_v2', 'map_cell0')
    _run(capsys, 'cell_v2', 'create_cell', '--name', 'cell1')
    _run(capsys, 'db', 'sync', '--cells')
    net_id = _run(capsys, 'network', 'create', '--label', 'private',
                  '--fixed_range_v4', '10.80.0.0/24', '--bridge', 'br80',
                  '--vlan', '180', '--multi_host', 'T', '--dns1',
                  '192.0.2.53').strip()
    db = cell_db.CellDatabase(conf['cell1'])
    row = db.network_get(net_id)
    assert (row['bridge'], row['vlan'], row['multi_host']) == (
        'br80', 180, True)
    assert db.subnet_get_all()[0]['dns_nameservers'] == ['192.0.2.53']
    listing = _run(capsys, 'network', 'list')
    assert net_id in listing and '10.80.0.0/24' in listing
    # The same VLAN again: refused, and no second network is left.
    assert manage.run(['network', 'create', '--label', 'again',
                       '--fixed_range_v4', '10.81.0.0/24', '--vlan',
                       '180']) == 1
    assert 'VLAN 180' in capsys.readouterr().err
    assert len(db.network_get_all()) == 1
    _run(capsys, 'network', 'delete', net_id)
    assert db.network_get_all() == [] and db.subnet_get_all() == []
