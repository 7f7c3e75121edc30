"""Builds that finished while the conductor could not be told.

A build that spawned its guest but whose final update found no conductor
(the bus or the database was down for longer than the call retry window)
is not failed: its result is kept here, and the compute's periodic task
reports it again until the conductor answers. If the instance moved on
meanwhile (deleted, or errored by the reaper at its deadline), the guest
is handed to ``on_lost`` and the result dropped. Kept in memory only: a
compute restart resumes builds from their task state instead.
"""

import threading

from oslo_log import log as logging
import oslo_messaging as messaging

from nube import exception

LOG = logging.getLogger(__name__)


class UnreportedResults:
    def __init__(self):
        self._lock = threading.Lock()
        self._results = {}

    def __len__(self):
        with self._lock:
            return len(self._results)

    def add(self, uuid, updates, expected_task_state, instance,
            network_info):
        with self._lock:
            self._results[uuid] = (updates, expected_task_state, instance,
                                   network_info)

    def flush(self, ctxt, conductor_api, on_lost):
        """Report what is pending; returns how many got through."""
        with self._lock:
            pending = list(self._results.items())
        reported = 0
        for uuid, (updates, expected, instance, network_info) in pending:
            try:
                conductor_api.instance_update(
                    ctxt, uuid, updates, expected_task_state=expected,
                    returning=False)
            except messaging.MessagingTimeout:
                LOG.warning('Conductor still unreachable; %d build results '
                            'wait to be reported', len(pending) - reported)
                return reported
            except exception.INSTANCE_MOVED_ON as exc:
                LOG.warning('Instance %s moved on before its build result '
                            'could be reported: %s', uuid, exc)
                on_lost(ctxt, instance, network_info)
            except Exception:
                LOG.exception('Reporting the build of instance %s failed; '
                              'trying again later', uuid)
                continue
            else:
                LOG.info('Instance %s is active (reported late)', uuid)
                reported += 1
            with self._lock:
                self._results.pop(uuid, None)
        return reported
