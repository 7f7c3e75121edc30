"""LibvirtDriver on libvirt's built-in test driver (no daemon, no QEMU).

Hosts are test:///<tmp>/node.xml files (a private host per connection,
sized by the file) and test:///default (one shared host per process that
starts with a running domain called ``test``).
"""

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
import xml.etree.ElementTree as ET

from eventlet import tpool
import pytest

from nube import exception
from nube.compute import states
from nube.compute.virt import driver
import nube.conf

libvirt = pytest.importorskip('libvirt')

from nube.compute.virt.libvirt import config as lv_config  # noqa: E402
from nube.compute.virt.libvirt import driver as lv_driver  # noqa: E402
from nube.compute.virt.libvirt import host as lv_host  # noqa: E402

CONF = nube.conf.CONF
HAVE_QEMU_IMG = shutil.which('qemu-img') is not None


def write_node_xml(path, cpus, memory_mib, arch='x86_64'):
    """A test driver host file: cpus = nodes*sockets*cores*threads."""
    node = ET.Element('node')
    cpu = ET.SubElement(node, 'cpu')
    for tag, value in (('mhz', 2400), ('model', arch), ('nodes', 1),
                       ('sockets', 1), ('cores', cpus), ('threads', 1),
                       ('active', cpus)):
        ET.SubElement(cpu, tag).text = str(value)
    ET.SubElement(node, 'memory').text = str(memory_mib * 1024)  # KiB
    path.write_text(ET.tostring(node, encoding='unicode'))
    return 'test://' + str(path)


@pytest.fixture
def overrides(tmp_path):
    """Config set per test and undone after; instances under tmp_path."""
    done = []

    def _set(name, value, group=None):
        CONF.set_override(name, value, group=group)
        done.append((name, group))

    _set('instances_path', str(tmp_path / 'instances'), group='compute')
    _set('fake_local_gb', 321, group='compute')
    yield _set
    for name, group in done:
        CONF.clear_override(name, group=group)


@pytest.fixture
def make_driver(overrides):
    """make_driver(uri, host) -> an initialised driver, closed afterwards."""
    drivers = []

    def _make(uri, host='compute1'):
        overrides('connection_uri', uri, group='libvirt')
        drv = lv_driver.LibvirtDriver(host)
        drv.init_host()
        drivers.append(drv)
        return drv

    yield _make
    for drv in drivers:
        drv.cleanup_host()


@pytest.fixture
def small_host(make_driver, tmp_path):
    uri = write_node_xml(tmp_path / 'small.xml', cpus=4, memory_mib=8192)
    return make_driver(uri, 'small')


def _instance(**kw):
    inst = {'uuid': str(uuid.uuid4()), 'display_name': 'vm',
            'memory_mb': 256, 'vcpus': 1, 'root_gb': 0,
            'project_id': 'p', 'user_id': 'u',
            'flavor': {'flavorid': '1', 'name': 'tiny', 'memory_mb': 256,
                       'vcpus': 1, 'root_gb': 0}}
    inst.update(kw)
    return inst


NO_IMAGE = {'id': 'img', 'disk_format': 'qcow2', 'container_format': 'bare',
            'properties': {}, 'local_path': None}
VIFS = [{'address': '10.0.0.5', 'mac': 'fa:16:3e:11:22:33',
         'network_label': 'private'}]


def _spawn(drv, inst=None, image_meta=NO_IMAGE):
    inst = inst or _instance()
    drv.spawn(None, inst, image_meta, VIFS)
    return inst


def _domain_xml(drv, inst):
    dom = drv._conn.lookupByUUIDString(inst['uuid'])
    return ET.fromstring(dom.XMLDesc(0))


