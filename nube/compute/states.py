"""Instance states (Nova's names) and how the API shows them as status."""

# vm_state: what the instance is.
ACTIVE = 'active'
BUILDING = 'building'
PAUSED = 'paused'
SUSPENDED = 'suspended'
STOPPED = 'stopped'
RESCUED = 'rescued'
RESIZED = 'resized'
SOFT_DELETED = 'soft-delete'
DELETED = 'deleted'
ERROR = 'error'
SHELVED = 'shelved'
SHELVED_OFFLOADED = 'shelved_offloaded'

# task_state: what is being done to it (None when idle).
SCHEDULING = 'scheduling'
BLOCK_DEVICE_MAPPING = 'block_device_mapping'
NETWORKING = 'networking'
SPAWNING = 'spawning'
DELETING = 'deleting'
POWERING_OFF = 'powering-off'
POWERING_ON = 'powering-on'
REBOOTING = 'rebooting'
REBOOTING_HARD = 'rebooting_hard'
PAUSING = 'pausing'
UNPAUSING = 'unpausing'
SUSPENDING = 'suspending'
RESUMING = 'resuming'
REBUILDING = 'rebuilding'
REBUILD_BLOCK_DEVICE_MAPPING = 'rebuild_block_device_mapping'
REBUILD_SPAWNING = 'rebuild_spawning'
REBUILD_STATES = (REBUILDING, REBUILD_BLOCK_DEVICE_MAPPING, REBUILD_SPAWNING)

# power_state: what the hypervisor says.
NOSTATE = 0
RUNNING = 1
PAUSED_POWER = 3
SHUTDOWN = 4
CRASHED = 6
SUSPENDED_POWER = 7

POWER_STATE_NAMES = {NOSTATE: 'pending', RUNNING: 'running',
                     PAUSED_POWER: 'paused', SHUTDOWN: 'shutdown',
                     CRASHED: 'crashed', SUSPENDED_POWER: 'suspended'}

_STATUS_BY_VM_STATE = {
    ACTIVE: {'default': 'ACTIVE', REBOOTING: 'REBOOT',
             REBOOTING_HARD: 'HARD_REBOOT',
             **dict.fromkeys(REBUILD_STATES, 'REBUILD')},
    BUILDING: {'default': 'BUILD'},
    STOPPED: {'default': 'SHUTOFF',
              **dict.fromkeys(REBUILD_STATES, 'REBUILD')},
    RESIZED: {'default': 'VERIFY_RESIZE'},
    PAUSED: {'default': 'PAUSED'},
    SUSPENDED: {'default': 'SUSPENDED'},
    RESCUED: {'default': 'RESCUE'},
    ERROR: {'default': 'ERROR', **dict.fromkeys(REBUILD_STATES, 'REBUILD')},
    DELETED: {'default': 'DELETED'},
    SOFT_DELETED: {'default': 'SOFT_DELETED'},
    SHELVED: {'default': 'SHELVED'},
    SHELVED_OFFLOADED: {'default': 'SHELVED_OFFLOADED'},
}


def status_from_state(vm_state, task_state=None):
    """The API's status for a vm_state/task_state pair, as Nova maps them."""
    by_task = _STATUS_BY_VM_STATE.get(vm_state, {'default': 'UNKNOWN'})
    status = by_task.get(task_state, by_task['default'])
    if status == 'UNKNOWN':
        return 'UNKNOWN'
    return status


def vm_states_for_status(status):
    """(vm_state, task_state or None for any) pairs an API status means."""
    status = status.upper()
    matches = []
    for vm_state, by_task in _STATUS_BY_VM_STATE.items():
        for task_state, name in by_task.items():
            if name == status:
                if task_state == 'default':
                    task_state = None
                matches.append((vm_state, task_state))
    return matches
