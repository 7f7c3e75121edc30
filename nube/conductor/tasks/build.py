"""Build retry: a compute could not spawn, so try the scheduler's alternates.

The scheduler hands every build a short list of alternate hosts in the
same cell. When a compute reports failure, the conductor moves the claim
to the first alternate that still has room (one transaction: release the
old node, claim the new one) and casts the build there. When no alternate
is left the instance goes to ERROR with a fault naming the last reason.
"""

from oslo_log import log as logging

from nube import exception
from nube.compute import states
import nube.conf
from nube.scheduler import claims

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

_RETRYABLE = (states.SPAWNING, states.SCHEDULING)


def _node_for(cell_db, alternate):
    """The compute node dict move_claim needs, from an alternate dict."""
    if alternate.get('compute_node_id') is not None:
        return {'id': alternate['compute_node_id'],
                'host': alternate['host'],
                'hypervisor_hostname': alternate.get('nodename') or
                alternate['host']}
    for node in cell_db.compute_nodes_get_by_host(alternate['host']):
        if node['hypervisor_hostname'] == (alternate.get('nodename') or
                                           node['hypervisor_hostname']):
            return node
    raise exception.ClaimFailed(host=alternate['host'],
                                reason='no such compute node')


def spec_for(instance):
    sysmeta = instance.get('system_metadata') or {}
    return {'requested_networks': sysmeta.get('requested_networks', 'auto')}


def retry_build(ctxt, cell_db, compute_api, instance_uuid, host, reason,
                alternates):
    """Retry a failed build elsewhere, or ERROR it; returns the new host."""
    LOG.warning('Build of instance %s failed on host %s: %s',
                instance_uuid, host, reason)
    # Guard and deadline in one compare-and-swap: a delete or a reaper
    # pass that got there first wins, and nothing is retried.
    try:
        cell_db.instance_update(
            instance_uuid, {'task_state': states.SCHEDULING},
            expected_task_state=list(_RETRYABLE),
            expected_vm_state=states.BUILDING,
            deadline=CONF.conductor.scheduling_timeout)
    except (exception.InstanceNotFound, exception.UnexpectedTaskState,
            exception.InstanceInvalidState) as exc:
        LOG.info('Not retrying build of instance %s: %s', instance_uuid, exc)
        return None

    remaining = list(alternates or [])
    tried = [host]
    last_reason = reason
    while remaining:
        alternate = remaining.pop(0)
        tried.append(alternate['host'])
        try:
            node = _node_for(cell_db, alternate)
            claims.move_claim(cell_db, instance_uuid, node)
        except exception.ClaimFailed as exc:
            LOG.info('Alternate host %s for instance %s: %s',
                     alternate['host'], instance_uuid, exc)
            last_reason = '%s (then claim failed: %s)' % (last_reason, exc)
            continue
        except exception.InstanceNotFound:
            LOG.info('Instance %s was deleted during build retry',
                     instance_uuid)
            return None
        instance = cell_db.instance_get(instance_uuid)
        LOG.info('Retrying build of instance %s on host %s (%d alternates '
                 'left)', instance_uuid, alternate['host'], len(remaining))
        compute_api.build_and_run_instance(
            ctxt, alternate['host'], instance, spec_for(instance),
            remaining)
        return alternate['host']

    message = 'Build of instance %s failed on all hosts: %s' % (
        instance_uuid, last_reason)
    details = 'Hosts tried: %s\nLast failure: %s' % (
        ', '.join(tried), last_reason)
    if cell_db.set_error(instance_uuid, message, code=500, details=details,
                         host=host, expected_task_state=states.SCHEDULING):
        LOG.warning('Instance %s -> ERROR: %s', instance_uuid, message)
    else:
        LOG.info('Instance %s changed state before its build could be '
                 'errored; keeping the new state', instance_uuid)
    return None