def test_resources_reflect_node_file(make_driver, tmp_path):
    small = make_driver(write_node_xml(
        tmp_path / 'a.xml', cpus=4, memory_mib=8192), 'small')
    big = make_driver(write_node_xml(
        tmp_path / 'b.xml', cpus=32, memory_mib=131072), 'big')
    res_small = small.get_available_resource('small')
    res_big = big.get_available_resource('big')
    assert (res_small['vcpus'], res_small['memory_mb']) == (4, 8192)
    assert (res_big['vcpus'], res_big['memory_mb']) == (32, 131072)
    for res, name in ((res_small, 'small'), (res_big, 'big')):
        assert res['local_gb'] == 321  # [compute] fake_local_gb on test:///
        assert res['hypervisor_type'] == 'QEMU'
        assert isinstance(res['hypervisor_version'], int)
        assert res['hypervisor_hostname'] == name
        assert res['supported_instances'] == [['x86_64', 'qemu', 'hvm']]
    cpu_info = json.loads(res_big['cpu_info'])
    assert cpu_info['arch'] == 'x86_64'
    assert cpu_info['topology'] == {'sockets': 1, 'cores': 32, 'threads': 1}
    assert small.get_available_nodes() == ['small']
    with pytest.raises(exception.VirtDriverError):
        small.get_available_resource('big')


def test_node_file_hosts_are_independent(make_driver, tmp_path):
    a = make_driver(write_node_xml(tmp_path / 'a.xml', 2, 2048))
    b = make_driver(write_node_xml(tmp_path / 'b.xml', 2, 2048))
    inst = _spawn(a)
    assert a.list_instance_uuids() == [inst['uuid']]
    assert b.list_instance_uuids() == []


def test_spawn_list_info_destroy(small_host):
    inst = _spawn(small_host)
    uuid_ = inst['uuid']
    assert small_host.list_instance_uuids() == [uuid_]
    assert small_host.get_info(inst) == {'state': states.RUNNING}
    assert small_host.get_power_states() == {uuid_: states.RUNNING}
    root = _domain_xml(small_host, inst)
    assert root.findtext('name') == 'instance-' + uuid_
    assert root.findtext('uuid') == uuid_
    assert root.get('type') == 'qemu'
    assert root.find('devices/interface/mac').get('address') == \
        VIFS[0]['mac']
    inst_dir = os.path.join(CONF.compute.instances_path, uuid_)
    assert root.find('devices/serial/source').get('path') == \
        os.path.join(inst_dir, 'console.log')
    # No image and root_gb 0: no disk.
    assert root.findall('devices/disk') == []
    assert os.path.isdir(inst_dir)

    small_host.destroy(None, inst, VIFS)
    assert small_host.list_instance_uuids() == []
    assert not os.path.exists(inst_dir)
    with pytest.raises(exception.InstanceNotFound):
        small_host.get_info(inst)
    # Idempotent.
    small_host.destroy(None, inst, VIFS)
    small_host.destroy(None, _instance(), VIFS)


def test_display_name_survives_libvirt(small_host):
    nasty = '<x>&"\'</name><uuid>'
    inst = _spawn(small_host, _instance(display_name=nasty))
    dom = small_host._conn.lookupByUUIDString(inst['uuid'])
    meta = ET.fromstring(dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                                      lv_config.NUBE_NS))
    assert meta.findtext('display-name') == nasty
    root = ET.fromstring(dom.XMLDesc(0))
    assert [e.tag for e in root.findall('name') + root.findall('uuid')] == [
        'name', 'uuid']
    assert root.findtext('name') == 'instance-' + inst['uuid']


def test_spawn_existing_is_an_error(small_host):
    inst = _spawn(small_host)
    with pytest.raises(exception.VirtDriverError):
        _spawn(small_host, inst)
    assert small_host.get_info(inst)['state'] == states.RUNNING


def test_spawn_failure_cleans_up(small_host, tmp_path):
    base = tmp_path / 'base.iso'
    base.write_bytes(b'\0' * 4096)
    inst = _instance()
    meta = dict(NO_IMAGE, disk_format='iso', local_path=str(base))
    with pytest.raises(exception.VirtDriverError):
        _spawn(small_host, inst, meta)
    assert small_host.list_instance_uuids() == []
    assert not os.path.exists(
        os.path.join(CONF.compute.instances_path, inst['uuid']))


