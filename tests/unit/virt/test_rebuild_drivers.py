"""What the compute manager's rebuild asks of a driver: destroy, then spawn
the same instance (same uuid, addresses) from another image."""

import json
import os
import subprocess

import pytest

from nube.compute import states
from nube.compute.virt import fake
import nube.conf
from tests.unit.virt import test_libvirt_driver as lv

CONF = nube.conf.CONF

# The libvirt test:/// fixtures of test_libvirt_driver.
overrides = lv.overrides
make_driver = lv.make_driver
small_host = lv.small_host


def _base(path, size_mib):
    with open(path, 'wb') as f:
        f.truncate(size_mib * 1024 ** 2)
    return dict(lv.NO_IMAGE, disk_format='raw', local_path=str(path))


@pytest.mark.skipif(not lv.HAVE_QEMU_IMG, reason='qemu-img not installed')
def test_libvirt_respawn_on_another_base(small_host, tmp_path):
    inst = lv._spawn(small_host, lv._instance(root_gb=0),
                     _base(tmp_path / 'a.raw', 2))
    small_host.destroy(None, inst, lv.VIFS)
    small_host.spawn(None, inst, _base(tmp_path / 'b.raw', 4), lv.VIFS)
    disk = os.path.join(CONF.compute.instances_path, inst['uuid'], 'disk')
    info = json.loads(subprocess.check_output(
        ['qemu-img', 'info', '--output=json', '-f', 'qcow2', disk]))
    assert info['backing-filename'] == str(tmp_path / 'b.raw')
    assert info['virtual-size'] == 4 * 1024 ** 2
    assert small_host.get_info(inst)['state'] == states.RUNNING
    root = lv._domain_xml(small_host, inst)
    assert [i.get('address') for i in root.iter('mac')] == [
        lv.VIFS[0]['mac']]


def test_fake_respawn_after_destroy():
    fake.FakeDriver.reset('rb')
    drv = fake.FakeDriver('rb')
    inst = {'uuid': 'u-1'}
    drv.spawn(None, inst, lv.NO_IMAGE, [])
    drv.power_off(inst)
    drv.destroy(None, inst, [])
    drv.spawn(None, inst, dict(lv.NO_IMAGE, id='other'), [])
    assert drv.get_info(inst)['state'] == states.RUNNING
    fake.FakeDriver.reset('rb')
