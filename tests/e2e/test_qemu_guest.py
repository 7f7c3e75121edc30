"""Real QEMU guests through nube's libvirt driver (qemu:///system).

The driver boots the AMI-style test image of tools/build_test_image.sh
(kernel + busybox initramfs by direct boot, the qcow2 disk as an overlay
over the base) and must find the image's marker line in the serial console
log through get_console_output; destroy must leave no domain behind.

Needs root and a running libvirtd (devstack/lib/libvirt: libvirt_install,
libvirt_start). When qemu:///system does not answer the tests skip, unless
NUBE_E2E_REQUIRED=1, which turns that into a failure. Environment:
  NUBE_E2E_LIBVIRT_URI   (qemu:///system)
  NUBE_E2E_VIRT_TYPE     (qemu: TCG; see devstack/lib/libvirt for kvm)
  NUBE_TEST_IMAGE_DIR    (/var/cache/nube/test-image; built when missing)
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid as uuidlib

import pytest

from nube.compute import states
import nube.conf

CONF = nube.conf.CONF
TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
REQUIRED = os.environ.get('NUBE_E2E_REQUIRED') == '1'
URI = os.environ.get('NUBE_E2E_LIBVIRT_URI', 'qemu:///system')
VIRT_TYPE = os.environ.get('NUBE_E2E_VIRT_TYPE', 'qemu')
IMAGE_DIR = os.environ.get('NUBE_TEST_IMAGE_DIR',
                           '/var/cache/nube/test-image')
# Instance files must be reachable by QEMU's user (libvirt-qemu): not
# under a private pytest tmp dir.
INSTANCES_ROOT = '/var/lib/nube/e2e'
MARKER = 'nube-test-image: booted'
DISK_MARKER = 'NUBE-TEST-DISK'
BOOT_TIMEOUT = 60


def unavailable(reason):
    if REQUIRED:
        pytest.fail('NUBE_E2E_REQUIRED=1 but %s' % reason, pytrace=False)
    pytest.skip('%s (run devstack/lib/libvirt as root; set '
                'NUBE_E2E_REQUIRED=1 to fail instead)' % reason)


@pytest.fixture(scope='module')
def libvirt_host():
    """The libvirt module, once URI answers; else skip (or fail)."""
    try:
        import libvirt
    except ImportError as e:
        unavailable('libvirt-python is not installed (%s)' % e)
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        conn = libvirt.open(URI)
    except libvirt.libvirtError as e:
        unavailable('%s is not available: %s' % (URI, e))
    try:
        caps = conn.getCapabilities()
    finally:
        conn.close()
    if "<domain type='%s'" % VIRT_TYPE not in caps:
        unavailable('%s offers no %s domains' % (URI, VIRT_TYPE))
    return libvirt


@pytest.fixture(scope='module')
def test_image(libvirt_host):
    """Paths of the test image, built (and cached) when missing."""
    manifest_path = os.path.join(IMAGE_DIR, 'manifest.json')
    if not os.path.exists(manifest_path):
        if os.geteuid() != 0:
            unavailable('no test image in %s and not root to build it'
                        % IMAGE_DIR)
        proc = subprocess.run(
            ['bash', os.path.join(TOP_DIR, 'tools', 'build_test_image.sh'),
             IMAGE_DIR], capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            unavailable('tools/build_test_image.sh failed: %s'
                        % proc.stderr[-2000:])
    with open(manifest_path) as f:
        manifest = json.load(f)
    files = {role: os.path.join(IMAGE_DIR, entry['file'])
             for role, entry in manifest['files'].items()}
    assert manifest['marker'] == MARKER
    return files


@pytest.fixture
def driver(libvirt_host, test_image):
    from nube.compute.virt.libvirt import driver as lv_driver
    os.makedirs(INSTANCES_ROOT, mode=0o755, exist_ok=True)
    instances_path = tempfile.mkdtemp(dir=INSTANCES_ROOT)
    os.chmod(instances_path, 0o755)
    overrides = (('instances_path', instances_path, 'compute'),
                 ('connection_uri', URI, 'libvirt'),
                 ('virt_type', VIRT_TYPE, 'libvirt'))
    for name, value, group in overrides:
        CONF.set_override(name, value, group=group)
    drv = lv_driver.LibvirtDriver('e2e-host')
    drv.init_host()
    drv.spawned = []
    yield drv
    for instance in drv.spawned:
        try:
            drv.destroy(None, instance, [])
        except Exception:
            pass
    drv.cleanup_host()
    for name, _value, group in overrides:
        CONF.clear_override(name, group=group)
    shutil.rmtree(instances_path, ignore_errors=True)


def make_instance():
    return {'uuid': str(uuidlib.uuid4()), 'display_name': 'e2e guest',
            'project_id': 'e2e', 'user_id': 'e2e', 'memory_mb': 256,
            'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
            'flavor': {'flavorid': 'e2e', 'name': 'e2e.tiny',
                       'memory_mb': 256, 'vcpus': 1, 'root_gb': 1}}


def image_meta(files):
    """What the compute's image cache hands spawn for an AMI-style image."""
    return {'id': 'e2e-image', 'disk_format': 'qcow2',
            'container_format': 'bare', 'local_path': files['disk'],
            'properties': {'kernel_path': files['kernel'],
                           'ramdisk_path': files['ramdisk']}}


