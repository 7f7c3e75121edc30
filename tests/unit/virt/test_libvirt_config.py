"""Domain XML builder: structure, escaping of user input, libvirt schema."""

import shutil
import subprocess
import uuid
import xml.etree.ElementTree as ET

import pytest

from nube.compute.virt.libvirt import config

NS = {'nube': config.NUBE_NS}
NASTY = '<x>&"\''


def _instance(**kw):
    inst = {'uuid': str(uuid.uuid4()), 'display_name': 'vm1',
            'memory_mb': 512, 'vcpus': 2, 'root_gb': 1,
            'project_id': 'proj', 'user_id': 'user',
            'flavor': {'flavorid': '42', 'name': 'm1.small',
                       'memory_mb': 512, 'vcpus': 2, 'root_gb': 1}}
    inst.update(kw)
    return inst


def _build(instance=None, image_meta=None, network_info=(),
           virt_type='qemu', disk_path='/srv/i/disk',
           console_log='/srv/i/console.log'):
    instance = instance or _instance()
    xml = config.build_domain_xml(instance, image_meta or {},
                                  list(network_info), virt_type,
                                  disk_path=disk_path,
                                  console_log=console_log)
    return ET.fromstring(xml), xml


def test_domain_basics():
    inst = _instance()
    root, _ = _build(inst, virt_type='kvm')
    assert root.tag == 'domain'
    assert root.get('type') == 'kvm'
    assert root.findtext('name') == 'instance-' + inst['uuid']
    assert root.findtext('uuid') == inst['uuid']
    assert root.find('memory').get('unit') == 'KiB'
    assert root.findtext('memory') == str(512 * 1024)
    assert root.findtext('vcpu') == '2'
    assert root.findtext('os/type') == 'hvm'
    assert root.find('os/boot').get('dev') == 'hd'
    assert root.find('os/kernel') is None
    assert root.findtext('on_poweroff') == 'destroy'
    assert root.findtext('on_reboot') == 'restart'
    assert root.findtext('on_crash') == 'destroy'


def test_domain_name_round_trip():
    u = str(uuid.uuid4())
    assert config.uuid_from_domain_name(config.domain_name(u)) == u
    assert config.uuid_from_domain_name('test') is None


def test_flavor_used_when_instance_lacks_sizes():
    inst = _instance(memory_mb=None, vcpus=None)
    root, _ = _build(inst)
    assert root.findtext('memory') == str(512 * 1024)
    assert root.findtext('vcpu') == '2'


def test_disk_and_console_devices():
    root, _ = _build(disk_path='/srv/i/disk',
                     console_log='/srv/i/console.log')
    disks = root.findall('devices/disk')
    assert len(disks) == 1
    disk = disks[0]
    assert (disk.get('type'), disk.get('device')) == ('file', 'disk')
    assert disk.find('driver').get('type') == 'qcow2'
    assert disk.find('source').get('file') == '/srv/i/disk'
    assert disk.find('target').get('dev') == 'vda'
    serial = root.find('devices/serial')
    assert serial.get('type') == 'file'
    assert serial.find('source').get('path') == '/srv/i/console.log'
    console = root.find('devices/console')
    assert console.find('target').get('type') == 'serial'
    assert console.find('source').get('path') == '/srv/i/console.log'


def test_no_disk_without_path():
    root, _ = _build(disk_path=None)
    assert root.findall('devices/disk') == []
    assert root.find('os/boot') is None


def test_interfaces_from_network_info():
    vifs = [{'address': '10.0.0.3', 'mac': 'fa:16:3e:00:00:01',
             'network_label': 'private'},
            {'address': '10.0.1.3', 'mac': 'fa:16:3e:00:00:02',
             'network_label': 'other', 'bridge': 'br100'}]
    root, _ = _build(network_info=vifs)
    ifaces = root.findall('devices/interface')
    assert [i.get('type') for i in ifaces] == ['user', 'bridge']
    assert [i.find('mac').get('address') for i in ifaces] == [
        'fa:16:3e:00:00:01', 'fa:16:3e:00:00:02']
    assert ifaces[1].find('source').get('bridge') == 'br100'


