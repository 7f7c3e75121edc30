"""The cell DB's network rules under real concurrency (MariaDB): CIDRs may
not overlap anywhere in a cell (its hosts share one routing table), so two
subnets on two networks made at the same moment must not both get the
same range."""

import threading
import uuid

import pytest

from nube.db.cell import api as cell_api
from nube.db import migration
from nube.network import exceptions as net_exc


@pytest.fixture
def cell_db(database_factory):
    url = database_factory('netrace')['netrace']
    db = cell_api.CellDatabase(url)
    migration.db_sync(db, 'cell')
    yield db
    db.dispose()


def _network(db, n):
    return db.network_create({
        'uuid': str(uuid.uuid4()), 'name': 'n%d' % n, 'project_id': 'p%d' % n,
        'shared': False, 'external': False, 'mtu': 1500,
        'network_type': 'flat', 'admin_state_up': True,
        'bridge': 'brrace%d' % n, 'multi_host': False})


def _subnet(net_uuid, cidr):
    return {'uuid': str(uuid.uuid4()), 'network_uuid': net_uuid,
            'project_id': 'p', 'name': '', 'description': '', 'cidr': cidr,
            'gateway_ip': None, 'enable_dhcp': True,
            'dns_nameservers': [], 'allocation_pools': []}


def test_concurrent_subnets_of_two_networks_never_overlap(cell_db):
    nets = [_network(cell_db, n) for n in range(2)]
    for round_ in range(10):
        cidr = '10.%d.0.0/24' % (200 + round_)
        barrier = threading.Barrier(2)
        results = []

        def create(net):
            barrier.wait()
            try:
                cell_db.subnet_create(_subnet(net['uuid'], cidr))
                results.append('made')
            except net_exc.OverlappingCidr:
                results.append('overlap')
        threads = [threading.Thread(target=create, args=(net,))
                   for net in nets]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(results) == ['made', 'overlap'], (round_, results)
    cidrs = [s['cidr'] for s in cell_db.subnet_get_all()]
    assert len(cidrs) == len(set(cidrs)) == 10
