"""An in-memory virt driver for tests and scale benchmarks.

Guests are entries in a dict, one dict per host name, kept on the class so
that several compute services in one process (``[compute] fake_hosts``)
stay independent while two drivers built for the same host share state.
Every call is O(1) except the two listings, and nothing sleeps (unless
[compute] fake_spawn_seconds asks spawns to take time).
"""

import json
import threading
import time

from nube import exception
from nube.compute import states
from nube.compute.virt import driver
import nube.conf

CONF = nube.conf.CONF

HYPERVISOR_TYPE = 'fake'
HYPERVISOR_VERSION = 1000


class FakeDriver(driver.ComputeDriver):
    """Guests that exist only as a power state in memory."""

    # host name -> {instance uuid -> power state}
    _hosts = {}
    # instance uuid -> MACs attached after spawn
    _nics = {}
    _lock = threading.Lock()

    def __init__(self, host):
        super().__init__(host)
        with FakeDriver._lock:
            self._guests = FakeDriver._hosts.setdefault(host, {})

    @classmethod
    def reset(cls, host=None):
        """Forget every guest (of one host, or all); for tests."""
        with cls._lock:
            if host is None:
                for guests in cls._hosts.values():
                    guests.clear()
            else:
                cls._hosts.get(host, {}).clear()

    def init_host(self):
        pass

    def get_available_nodes(self):
        return [self.host]

    def get_available_resource(self, nodename):
        if nodename != self.host:
            raise exception.VirtDriverError(
                reason='node %s is not on host %s' % (nodename, self.host))
        ccfg = CONF.compute
        cpu_info = {'arch': 'x86_64', 'model': 'fake', 'vendor': 'nube',
                    'topology': {'sockets': 1, 'cores': ccfg.fake_vcpus,
                                 'threads': 1},
                    'features': []}
        return {'vcpus': ccfg.fake_vcpus,
                'memory_mb': ccfg.fake_memory_mb,
                'local_gb': ccfg.fake_local_gb,
                'hypervisor_type': HYPERVISOR_TYPE,
                'hypervisor_version': HYPERVISOR_VERSION,
                'hypervisor_hostname': self.host,
                'cpu_info': json.dumps(cpu_info, sort_keys=True),
                'supported_instances': [['x86_64', HYPERVISOR_TYPE, 'hvm']]}

    def list_instance_uuids(self):
        return list(self._guests)

    def _state(self, instance):
        try:
            return self._guests[instance['uuid']]
        except KeyError:
            raise exception.InstanceNotFound(instance_id=instance['uuid'])

    def _move(self, instance, allowed, new_state, action):
        """Change the power state when the current one allows the action."""
        with FakeDriver._lock:
            state = self._state(instance)
            if allowed is not None and state not in allowed:
                raise exception.VirtDriverError(
                    reason='cannot %s instance %s in power state %s' % (
                        action, instance['uuid'],
                        states.POWER_STATE_NAMES.get(state, state)))
            self._guests[instance['uuid']] = new_state

    def spawn(self, context, instance, image_meta, network_info):
        uuid = instance['uuid']
        if CONF.compute.fake_spawn_seconds:
            time.sleep(CONF.compute.fake_spawn_seconds)
        with FakeDriver._lock:
            if uuid in self._guests:
                raise exception.VirtDriverError(
                    reason='instance %s already exists on %s' % (
                        uuid, self.host))
            self._guests[uuid] = states.RUNNING

    def destroy(self, context, instance, network_info):
        with FakeDriver._lock:
            self._guests.pop(instance['uuid'], None)
            FakeDriver._nics.pop(instance['uuid'], None)

    def attach_interface(self, instance, vif):
        with FakeDriver._lock:
            self._state(instance)
            nics = FakeDriver._nics.setdefault(instance['uuid'], [])
            if vif['mac'] not in nics:
                nics.append(vif['mac'])

    def detach_interface(self, instance, vif):
        with FakeDriver._lock:
            self._state(instance)
            nics = FakeDriver._nics.get(instance['uuid'], [])
            if vif['mac'] in nics:
                nics.remove(vif['mac'])

    @classmethod
    def attached_macs(cls, uuid):
        """MACs hot-plugged into a guest (tests)."""
        with cls._lock:
            return list(cls._nics.get(uuid, []))

    def get_info(self, instance):
        return {'state': self._state(instance)}

    def get_power_states(self):
        return dict(self._guests)

    def power_off(self, instance, timeout=0):
        self._move(instance, None, states.SHUTDOWN, 'power off')

    def power_on(self, context, instance, network_info):
        self._move(instance, None, states.RUNNING, 'power on')

    def reboot(self, context, instance, network_info, reboot_type):
        self._move(instance, None, states.RUNNING, 'reboot')

    def pause(self, instance):
        self._move(instance, (states.RUNNING,), states.PAUSED_POWER, 'pause')

    def unpause(self, instance):
        self._move(instance, (states.PAUSED_POWER,), states.RUNNING,
                   'unpause')

    def suspend(self, instance):
        self._move(instance, (states.RUNNING, states.PAUSED_POWER),
                   states.SUSPENDED_POWER, 'suspend')

    def resume(self, instance):
        self._move(instance, (states.SUSPENDED_POWER,), states.RUNNING,
                   'resume')

    def get_console_output(self, instance):
        """A few lines, as Nova's fake driver (Tempest tails 3 of them)."""
        self._state(instance)
        return ('nube fake console of %s on %s\n'
                'fake kernel booting\n'
                'fake init started\n'
                'fake login:' % (instance['uuid'], self.host))