def spawn(drv, files):
    instance = make_instance()
    drv.spawned.append(instance)
    started = time.monotonic()
    drv.spawn(None, instance, image_meta(files), [])
    return instance, started


def wait_for_console(drv, instance, text, count=1, timeout=BOOT_TIMEOUT):
    """Poll the console until ``text`` appears ``count`` times."""
    deadline = time.monotonic() + timeout
    while True:
        output = drv.get_console_output(instance)
        if output.count(text) >= count:
            return output
        if time.monotonic() >= deadline:
            pytest.fail('%r did not appear %d time(s) within %ss; console '
                        'ends with:\n%s' % (text, count, timeout,
                                            output[-2000:]))
        time.sleep(0.2)


def virsh_domains():
    out = subprocess.run(['virsh', '-c', URI, 'list', '--all', '--name'],
                         capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def test_ami_guest_boots_prints_marker_and_is_destroyed(driver, test_image):
    instance, started = spawn(driver, test_image)
    name = 'instance-' + instance['uuid']
    assert name in virsh_domains()
    assert driver.get_info(instance)['state'] == states.RUNNING

    output = wait_for_console(driver, instance, MARKER)
    booted_s = time.monotonic() - started
    # The initramfs reads the disk's first sector through the overlay.
    output = wait_for_console(driver, instance, 'nube-test-image: vda',
                              timeout=30)
    assert 'nube-test-image: vda %s' % DISK_MARKER in output
    assert 'uuid %s' % instance['uuid'] in output
    print('\nguest %s: marker after %.1fs' % (instance['uuid'], booted_s))

    inst_dir = os.path.join(CONF.compute.instances_path, instance['uuid'])
    disk = json.loads(subprocess.run(
        ['qemu-img', 'info', '--output=json', '-U',
         os.path.join(inst_dir, 'disk')],
        capture_output=True, text=True, check=True).stdout)
    assert disk['format'] == 'qcow2'
    assert disk['backing-filename'] == test_image['disk']
    assert disk['virtual-size'] == 1024 ** 3

    dom = driver._lookup(instance)
    xml = dom.XMLDesc(0)
    assert "type='%s'" % VIRT_TYPE in xml.split('\n', 1)[0]
    assert '<kernel>%s</kernel>' % test_image['kernel'] in xml

    destroy_started = time.monotonic()
    driver.destroy(None, instance, [])
    print('destroy took %.1fs' % (time.monotonic() - destroy_started))
    assert name not in virsh_domains()
    assert not os.path.exists(inst_dir)
    assert instance['uuid'] not in driver.list_instance_uuids()


def test_power_off_and_on_boots_again(driver, test_image):
    instance, _started = spawn(driver, test_image)
    wait_for_console(driver, instance, MARKER)
    driver.power_off(instance)
    assert driver.get_info(instance)['state'] == states.SHUTDOWN
    driver.power_on(None, instance, [])
    assert driver.get_info(instance)['state'] == states.RUNNING
    # The console log is appended to: the second boot adds a marker.
    wait_for_console(driver, instance, MARKER, count=2)
    driver.destroy(None, instance, [])
    assert 'instance-' + instance['uuid'] not in virsh_domains()


def _macs(drv, instance, flags=0):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(drv._lookup(instance).XMLDesc(flags))
    return [m.get('address') for m in root.findall('./devices/interface/mac')]


def test_interface_hot_plug(driver, test_image, libvirt_host):
    """os-interface on a running guest: the NIC is attached live (and to
    the definition), and detached from the definition at once."""
    instance, _started = spawn(driver, test_image)
    wait_for_console(driver, instance, MARKER)
    vif = {'mac': 'fa:16:3e:e2:e2:01', 'bridge': None}
    driver.attach_interface(instance, vif)
    inactive = libvirt_host.VIR_DOMAIN_XML_INACTIVE
    assert _macs(driver, instance) == [vif['mac']]
    assert _macs(driver, instance, inactive) == [vif['mac']]
    driver.detach_interface(instance, vif)
    assert _macs(driver, instance, inactive) == []
    driver.destroy(None, instance, [])
