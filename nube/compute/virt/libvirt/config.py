"""Builds libvirt domain XML for an instance.

Everything goes through xml.etree.ElementTree, which escapes text and
attribute values, so user input (display names, metadata) can never add
elements. Characters XML 1.0 cannot carry at all (most C0 controls) are
replaced, or libvirt would refuse the document.
"""

import ipaddress
import re
import xml.etree.ElementTree as ET

NUBE_NS = 'http://nube.example.org/xmlns/libvirt/instance/1.0'
NUBE_PREFIX = 'nube'
DOMAIN_NAME_PREFIX = 'instance-'
DIRECT_BOOT_CMDLINE = 'console=ttyS0 root=/dev/vda'

ET.register_namespace(NUBE_PREFIX, NUBE_NS)

# Not allowed anywhere in an XML 1.0 document.
_XML_INVALID = re.compile(
    '[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def domain_name(instance_uuid):
    """libvirt domain name of an instance: instance-<uuid>."""
    return DOMAIN_NAME_PREFIX + instance_uuid


def uuid_from_domain_name(name):
    """The instance uuid of a nube domain name, or None for other domains."""
    if name.startswith(DOMAIN_NAME_PREFIX):
        return name[len(DOMAIN_NAME_PREFIX):]
    return None


def _clean(value):
    return _XML_INVALID.sub('\ufffd', '' if value is None else str(value))


def _sub(parent, tag, text=None, **attrs):
    elem = ET.SubElement(parent, tag,
                         {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        elem.text = _clean(text)
    return elem


def _nube_tag(name):
    return '{%s}%s' % (NUBE_NS, name)


def _metadata(domain, instance):
    meta = _sub(domain, 'metadata')
    inst = _sub(meta, _nube_tag('instance'))
    _sub(inst, _nube_tag('display-name'), instance.get('display_name') or '')
    flavor = instance.get('flavor') or {}
    _sub(inst, _nube_tag('flavor'), name=flavor.get('name') or '',
         id=flavor.get('flavorid') or '')
    _sub(inst, _nube_tag('owner'),
         project=instance.get('project_id') or '',
         user=instance.get('user_id') or '')


def static_ip_arg(vif):
    """The kernel's ``ip=ADDR::GW:NETMASK::eth0:off`` for a first
    interface whose network has no DHCP (FlatManager), else None. Built
    from parsed addresses only: nothing else reaches the command line."""
    if not vif or vif.get('dhcp', True) or not vif.get('address') \
            or not vif.get('cidr'):
        return None
    try:
        address = ipaddress.IPv4Address(vif['address'])
        network = ipaddress.IPv4Network(vif['cidr'], strict=False)
        gateway = (ipaddress.IPv4Address(vif['gateway'])
                   if vif.get('gateway') else '')
    except ValueError:
        return None
    return 'ip=%s::%s:%s::eth0:off' % (address, gateway, network.netmask)


def _os(domain, image_meta, has_disk, network_info):
    os_elem = _sub(domain, 'os')
    _sub(os_elem, 'type', 'hvm')
    props = (image_meta or {}).get('properties') or {}
    kernel = props.get('kernel_path')
    if kernel:
        _sub(os_elem, 'kernel', kernel)
        if props.get('ramdisk_path'):
            _sub(os_elem, 'initrd', props['ramdisk_path'])
        static = static_ip_arg((network_info or [None])[0])
        _sub(os_elem, 'cmdline', DIRECT_BOOT_CMDLINE +
             (' ' + static if static else ''))
    elif has_disk:
        _sub(os_elem, 'boot', dev='hd')


def _interface(devices, vif):
    if vif.get('bridge'):
        iface = _sub(devices, 'interface', type='bridge')
        _sub(iface, 'source', bridge=vif['bridge'])
    else:
        iface = _sub(devices, 'interface', type='user')
    if vif.get('mac'):
        _sub(iface, 'mac', address=vif['mac'])
    _sub(iface, 'model', type='virtio')
    return iface


def interface_xml(vif):
    """One <interface> (as in the domain) for attachDeviceFlags."""
    holder = ET.Element('devices')
    return ET.tostring(_interface(holder, vif), encoding='unicode')


def _console(devices, console_log):
    # The serial port writes straight into a file (the console log); the
    # <console> is libvirt's alias of that same first serial port.
    serial = _sub(devices, 'serial', type='file')
    _sub(serial, 'source', path=console_log, append='on')
    _sub(serial, 'target', port='0')
    console = _sub(devices, 'console', type='file')
    _sub(console, 'source', path=console_log, append='on')
    _sub(console, 'target', type='serial', port='0')


def build_domain(instance, image_meta, network_info, virt_type,
                 disk_path=None, console_log=None):
    """The <domain> Element for an instance (see build_domain_xml)."""
    flavor = instance.get('flavor') or {}
    memory_mb = instance.get('memory_mb') or flavor.get('memory_mb')
    vcpus = instance.get('vcpus') or flavor.get('vcpus')
    domain = ET.Element('domain', type=_clean(virt_type))
    _sub(domain, 'name', domain_name(instance['uuid']))
    _sub(domain, 'uuid', instance['uuid'])
    _metadata(domain, instance)
    _sub(domain, 'memory', int(memory_mb) * 1024, unit='KiB')
    _sub(domain, 'vcpu', int(vcpus))
    _os(domain, image_meta, disk_path is not None, network_info)
    features = _sub(domain, 'features')
    _sub(features, 'acpi')
    _sub(features, 'apic')
    _sub(domain, 'clock', offset='utc')
    _sub(domain, 'on_poweroff', 'destroy')
    _sub(domain, 'on_reboot', 'restart')
    _sub(domain, 'on_crash', 'destroy')
    devices = _sub(domain, 'devices')
    if disk_path is not None:
        disk = _sub(devices, 'disk', type='file', device='disk')
        _sub(disk, 'driver', name='qemu', type='qcow2')
        _sub(disk, 'source', file=disk_path)
        _sub(disk, 'target', dev='vda', bus='virtio')
    for vif in network_info or ():
        _interface(devices, vif)
    if console_log is not None:
        _console(devices, console_log)
    return domain


def build_domain_xml(instance, image_meta, network_info, virt_type,
                     disk_path=None, console_log=None):
    """Domain XML (str) for ``instance``.

    virt_type is the <domain type>; disk_path a qcow2 file booted as vda
    (no disk when None); console_log the file the serial console writes.
    image_meta properties kernel_path/ramdisk_path select direct kernel boot.
    """
    domain = build_domain(instance, image_meta, network_info, virt_type,
                          disk_path=disk_path, console_log=console_log)
    ET.indent(domain)
    return ET.tostring(domain, encoding='unicode')
