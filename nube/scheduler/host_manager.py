"""Host states of every cell, cached in memory and refreshed on an interval.

Claims check capacity in the database, so a stale cache costs at most a
failed claim and a retry; it never causes overcommit.
"""

import threading
import time

from oslo_log import log as logging

from nube.cells import targeting
import nube.conf
from nube.db.api import api as api_db
from nube.scheduler import host_state as hs
from nube import utils

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'nube-compute'


class HostManager:
    def __init__(self):
        self._states = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def get_host_states(self, refresh=False):
        """All host states, reloaded when older than host_refresh_interval."""
        age = time.monotonic() - self._loaded_at
        if refresh or not self._states or \
                age >= CONF.scheduler.host_refresh_interval:
            with self._lock:
                if refresh or time.monotonic() - self._loaded_at >= \
                        CONF.scheduler.host_refresh_interval or \
                        not self._states:
                    self._load()
        return list(self._states.values())

    def _load(self):
        started = time.monotonic()
        aggregates = api_db.get_database().aggregate_host_metadata()
        now = utils.utcnow()
        states = {}
        for cell in targeting.get_cells():
            try:
                cell_db = targeting.cell_database(cell)
                nodes = cell_db.compute_node_get_all(raw_times=True)
                services = {s['host']: s for s in cell_db.service_get_all(
                    binary=COMPUTE_BINARY, raw_times=True)}
            except Exception:
                LOG.exception('Cell %s did not answer; its hosts are left '
                              'out of this refresh', cell['name'])
                continue
            for node in nodes:
                key = (node['host'], node['hypervisor_hostname'])
                state = self._states.get(key)
                agg = aggregates.get(node['host'], ())
                if state is None:
                    state = hs.HostState.from_dicts(
                        node, services.get(node['host']), agg,
                        cell_uuid=cell['uuid'], cell_name=cell['name'],
                        now=now)
                else:
                    state.update_from_compute_node(node)
                    state.update_service(services.get(node['host']),
                                         now=now)
                    state.update_aggregates(agg)
                states[key] = state
        self._states = states
        self._loaded_at = time.monotonic()
        LOG.debug('Loaded %d host states in %.1f ms', len(states),
                  (time.monotonic() - started) * 1000)

    def refresh_host(self, state):
        """Reload one host's node row (after a lost claim race)."""
        cell = next((c for c in targeting.get_cells()
                     if c['uuid'] == state.cell_uuid), None)
        if cell is None:
            return
        try:
            node = targeting.cell_database(cell).compute_node_get(
                state.compute_node_id)
        except Exception:
            LOG.warning('Could not reload host %s', state.host)
            return
        state.update_from_compute_node(node)

    def set_instances_for_hints(self, states, spec):
        """Fill ``instances`` on hosts that run instances named in hints."""
        hints = spec.get('scheduler_hints') or {}
        wanted = set()
        for key in ('same_host', 'different_host'):
            value = hints.get(key)
            if isinstance(value, str):
                wanted.add(value)
            elif value:
                wanted.update(value)
        for state in states:
            state.instances = set()
        if not wanted:
            return
        by_key = {(s.cell_uuid, s.host): s for s in states}
        for cell in targeting.get_cells():
            rows = targeting.cell_database(cell).instance_get_all(
                filters={'uuid': list(wanted)}, joins=False)
            for row in rows:
                state_ = by_key.get((cell['uuid'], row['host']))
                if state_ is not None:
                    state_.instances.add(row['uuid'])