def test_bad_uuid_never_reaches_the_filesystem(small_host):
    with pytest.raises(exception.VirtDriverError):
        _spawn(small_host, _instance(uuid='../../etc'))
    assert small_host.list_instance_uuids() == []


def test_power_off_on(small_host):
    inst = _spawn(small_host)
    small_host.power_off(inst)
    assert small_host.get_info(inst)['state'] == states.SHUTDOWN
    assert small_host.get_power_states() == {inst['uuid']: states.SHUTDOWN}
    small_host.power_off(inst)  # already off: nothing to do
    small_host.power_on(None, inst, VIFS)
    assert small_host.get_info(inst)['state'] == states.RUNNING
    small_host.power_on(None, inst, VIFS)  # already on: nothing to do
    # Graceful: the test driver's shutdown() stops the guest at once.
    small_host.power_off(inst, timeout=5)
    assert small_host.get_info(inst)['state'] == states.SHUTDOWN


@pytest.mark.parametrize('reboot_type', [driver.SOFT, driver.HARD])
def test_reboot(small_host, reboot_type):
    inst = _spawn(small_host)

    def runtime_id():
        # A virDomain caches its id: look the domain up afresh.
        return small_host._conn.lookupByUUIDString(inst['uuid']).ID()

    first_id = runtime_id()
    small_host.reboot(None, inst, VIFS, reboot_type)
    assert small_host.get_info(inst)['state'] == states.RUNNING
    # Both kinds stop and start the domain: it gets a new runtime id.
    assert runtime_id() != first_id


def test_reboot_starts_a_stopped_instance(small_host):
    inst = _spawn(small_host)
    small_host.power_off(inst)
    small_host.reboot(None, inst, VIFS, driver.SOFT)
    assert small_host.get_info(inst)['state'] == states.RUNNING


def test_pause_unpause(small_host):
    inst = _spawn(small_host)
    small_host.pause(inst)
    assert small_host.get_info(inst)['state'] == states.PAUSED_POWER
    # Paused is not suspended: nothing to resume from.
    with pytest.raises(exception.VirtDriverError):
        small_host.resume(inst)
    small_host.unpause(inst)
    assert small_host.get_info(inst)['state'] == states.RUNNING


def test_suspend_resume(small_host):
    inst = _spawn(small_host)
    small_host.suspend(inst)
    assert small_host.get_info(inst)['state'] == states.SUSPENDED_POWER
    assert small_host.get_power_states() == {
        inst['uuid']: states.SUSPENDED_POWER}
    small_host.resume(inst)
    assert small_host.get_info(inst)['state'] == states.RUNNING


def test_destroy_suspended_instance(small_host):
    inst = _spawn(small_host)
    small_host.suspend(inst)
    small_host.destroy(None, inst, VIFS)
    assert small_host.list_instance_uuids() == []


def test_invalid_actions_raise_driver_errors(small_host):
    inst = _spawn(small_host)
    small_host.power_off(inst)
    with pytest.raises(exception.VirtDriverError):
        small_host.pause(inst)
    with pytest.raises(exception.VirtDriverError):
        small_host.unpause(inst)
    with pytest.raises(exception.VirtDriverError):
        small_host.suspend(inst)
    with pytest.raises(exception.InstanceNotFound):
        small_host.pause(_instance())


def test_console_output_tail(small_host):
    inst = _spawn(small_host)
    # The test driver writes no console; no file yet reads as empty.
    assert small_host.get_console_output(inst) == ''
    log = os.path.join(CONF.compute.instances_path, inst['uuid'],
                       'console.log')
    head = b'H' * (50 * 1024)
    tail = 'boot ok \u00e9\n'.encode() + b'T' * (100 * 1024 - 11)
    with open(log, 'wb') as f:
        f.write(head + tail)
    out = small_host.get_console_output(inst)
    assert len(out.encode()) == 100 * 1024
    assert out.startswith('boot ok \u00e9\n')
    assert 'H' not in out
    with pytest.raises(exception.InstanceNotFound):
        small_host.get_console_output(_instance())


