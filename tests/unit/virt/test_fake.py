"""FakeDriver and load_driver."""

import importlib.metadata
import json
import uuid

import pytest

from nube import exception
from nube.compute import states
from nube.compute.virt import driver
from nube.compute.virt import fake



@pytest.fixture
def hostname():
    """A host name no other test uses; its guests are dropped after."""
    name = 'fake-%s' % uuid.uuid4().hex[:8]
    yield name
    fake.FakeDriver.reset(name)


def _instance():
    return {'uuid': str(uuid.uuid4()), 'display_name': 'vm',
            'memory_mb': 64, 'vcpus': 1, 'root_gb': 0}


def _spawn(drv, inst=None):
    inst = inst or _instance()
    drv.spawn(None, inst, {'id': 'img', 'properties': {},
                           'local_path': None}, [])
    return inst


def test_resources_come_from_config(overrides, hostname):
    overrides('fake_vcpus', 7, group='compute')
    overrides('fake_memory_mb', 1234, group='compute')
    overrides('fake_local_gb', 55, group='compute')
    drv = fake.FakeDriver(hostname)
    drv.init_host()
    assert drv.get_available_nodes() == [hostname]
    res = drv.get_available_resource(hostname)
    assert (res['vcpus'], res['memory_mb'], res['local_gb']) == (7, 1234, 55)
    assert res['hypervisor_type'] == 'fake'
    assert res['hypervisor_hostname'] == hostname
    assert isinstance(res['hypervisor_version'], int)
    assert json.loads(res['cpu_info'])['topology']['cores'] == 7
    assert res['supported_instances'] == [['x86_64', 'fake', 'hvm']]


def test_unknown_node_is_an_error(hostname):
    with pytest.raises(exception.VirtDriverError):
        fake.FakeDriver(hostname).get_available_resource('elsewhere')


def test_hosts_are_independent(hostname):
    other = hostname + '-b'
    try:
        a = fake.FakeDriver(hostname)
        b = fake.FakeDriver(other)
        inst = _spawn(a)
        assert a.list_instance_uuids() == [inst['uuid']]
        assert b.list_instance_uuids() == []
        assert b.get_power_states() == {}
        with pytest.raises(exception.InstanceNotFound):
            b.get_info(inst)
        # A second driver for the same host sees the same guests.
        assert fake.FakeDriver(hostname).list_instance_uuids() == [
            inst['uuid']]
    finally:
        fake.FakeDriver.reset(other)


def test_lifecycle(hostname):
    drv = fake.FakeDriver(hostname)
    inst = _spawn(drv)
    assert drv.get_info(inst) == {'state': states.RUNNING}
    drv.power_off(inst, timeout=5)
    assert drv.get_info(inst)['state'] == states.SHUTDOWN
    drv.power_on(None, inst, [])
    assert drv.get_info(inst)['state'] == states.RUNNING
    drv.pause(inst)
    assert drv.get_power_states() == {inst['uuid']: states.PAUSED_POWER}
    drv.unpause(inst)
    drv.suspend(inst)
    assert drv.get_info(inst)['state'] == states.SUSPENDED_POWER
    drv.resume(inst)
    drv.reboot(None, inst, [], driver.HARD)
    assert drv.get_info(inst)['state'] == states.RUNNING
    console = drv.get_console_output(inst)
    assert inst['uuid'] in console
    # Tempest asks for 3 lines and wants more than 3 in the whole log.
    assert len(console.split('\n')) > 3
    drv.destroy(None, inst, [])
    drv.destroy(None, inst, [])
    assert drv.list_instance_uuids() == []
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)
    with pytest.raises(exception.InstanceNotFound):
        drv.power_on(None, inst, [])


def test_invalid_transitions_raise(hostname):
    drv = fake.FakeDriver(hostname)
    inst = _spawn(drv)
    with pytest.raises(exception.VirtDriverError):
        drv.unpause(inst)
    with pytest.raises(exception.VirtDriverError):
        drv.resume(inst)
    drv.power_off(inst)
    with pytest.raises(exception.VirtDriverError):
        drv.pause(inst)
    assert drv.get_info(inst)['state'] == states.SHUTDOWN


def test_spawn_twice_is_an_error(hostname):
    drv = fake.FakeDriver(hostname)
    inst = _spawn(drv)
    with pytest.raises(exception.VirtDriverError):
        _spawn(drv, inst)
    assert drv.list_instance_uuids() == [inst['uuid']]


def test_many_instances(hostname):
    drv = fake.FakeDriver(hostname)
    uuids = [_spawn(drv)['uuid'] for _ in range(5000)]
    assert len(drv.list_instance_uuids()) == 5000
    power = drv.get_power_states()
    assert set(power) == set(uuids)
    assert set(power.values()) == {states.RUNNING}


@pytest.fixture
def virt_entry_points(tmp_path, monkeypatch):
    """Make the nube.compute.virt entry points findable.

    They come from setup.cfg once nube is pip-installed; otherwise a
    minimal dist-info on sys.path declares the same two names.
    """
    names = {e.name for e in importlib.metadata.entry_points(
        group=driver.NAMESPACE)}
    if {'fake', 'libvirt'} <= names:
        return
    dist = tmp_path / 'nube_virt_entry_points-0.dist-info'
    dist.mkdir()
    (dist / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: nube-virt-entry-points\n'
        'Version: 0\n')
    (dist / 'entry_points.txt').write_text(
        '[%s]\n'
        'libvirt = nube.compute.virt.libvirt.driver:LibvirtDriver\n'
        'fake = nube.compute.virt.fake:FakeDriver\n' % driver.NAMESPACE)
    monkeypatch.syspath_prepend(str(tmp_path))


def test_load_driver_fake(virt_entry_points, hostname):
    drv = driver.load_driver('fake', hostname)
    assert isinstance(drv, fake.FakeDriver)
    assert drv.host == hostname


def test_load_driver_unknown(virt_entry_points):
    with pytest.raises(exception.VirtDriverError):
        driver.load_driver('no-such-driver', 'h')


def test_base_class_methods_are_abstract():
    base = driver.ComputeDriver('h')
    assert base.host == 'h'
    with pytest.raises(NotImplementedError):
        base.spawn(None, _instance(), {}, [])
    with pytest.raises(NotImplementedError):
        base.get_power_states()
