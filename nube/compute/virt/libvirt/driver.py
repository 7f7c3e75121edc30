"""The libvirt virt driver: QEMU/KVM guests through libvirt-python.

Naming: the domain of an instance is called ``instance-<uuid>`` and its
libvirt <uuid> is the instance uuid; only domains with that name prefix are
nube's (others on the host, such as test:///default's ``test``, are left
alone). Files of an instance live in ``<instances_path>/<uuid>/``: ``disk``
(a qcow2 overlay over the cached base image, or a blank qcow2 of root_gb)
and ``console.log`` (the serial console).

Node name: the compute host name (not libvirt's hostname), so several hosts
served from one process stay distinct.

test:/// URIs (libvirt's in-process test driver) are for tests: they accept
any domain XML, never touch disk or console files and have no disk to
report, so local_gb is ``[compute] fake_local_gb`` there; their CPU map is
fixed by the driver, so vcpus come from getInfo(). When qemu-img is missing
on a test:/// host the disk file is referenced but not created.
"""

import contextlib
import json
import os
import shutil
import stat
import subprocess
import time
import uuid as uuidlib
import xml.etree.ElementTree as ET

import libvirt
from oslo_log import log as logging

from nube import exception
from nube.compute import network
from nube.compute import states
from nube.compute.virt import driver
from nube.compute.virt.libvirt import config
from nube.compute.virt.libvirt import host as libvirt_host
import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

HYPERVISOR_TYPE = 'QEMU'
CONSOLE_LOG = 'console.log'
DISK_FILE = 'disk'
MAX_CONSOLE_BYTES = 100 * 1024
GiB = 1024 ** 3

# qemu-img format names of the image disk_formats nube can boot.
_QEMU_FORMATS = {'raw': 'raw', 'ami': 'raw', 'qcow2': 'qcow2',
                 'vmdk': 'vmdk', 'vdi': 'vdi', 'vhd': 'vpc', 'vhdx': 'vhdx'}

_POWER_STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: states.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: states.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: states.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: states.PAUSED_POWER,
    libvirt.VIR_DOMAIN_SHUTDOWN: states.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: states.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: states.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: states.SUSPENDED_POWER,
}

# Errors meaning "this flag or call is not offered by this hypervisor".
_UNSUPPORTED = (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_ERR_NO_SUPPORT)


def qemu_img_path():
    return shutil.which('qemu-img')


def create_disk(path, size_gb=0, backing_file=None, backing_format=None):
    """Create a qcow2 file: an overlay over backing_file, or blank.

    The disk is at least size_gb GiB (and never smaller than its backing
    image). The backing format is always given: qemu-img must not guess it.
    """
    qemu_img = qemu_img_path()
    if qemu_img is None:
        raise exception.VirtDriverError(reason='qemu-img is not installed')
    cmd = [qemu_img, 'create', '-q', '-f', 'qcow2']
    size = size_gb * GiB if size_gb else 0
    if backing_file:
        backing_file = os.path.abspath(backing_file)
        info = _run([qemu_img, 'info', '--output=json', '-f',
                     backing_format, backing_file])
        size = max(size, json.loads(info)['virtual-size'])
        cmd += ['-b', backing_file, '-F', backing_format]
    elif not size:
        raise exception.VirtDriverError(
            reason='a blank disk needs a size')
    cmd += [path, str(size)]
    _run(cmd)
    return path


def _run(cmd):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              check=False, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise exception.VirtDriverError(reason='%s: %s' % (cmd[1], e))
    if proc.returncode != 0:
        raise exception.VirtDriverError(
            reason='qemu-img %s failed: %s' % (cmd[1], proc.stderr.strip()))
    return proc.stdout


def private_directory(path):
    """The first directory at or above ``path`` others cannot enter.

    QEMU runs as its own user (libvirt-qemu on Debian): libvirt chowns the
    disk and console files, not the directories above them, so a guest
    whose files sit under such a directory fails with "Permission denied".
    None when every directory up to / is searchable by others.
    """
    path = os.path.abspath(path)
    while True:
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            mode = stat.S_IXOTH
        if not mode & stat.S_IXOTH:
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