@pytest.mark.skipif(not HAVE_QEMU_IMG, reason='qemu-img not installed')
def test_spawn_creates_blank_root_disk(small_host):
    inst = _spawn(small_host, _instance(root_gb=1))
    disk = os.path.join(CONF.compute.instances_path, inst['uuid'], 'disk')
    info = json.loads(subprocess.check_output(
        ['qemu-img', 'info', '--output=json', '-f', 'qcow2', disk]))
    assert info['virtual-size'] == 1024 ** 3
    root = _domain_xml(small_host, inst)
    assert root.find('devices/disk/source').get('file') == disk


@pytest.mark.skipif(not HAVE_QEMU_IMG, reason='qemu-img not installed')
def test_spawn_overlays_base_image(small_host, tmp_path):
    base = tmp_path / 'base.raw'
    with open(base, 'wb') as f:
        f.truncate(2 * 1024 ** 2)
    meta = dict(NO_IMAGE, disk_format='raw', local_path=str(base))
    inst = _spawn(small_host, _instance(root_gb=0), meta)
    disk = os.path.join(CONF.compute.instances_path, inst['uuid'], 'disk')
    info = json.loads(subprocess.check_output(
        ['qemu-img', 'info', '--output=json', '-f', 'qcow2', disk]))
    assert info['backing-filename'] == str(base)
    assert info['backing-filename-format'] == 'raw'
    assert info['virtual-size'] == 2 * 1024 ** 2
    small_host.destroy(None, inst, VIFS)
    assert base.exists()  # the cached base is not the instance's to delete


def test_test_host_without_qemu_img_references_disk(small_host,
                                                     monkeypatch):
    monkeypatch.setattr(lv_driver, 'qemu_img_path', lambda: None)
    inst = _spawn(small_host, _instance(root_gb=1))
    disk = os.path.join(CONF.compute.instances_path, inst['uuid'], 'disk')
    assert not os.path.exists(disk)
    root = _domain_xml(small_host, inst)
    assert root.find('devices/disk/source').get('file') == disk


def test_default_host_ignores_foreign_domains(make_driver):
    drv = make_driver('test:///default')
    conn = drv._conn
    assert 'test' in [d.name() for d in conn.listAllDomains(0)]
    inst = _spawn(drv)
    try:
        assert drv.list_instance_uuids() == [inst['uuid']]
        assert drv.get_power_states() == {inst['uuid']: states.RUNNING}
    finally:
        drv.destroy(None, inst, VIFS)
    assert drv.list_instance_uuids() == []
    assert conn.lookupByName('test').isActive()


def test_reconnects_after_connection_closed(make_driver):
    drv = make_driver('test:///default')
    inst = _spawn(drv)
    try:
        old = drv._host._conn
        # Keep the shared default host alive while the driver's own
        # connection is closed behind its back.
        keeper = libvirt.open('test:///default')
        old.close()
        assert drv.get_info(inst)['state'] == states.RUNNING
        assert drv._host._conn is not old
        keeper.close()
    finally:
        drv.destroy(None, inst, VIFS)


def test_unreachable_uri_is_a_driver_error(overrides, tmp_path):
    overrides('connection_uri', 'test://' + str(tmp_path / 'missing.xml'),
              group='libvirt')
    drv = lv_driver.LibvirtDriver('h')
    with pytest.raises(exception.VirtDriverError):
        drv.init_host()


def test_connection_is_proxied_when_monkey_patched(tmp_path, monkeypatch):
    uri = write_node_xml(tmp_path / 'p.xml', cpus=3, memory_mib=1024)
    monkeypatch.setattr(lv_host, 'use_tpool', lambda: True)
    host = lv_host.Host(uri)
    try:
        conn = host.get_connection()
        assert isinstance(conn, tpool.Proxy)
        assert conn.getInfo()[2] == 3
        dom = conn.defineXML(
            "<domain type='qemu'><name>instance-x</name><memory>1024"
            "</memory><os><type>hvm</type></os></domain>")
        assert isinstance(dom, tpool.Proxy)
        assert host.wrap(host.execute(conn.listAllDomains, 0)[0]).name() \
            == 'instance-x'
    finally:
        host.close()
        tpool.killall()


