"""The reaper: no instance stays in a task state forever.

Two ways a task can be abandoned: its step overran the deadline written
with the task state, or the compute doing it stopped heartbeating. Either
way the instance goes to ERROR with a fault saying why. Every transition is
a compare-and-swap on the task state the reaper saw, so a compute that
finishes at the same moment wins and its result is kept.
"""

import datetime

from oslo_log import log as logging

from nube import utils
from nube.compute import states
import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'nube-compute'
_BATCH = 100
_MAX_BATCHES = 20


def _parse(value):
    if value is None or isinstance(value, datetime.datetime):
        return value
    try:
        return utils.parse_isotime(value)
    except ValueError:
        return None


def service_is_up(service, now):
    """Whether a service row heartbeated within [DEFAULT] service_down_time."""
    if service.get('forced_down'):
        return False
    last = _parse(service.get('last_seen_up'))
    if last is None:
        return False
    return (now - last).total_seconds() <= CONF.service_down_time


def _compute_hosts(cell_db, now, up):
    """Hosts whose nube-compute service is up (``up``) or down."""
    services = cell_db.service_get_all(binary=COMPUTE_BINARY)
    return {s['host'] for s in services if service_is_up(s, now) == up}


def down_compute_hosts(cell_db, now):
    """Hosts whose nube-compute service is down, sorted."""
    return sorted(_compute_hosts(cell_db, now, up=False))


def _overdue(cell_db, now):
    """Every overdue instance, in batches (a boot storm may time out many)."""
    seen = set()
    for _batch in range(_MAX_BATCHES):
        batch = [inst for inst in cell_db.instance_get_overdue(
            now, limit=_BATCH) if inst['uuid'] not in seen]
        for inst in batch:
            seen.add(inst['uuid'])
            yield inst
        if len(batch) < _BATCH:
            return


def _reap_overdue(cell_db, now, recast=None):
    count = 0
    up_hosts = None
    for inst in _overdue(cell_db, now):
        state = inst['task_state']
        if recast is not None and state == states.SCHEDULING and \
                inst.get('host'):
            # Never started on a live host: its build cast may have been
            # lost (a message bus restart), so send it once more.
            if up_hosts is None:
                up_hosts = _compute_hosts(cell_db, now, up=True)
            if inst['host'] in up_hosts and recast(inst):
                continue
        started = _parse(inst.get('updated_at'))
        elapsed = int((now - started).total_seconds()) if started else 0
        message = ('Timed out in task_state %s after %ds on host %s' %
                   (state, elapsed, inst.get('host')))
        if cell_db.set_error(inst['uuid'], message, code=500,
                             host=inst.get('host'),
                             expected_task_state=state):
            LOG.warning('Instance %s -> ERROR: %s', inst['uuid'], message)
            count += 1
        else:
            LOG.info('Instance %s left task_state %s before the reaper '
                     'could time it out; keeping its new state',
                     inst['uuid'], state)
    return count


def _reap_down_hosts(cell_db, now):
    hosts = down_compute_hosts(cell_db, now)
    if not hosts:
        return 0
    count = 0
    for inst in cell_db.instance_get_building_on_hosts(hosts):
        state = inst['task_state']
        host = inst.get('host')
        message = ('Compute service on host %s is down (no heartbeat for '
                   'more than %ds) during task_state %s' %
                   (host, CONF.service_down_time, state))
        if cell_db.set_error(inst['uuid'], message, code=500, host=host,
                             expected_task_state=state):
            LOG.warning('Instance %s -> ERROR: %s', inst['uuid'], message)
            count += 1
        else:
            LOG.info('Instance %s left task_state %s before the reaper '
                     'could error it; keeping its new state',
                     inst['uuid'], state)
    return count


def reap(cell_db, now=None, check_down_hosts=True, recast=None):
    """One reaper pass over a cell; returns what it did, for callers/tests.

    ``check_down_hosts`` is False while the conductor itself has not run
    for a full service_down_time: heartbeats travel through the conductor,
    so right after it was down every compute looks dead. ``recast(inst)``,
    when given, may send an overdue queued build to its live host again
    (True: it did, and the instance is left alone this pass).
    """
    now = now or utils.utcnow()
    counts = {'overdue': _reap_overdue(cell_db, now, recast=recast),
              'host_down': 0}
    if check_down_hosts:
        counts['host_down'] = _reap_down_hosts(cell_db, now)
    return counts