@contextlib.contextmanager
def _translate(instance_uuid, action):
    """libvirt errors as nube exceptions (a missing domain is NotFound)."""
    try:
        yield
    except libvirt.libvirtError as e:
        if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        raise exception.VirtDriverError(
            reason='%s of instance %s failed: %s' % (
                action, instance_uuid, e))


class LibvirtDriver(driver.ComputeDriver):
    """Runs guests on the libvirt host of ``[libvirt] connection_uri``."""

    # Seconds to wait for a guest to run after create(), and for a guest to
    # stop after a graceful shutdown request during a soft reboot.
    spawn_timeout = 60
    soft_reboot_timeout = 60
    poll_interval = 0.05

    def __init__(self, host):
        super().__init__(host)
        self.virt_type = CONF.libvirt.virt_type
        self._host = libvirt_host.Host(CONF.libvirt.connection_uri)

    @property
    def _conn(self):
        return self._host.get_connection()

    # -- host ------------------------------------------------------------

    def init_host(self):
        os.makedirs(CONF.compute.instances_path, exist_ok=True)
        if not self._host.is_test:
            for path in (CONF.compute.instances_path,
                         getattr(CONF.compute, 'image_cache_path', None)):
                private = path and private_directory(path)
                if private:
                    LOG.warning('%s is not searchable by other users: QEMU '
                                'will not reach the guest files under %s '
                                '(chmod o+x it or move [compute] '
                                'instances_path)', private, path)
        self._host.get_connection()

    def cleanup_host(self):
        self._host.close()

    def get_available_nodes(self):
        return [self.host]

    def get_available_resource(self, nodename):
        if nodename != self.host:
            raise exception.VirtDriverError(
                reason='node %s is not on host %s' % (nodename, self.host))
        conn = self._conn
        try:
            return self._host.execute(self._resources, conn)
        except libvirt.libvirtError as e:
            raise exception.VirtDriverError(
                reason='cannot read host resources: %s' % e)

    def _resources(self, conn):
        info = conn.getInfo()
        arch, info_mem_mb, info_cpus = info[0], info[1], info[2]
        caps = ET.fromstring(conn.getCapabilities())
        return {
            'vcpus': self._vcpus(conn, info_cpus),
            'memory_mb': self._memory_mb(conn, info_mem_mb),
            'local_gb': self._local_gb(),
            'hypervisor_type': HYPERVISOR_TYPE,
            'hypervisor_version': conn.getVersion(),
            'hypervisor_hostname': self.host,
            'cpu_info': json.dumps(self._cpu_info(info, caps),
                                   sort_keys=True),
            'supported_instances': self._supported_instances(arch, caps),
        }

    def _vcpus(self, conn, info_cpus):
        if self._host.is_test:
            return info_cpus
        try:
            online = conn.getCPUMap(0)[2]
        except libvirt.libvirtError:
            return info_cpus
        return online or info_cpus

    @staticmethod
    def _memory_mb(conn, info_mem_mb):
        # getInfo() under-reports memory on some hosts; the node memory
        # stats are right where the driver has them.
        try:
            stats = conn.getMemoryStats(
                libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS, 0)
        except libvirt.libvirtError:
            return info_mem_mb
        total_kib = stats.get('total')
        return total_kib // 1024 if total_kib else info_mem_mb

    def _local_gb(self):
        if self._host.is_test:
            return CONF.compute.fake_local_gb
        path = os.path.abspath(CONF.compute.instances_path)
        while not os.path.exists(path):
            path = os.path.dirname(path)
        st = os.statvfs(path)
        return st.f_blocks * st.f_frsize // GiB

    @staticmethod
    def _cpu_info(info, caps):
        cpu = caps.find('./host/cpu')
        model = cpu.findtext('model') if cpu is not None else None
        vendor = cpu.findtext('vendor') if cpu is not None else None
        features = sorted(f.get('name') for f in cpu.iter('feature')
                          if f.get('name')) if cpu is not None else []
        return {'arch': info[0], 'model': model or info[0],
                'vendor': vendor or '',
                'topology': {'sockets': info[4] * info[5],
                             'cores': info[6], 'threads': info[7]},
                'features': features}

    def _supported_instances(self, arch, caps):
        found = []
        for guest in caps.findall('./guest'):
            if guest.findtext('os_type') != 'hvm':
                continue
            for guest_arch in guest.findall('arch'):
                for dom in guest_arch.findall('domain'):
                    entry = [guest_arch.get('name'), dom.get('type'), 'hvm']
                    if dom.get('type') == self.virt_type \
                            and entry not in found:
                        found.append(entry)
        # The test driver offers only domain type 'test'; report the host.
        return found or [[arch, self.virt_type, 'hvm']]

    # -- lookups ---------------------------------------------------------

    @staticmethod
    def _instance_dir(instance):
        try:
            uuid = str(uuidlib.UUID(instance['uuid']))
        except (ValueError, TypeError, AttributeError):
            raise exception.VirtDriverError(
                reason='bad instance uuid %r' % (instance.get('uuid'),))
        return os.path.join(CONF.compute.instances_path, uuid)

    @staticmethod
    def _test_uri():
        """libvirt's test driver: no host to plug NICs into."""
        return (CONF.libvirt.connection_uri or '').startswith('test:')

    def _lookup(self, instance):
        with _translate(instance['uuid'], 'lookup'):
            return self._conn.lookupByUUIDString(instance['uuid'])

    @staticmethod
    def _power_state(dom, raw_state):
        if raw_state == libvirt.VIR_DOMAIN_SHUTOFF:
            try:
                if dom.hasManagedSaveImage(0):
                    return states.SUSPENDED_POWER
            except libvirt.libvirtError:
                pass
        return _POWER_STATES.get(raw_state, states.NOSTATE)

    def _wait_for(self, dom, done, timeout, what):
        """Poll dom.state() until done(raw_state); False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if done(dom.state()[0]):
                return True
            if time.monotonic() >= deadline:
                LOG.debug('Domain %s did not %s in %ss', dom.name(), what,
                          timeout)
                return False
            time.sleep(self.poll_interval)

    def _start(self, dom, uuid, action):
        with _translate(uuid, action):
            dom.create()
            running = self._wait_for(
                dom, lambda s: s == libvirt.VIR_DOMAIN_RUNNING,
                self.spawn_timeout, 'start')
        if not running:
            raise exception.VirtDriverError(
                reason='instance %s did not start within %ss' % (
                    uuid, self.spawn_timeout))

    def list_instance_uuids(self):
        with _translate('*', 'list'):
            # name() is answered locally from the listing; no round trip.
            names = [d.name() for d in self._conn.listAllDomains(0)]
        return [u for u in map(config.uuid_from_domain_name, names) if u]

    def get_info(self, instance):
        dom = self._lookup(instance)
        with _translate(instance['uuid'], 'get_info'):
            return {'state': self._power_state(dom, dom.state()[0])}

    def get_power_states(self):
        conn = self._conn
        with _translate('*', 'get_power_states'):
            return self._host.execute(self._all_power_states, conn)

    def _all_power_states(self, conn):
        try:
            stats = [(dom, st['state.state']) for dom, st in
                     conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE,
                                            0)]
        except libvirt.libvirtError as e:
            if e.get_error_code() not in _UNSUPPORTED:
                raise
            stats = [(dom, dom.state()[0]) for dom in conn.listAllDomains(0)]
        result = {}
        for dom, raw_state in stats:
            uuid = config.uuid_from_domain_name(dom.name())
            if uuid:
                result[uuid] = self._power_state(dom, raw_state)
        return result

    # -- lifecycle -------------------------------------------------------

    def _create_disk(self, instance, image_meta, inst_dir):
        """The root disk path, or None when the guest gets no disk."""
        base = (image_meta or {}).get('local_path')
        root_gb = instance.get('root_gb') or 0
        if not base and root_gb <= 0:
            return None
        path = os.path.join(inst_dir, DISK_FILE)
        if self._host.is_test and qemu_img_path() is None:
            LOG.debug('qemu-img missing; test host references %s only', path)
            return path
        backing_format = None
        if base:
            disk_format = (image_meta.get('disk_format') or '').lower()
            backing_format = _QEMU_FORMATS.get(disk_format)
            if backing_format is None:
                raise exception.VirtDriverError(
                    reason='cannot boot disk_format %r' % disk_format)
        return create_disk(path, size_gb=root_gb, backing_file=base,
                           backing_format=backing_format)

    def spawn(self, context, instance, image_meta, network_info):
        uuid = instance['uuid']
        inst_dir = self._instance_dir(instance)
        try:
            self._lookup(instance)
        except exception.InstanceNotFound:
            pass
        else:
            raise exception.VirtDriverError(
                reason='instance %s already exists on %s' % (uuid, self.host))
        if not self._test_uri():
            network.plug(network_info)
        try:
            os.makedirs(inst_dir, exist_ok=True)
            disk_path = self._create_disk(instance, image_meta, inst_dir)
            xml = config.build_domain_xml(
                instance, image_meta, network_info, self.virt_type,
                disk_path=disk_path,
                console_log=os.path.join(inst_dir, CONSOLE_LOG))
            with _translate(uuid, 'define'):
                dom = self._conn.defineXML(xml)
            self._start(dom, uuid, 'spawn')
        except Exception:
            LOG.exception('Spawning instance %s failed; cleaning up', uuid)
            try:
                self._remove(instance)
            except Exception:
                LOG.exception('Cleanup of instance %s failed', uuid)
            raise
        LOG.info('Instance %s running on %s', uuid, self.host)

    def destroy(self, context, instance, network_info):
        self._remove(instance)

    def _remove(self, instance):
        """Stop, undefine and delete files; nothing missing is an error."""
        uuid = instance['uuid']
        inst_dir = self._instance_dir(instance)
        try:
            dom = self._lookup(instance)
        except exception.InstanceNotFound:
            dom = None
        if dom is not None:
            with _translate(uuid, 'destroy'):
                try:
                    self._destroy_domain(dom)
                    self._undefine(dom)
                except libvirt.libvirtError as e:
                    if e.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                        raise
        shutil.rmtree(inst_dir, ignore_errors=True)

    @staticmethod
    def _destroy_domain(dom):
        for attempt in range(3):
            if not dom.isActive():
                return
            try:
                dom.destroy()
                return
            except libvirt.libvirtError as e:
                # It may have stopped on its own meanwhile; QEMU sometimes
                # needs another try to die ("device or resource busy").
                if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN or \
                        attempt == 2:
                    raise

    @staticmethod
    def _undefine(dom):
        """Undefine with its managed save image and NVRAM, as offered."""
        flag_sets = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                     libvirt.VIR_DOMAIN_UNDEFINE_NVRAM,
                     libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
        for flags in flag_sets:
            try:
                dom.undefineFlags(flags)
                return
            except libvirt.libvirtError as e:
                if e.get_error_code() not in _UNSUPPORTED:
                    raise
        dom.undefine()

    def power_off(self, instance, timeout=0):
        uuid = instance['uuid']
        dom = self._lookup(instance)
        with _translate(uuid, 'power_off'):
            if not dom.isActive():
                return
            if timeout > 0:
                try:
                    dom.shutdown()
                except libvirt.libvirtError as e:
                    LOG.debug('Graceful shutdown of %s refused: %s', uuid, e)
                if self._wait_for(
                        dom, lambda s: s == libvirt.VIR_DOMAIN_SHUTOFF,
                        timeout, 'shut down'):
                    return
            try:
                dom.destroy()
            except libvirt.libvirtError as e:
                if e.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID:
                    raise
                # "domain is not running": it stopped by itself.

    def power_on(self, context, instance, network_info):
        dom = self._lookup(instance)
        with _translate(instance['uuid'], 'power_on'):
            active = dom.isActive()
        if not active:
            self._start(dom, instance['uuid'], 'power_on')

    def reboot(self, context, instance, network_info, reboot_type):
        uuid = instance['uuid']
        dom = self._lookup(instance)
        if reboot_type == driver.SOFT and self._soft_reboot(dom, uuid):
            return
        with _translate(uuid, 'reboot'):
            if dom.isActive():
                dom.destroy()
            if dom.hasManagedSaveImage(0):
                dom.managedSaveRemove(0)
        self._start(dom, uuid, 'reboot')

    def _soft_reboot(self, dom, uuid):
        """Ask the guest to shut down, then start it; False if it won't."""
        with _translate(uuid, 'reboot'):
            if dom.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
                return False
            try:
                dom.shutdown()
            except libvirt.libvirtError as e:
                LOG.debug('Graceful shutdown of %s refused: %s', uuid, e)
                return False
            stopped = self._wait_for(
                dom, lambda s: s == libvirt.VIR_DOMAIN_SHUTOFF,
                self.soft_reboot_timeout, 'shut down')
        if not stopped:
            LOG.info('Instance %s ignored a soft reboot; rebooting hard',
                     uuid)
            return False
        self._start(dom, uuid, 'reboot')
        return True

    def pause(self, instance):
        dom = self._lookup(instance)
        with _translate(instance['uuid'], 'pause'):
            dom.suspend()

    def unpause(self, instance):
        dom = self._lookup(instance)
        with _translate(instance['uuid'], 'unpause'):
            dom.resume()

    def suspend(self, instance):
        """Managed save: memory goes to disk, the domain stops."""
        dom = self._lookup(instance)
        with _translate(instance['uuid'], 'suspend'):
            dom.managedSave(0)

    def resume(self, instance):
        dom = self._lookup(instance)
        with _translate(instance['uuid'], 'resume'):
            if not dom.hasManagedSaveImage(0):
                raise exception.VirtDriverError(
                    reason='instance %s is not suspended' % instance['uuid'])
        self._start(dom, instance['uuid'], 'resume')

    def _device_flags(self, dom):
        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if dom.isActive():
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        return flags

    @staticmethod
    def _macs(dom):
        """MACs of the domain's NICs (its persistent definition)."""
        root = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        return {mac.get('address', '').lower()
                for mac in root.findall('./devices/interface/mac')}

    def attach_interface(self, instance, vif):
        dom = self._lookup(instance)
        if not self._test_uri():
            network.plug([vif])
        with _translate(instance['uuid'], 'attach_interface'):
            if vif['mac'] in self._macs(dom):
                return   # already there (a retried call)
            dom.attachDeviceFlags(config.interface_xml(vif),
                                  self._device_flags(dom))

    def detach_interface(self, instance, vif):
        dom = self._lookup(instance)
        with _translate(instance['uuid'], 'detach_interface'):
            if vif['mac'] not in self._macs(dom):
                return
            dom.detachDeviceFlags(config.interface_xml(vif),
                                  self._device_flags(dom))

    def get_console_output(self, instance):
        self._lookup(instance)
        path = os.path.join(self._instance_dir(instance), CONSOLE_LOG)
        try:
            with open(path, 'rb') as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - MAX_CONSOLE_BYTES))
                data = f.read(MAX_CONSOLE_BYTES)
        except FileNotFoundError:
            return ''
        except OSError as e:
            raise exception.VirtDriverError(
                reason='cannot read console of %s: %s' % (
                    instance['uuid'], e))
        return data.decode('utf-8', errors='replace')