def test_default_uri_is_qemu_system():
    assert lv_host.Host('').uri == 'qemu:///system'
    assert lv_host.Host(None).uri == 'qemu:///system'


def test_load_driver_libvirt(overrides, tmp_path, monkeypatch):
    # Entry points are read from installed metadata; when nube is not
    # pip-installed, declare the same entry point for this test.
    names = {e.name for e in importlib.metadata.entry_points(
        group=driver.NAMESPACE)}
    if 'libvirt' not in names:
        dist = tmp_path / 'nube_lv_ep-0.dist-info'
        dist.mkdir()
        (dist / 'METADATA').write_text(
            'Metadata-Version: 2.1\nName: nube-lv-ep\nVersion: 0\n')
        (dist / 'entry_points.txt').write_text(
            '[nube.compute.virt]\n'
            'libvirt = nube.compute.virt.libvirt.driver:LibvirtDriver\n')
        monkeypatch.syspath_prepend(str(tmp_path))
    overrides('connection_uri', write_node_xml(tmp_path / 'n.xml', 2, 512),
              group='libvirt')
    drv = driver.load_driver('libvirt', 'lvhost')
    assert isinstance(drv, lv_driver.LibvirtDriver)
    assert drv.host == 'lvhost'


MONKEY_PATCHED_SCRIPT = """
import eventlet
eventlet.monkey_patch()
import sys, uuid
import nube.conf
from nube.compute import states
from nube.compute.virt.libvirt import driver
CONF = nube.conf.CONF
CONF.set_override('connection_uri', sys.argv[1], group='libvirt')
CONF.set_override('instances_path', sys.argv[2], group='compute')
drv = driver.LibvirtDriver('patched')
drv.init_host()
ticks = []
ticker = eventlet.spawn(lambda: [ticks.append(eventlet.sleep(0.001))
                                 for _ in range(20)])
insts = [{'uuid': str(uuid.uuid4()), 'memory_mb': 64, 'vcpus': 1,
          'display_name': 'p%d' % i} for i in range(5)]
pool = eventlet.GreenPool()
for inst in insts:
    pool.spawn(drv.spawn, None, inst, {'properties': {}}, [])
pool.waitall()
ticker.wait()
assert type(drv._conn).__name__ == 'Proxy'
power = drv.get_power_states()
assert power == {i['uuid']: states.RUNNING for i in insts}, power
for inst in insts:
    drv.destroy(None, inst, [])
assert drv.list_instance_uuids() == []
assert len(ticks) == 20
print('OK')
"""


def test_driver_works_in_a_monkey_patched_process(tmp_path):
    uri = write_node_xml(tmp_path / 'mp.xml', cpus=2, memory_mib=2048)
    proc = subprocess.run(
        [sys.executable, '-c', textwrap.dedent(MONKEY_PATCHED_SCRIPT), uri,
         str(tmp_path / 'instances')],
        capture_output=True, text=True, timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.abspath(__file__))))))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith('OK')



def test_interface_calls_skip_what_is_already_done(small_host):
    """A retried attach of a NIC the guest has, and a detach of one it
    lacks, change nothing. (libvirt's test driver cannot attach devices:
    tests/e2e/test_qemu_guest.py attaches and detaches on real QEMU.)"""
    inst = _spawn(small_host)
    assert small_host._macs(small_host._lookup(inst)) == {VIFS[0]['mac']}
    small_host.attach_interface(inst, dict(VIFS[0], bridge=None))
    small_host.detach_interface(inst, {'mac': 'fa:16:3e:00:00:aa',
                                       'bridge': None})
    assert small_host._macs(small_host._lookup(inst)) == {VIFS[0]['mac']}
    with pytest.raises(exception.InstanceNotFound):
        small_host.attach_interface(_instance(), VIFS[0])
