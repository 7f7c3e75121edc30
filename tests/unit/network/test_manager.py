"""nube-network's NetworkManager on a SQLite cell DB: it syncs at start,
folds a burst of refresh casts into one sync, and a failed sync is tried
again. The plugin records syncs instead of changing the host (the host
side has tests/functional/test_network_dataplane.py)."""

import threading
import time

import pytest

import nube.conf
from nube import context
from nube.network import api as network_api
from nube.network import manager as network_manager

CONF = nube.conf.CONF
ALICE = context.RequestContext(user_id='alice', project_id='pa')


class RecordingPlugin:
    def __init__(self):
        self.synced = []
        self.fail_next = False
        self.event = threading.Event()

    def sync(self, networks):
        if self.fail_next:
            self.fail_next = False
            self.event.set()
            raise RuntimeError('host said no')
        self.synced.append([n['id'] for n in networks])
        self.event.set()


@pytest.fixture
def service(cell_db):
    CONF.set_override('sync_batch_delay', 0.2, group='network')
    plugin = RecordingPlugin()
    manager = network_manager.NetworkManager(cell_db, host='net1',
                                             plugin=plugin)
    yield manager, plugin
    manager.cleanup_host()
    CONF.clear_override('sync_batch_delay', group='network')


def _wait(plugin, count, timeout=5):
    """Until the plugin saw ``count`` syncs (or fail)."""
    deadline = threading.Event()
    timer = threading.Timer(timeout, deadline.set)
    timer.start()
    try:
        while len(plugin.synced) < count and not deadline.is_set():
            plugin.event.wait(0.05)
            plugin.event.clear()
    finally:
        timer.cancel()
    assert len(plugin.synced) >= count, plugin.synced


def test_start_syncs_from_the_database(cell_db, service):
    manager, plugin = service
    nets = network_api.CellNetworks(cell_db)
    nets._rpc = type('NoCasts', (), {'refresh': lambda *a: None})()
    net = nets.create_network(ALICE, {'name': 'n'})
    manager.init_host()
    assert plugin.synced == [[net['id']]]


def test_a_burst_of_refreshes_is_one_sync(service):
    manager, plugin = service
    manager.init_host()
    assert len(plugin.synced) == 1
    # Five casts over 0.12 s (pacing, as a boot storm's arrive), inside
    # the 0.2 s batch delay: without it each would be a sync of its own.
    for _ in range(5):
        manager.refresh(None, ['x'])
        time.sleep(0.03)
    _wait(plugin, 2)
    # Nothing more is coming: the burst was folded into that one sync.
    plugin.event.clear()
    assert not plugin.event.wait(0.6)
    assert len(plugin.synced) == 2


def test_a_failed_sync_is_tried_again(service):
    manager, plugin = service
    manager.init_host()
    plugin.event.clear()
    plugin.fail_next = True
    manager.refresh(None, ['x'])
    assert plugin.event.wait(5) and not plugin.fail_next
    manager.refresh(None, ['x'])
    _wait(plugin, 2)