def test_direct_kernel_boot():
    meta = {'id': 'img', 'disk_format': 'qcow2', 'container_format': 'bare',
            'properties': {'kernel_path': '/cache/vmlinuz',
                           'ramdisk_path': '/cache/initrd.img'}}
    root, _ = _build(image_meta=meta)
    assert root.findtext('os/kernel') == '/cache/vmlinuz'
    assert root.findtext('os/initrd') == '/cache/initrd.img'
    assert root.findtext('os/cmdline') == 'console=ttyS0 root=/dev/vda'
    assert root.find('os/boot') is None


def test_flat_network_address_goes_on_the_kernel_command_line():
    """FlatManager has no DHCP: the guest reads its address from ip=."""
    meta = {'properties': {'kernel_path': '/cache/vmlinuz'}}
    vif = {'mac': 'fa:16:3e:00:00:01', 'bridge': 'br100', 'dhcp': False,
           'address': '10.0.0.5', 'cidr': '10.0.0.0/24',
           'gateway': '10.0.0.1'}
    root, _ = _build(image_meta=meta, network_info=[vif])
    assert root.findtext('os/cmdline') == (
        'console=ttyS0 root=/dev/vda '
        'ip=10.0.0.5::10.0.0.1:255.255.255.0::eth0:off')
    # DHCP networks, and anything that does not parse, add nothing.
    for changed in ({'dhcp': True}, {'address': '10.0.0.5 init=/bin/sh'},
                    {'gateway': '1.2.3.4 x'}, {'cidr': None}):
        root, _ = _build(image_meta=meta, network_info=[dict(vif, **changed)])
        assert root.findtext('os/cmdline') == 'console=ttyS0 root=/dev/vda'
    without_gateway = config.static_ip_arg(dict(vif, gateway=None))
    assert without_gateway == 'ip=10.0.0.5:::255.255.255.0::eth0:off'


def test_display_name_is_escaped_and_round_trips():
    inst = _instance(display_name=NASTY,
                     flavor={'flavorid': '1', 'name': NASTY,
                             'memory_mb': 64, 'vcpus': 1})
    root, xml = _build(inst)
    # Nothing the user typed became markup.
    assert '<x>' not in xml
    assert root.find('.//x') is None
    meta = root.find('metadata/nube:instance', NS)
    assert [child.tag for child in meta] == [
        '{%s}display-name' % config.NUBE_NS, '{%s}flavor' % config.NUBE_NS,
        '{%s}owner' % config.NUBE_NS]
    assert meta.findtext('nube:display-name', namespaces=NS) == NASTY
    assert meta.find('nube:flavor', NS).get('name') == NASTY
    assert len(list(root.iter())) == len(list(_build()[0].iter()))


def test_attribute_injection_stays_a_value():
    evil = "' /><devices><disk file='/etc/shadow'/></devices><x a='"
    inst = _instance(project_id=evil)
    root, _ = _build(inst, disk_path=None)
    assert root.find('metadata/nube:instance/nube:owner',
                     NS).get('project') == evil
    assert root.findall('.//disk') == []
    assert len(root.findall('devices')) == 1


def test_invalid_xml_characters_are_replaced():
    inst = _instance(display_name='bell\x07null\x00ok\u00e9')
    root, _ = _build(inst)
    name = root.findtext('metadata/nube:instance/nube:display-name',
                         namespaces=NS)
    assert name == 'bell\ufffdnull\ufffdok\u00e9'


@pytest.mark.skipif(not (shutil.which('virt-xml-validate')
                         and shutil.which('xmllint')),
                    reason='virt-xml-validate/xmllint not installed')
@pytest.mark.parametrize('kernel', [False, True])
def test_xml_validates_against_libvirt_schema(tmp_path, kernel):
    props = {'kernel_path': '/k', 'ramdisk_path': '/r'} if kernel else {}
    _, xml = _build(_instance(display_name=NASTY),
                    image_meta={'properties': props},
                    network_info=[{'mac': 'fa:16:3e:00:00:01',
                                   'address': '10.0.0.2'}])
    path = tmp_path / 'domain.xml'
    path.write_text(xml)
    proc = subprocess.run(['virt-xml-validate', str(path), 'domain'],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
