"""Server bodies exactly as Nova shows them, per microversion (up to 2.47).

Input is the instance dict the compute facade returns; what each key means
is in nube/db/cell/models.py (Instance) plus the joined keys metadata,
tags, fault, fixed_ips, network_label.
"""

import hashlib
import ipaddress

from nube.api import common
from nube.compute import states
import nube.conf

CONF = nube.conf.CONF

# Statuses for which Nova shows 'progress' and 'fault'.
PROGRESS_STATUSES = ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE',
                     'VERIFY_RESIZE', 'MIGRATING')
FAULT_STATUSES = ('ERROR', 'DELETED')


def status(instance):
    return states.status_from_state(instance.get('vm_state'),
                                    instance.get('task_state'))


def host_id(instance):
    """Opaque per-project host identity: sha224(project_id + host)."""
    host = instance.get('host')
    if not host:
        return ''
    data = ('%s%s' % (instance.get('project_id') or '', host))
    return hashlib.sha224(data.encode('utf-8')).hexdigest()


def instance_name(instance):
    db_id = instance.get('id')
    return 'instance-%08x' % db_id if db_id else ''


def _image(req, instance):
    image_ref = instance.get('image_ref')
    if not image_ref:
        return ''
    return {'id': image_ref,
            'links': [{'rel': 'bookmark',
                       'href': common.bookmark_url(req, 'images',
                                                   image_ref)}]}


def _flavor(req, instance):
    flavor = instance.get('flavor') or {}
    if req.at_least(47):
        return {
            'original_name': flavor.get('name', ''),
            'vcpus': flavor.get('vcpus', instance.get('vcpus')),
            'ram': flavor.get('memory_mb', instance.get('memory_mb')),
            'disk': flavor.get('root_gb', instance.get('root_gb')),
            'ephemeral': flavor.get('ephemeral_gb',
                                    instance.get('ephemeral_gb')),
            'swap': flavor.get('swap', instance.get('swap')) or 0,
            'extra_specs': dict(flavor.get('extra_specs') or {}),
        }
    flavor_id = flavor.get('flavorid')
    if flavor_id is None:
        return {}
    return {'id': str(flavor_id),
            'links': [{'rel': 'bookmark',
                       'href': common.bookmark_url(req, 'flavors',
                                                   flavor_id)}]}


def _address_entry(address, kind, mac, extended):
    entry = {'version': ipaddress.ip_address(address).version,
             'addr': address}
    if extended:
        entry['OS-EXT-IPS:type'] = kind
        if mac:
            entry['OS-EXT-IPS-MAC:mac_addr'] = mac
    return entry


def addresses(instance, extended=True):
    """Per network label, each fixed address followed by the floating
    addresses translated to it (with its port's MAC), as Nova lists
    them."""
    label = instance.get('network_label') or CONF.network.label
    floating = {}
    for fip in instance.get('floating_ips') or []:
        if fip.get('address') and fip.get('fixed_address'):
            floating.setdefault(fip['fixed_address'], []).append(
                fip['address'])
    result = {}
    for fixed_ip in instance.get('fixed_ips') or []:
        address = fixed_ip.get('address')
        if not address:
            continue
        mac = fixed_ip.get('mac')
        entries = result.setdefault(fixed_ip.get('network') or label, [])
        entries.append(_address_entry(address, 'fixed', mac, extended))
        for floating_address in floating.pop(address, ()):
            entries.append(_address_entry(floating_address, 'floating', mac,
                                          extended))
    return result


def _fault(req, instance):
    fault = instance.get('fault')
    if not fault:
        return None
    body = {'code': fault.get('code'),
            'created': fault.get('created_at') or fault.get('created'),
            'message': fault.get('message') or ''}
    details = fault.get('details')
    if details and (req.context.is_admin or fault.get('code') != 500):
        body['details'] = details
    return body


def _config_drive(value):
    """Nova stores the flag as text: '' or 'True'."""
    if value is None or value is False:
        return ''
    if value is True:
        return 'True'
    return str(value)


def _security_groups(instance):
    """The names the server's create asked for, or that its last
    add/removeSecurityGroup left on its ports (system_metadata): reading
    every server's ports would cost a query per server in a list."""
    system_metadata = instance.get('system_metadata')
    groups = None
    if isinstance(system_metadata, dict):
        groups = system_metadata.get('security_groups')
    if groups is None:
        groups = instance.get('security_groups') or ['default']
    return [{'name': g['name'] if isinstance(g, dict) else g}
            for g in groups]


def basic(req, instance):
    """The {id, links, name} entry of GET /servers."""
    return {'id': instance['uuid'],
            'name': instance.get('display_name') or '',
            'links': common.links(req, 'servers', instance['uuid'])}


def show(req, instance, full=True):
    """One server's body. ``full=False`` is the PUT /servers/{id} answer,
    which below 2.75 leaves out the extension attributes.
    """
    uuid = instance['uuid']
    server = {
        'id': uuid,
        'name': instance.get('display_name') or '',
        'status': status(instance),
        'tenant_id': instance.get('project_id') or '',
        'user_id': instance.get('user_id') or '',
        'metadata': dict(instance.get('metadata') or {}),
        'hostId': host_id(instance),
        'image': _image(req, instance),
        'flavor': _flavor(req, instance),
        'created': instance.get('created_at'),
        'updated': instance.get('updated_at') or instance.get('created_at'),
        'addresses': addresses(instance, extended=full),
        'accessIPv4': instance.get('access_ip_v4') or '',
        'accessIPv6': instance.get('access_ip_v6') or '',
        'links': common.links(req, 'servers', uuid),
        'OS-DCF:diskConfig': ('AUTO' if instance.get('auto_disk_config')
                              else 'MANUAL'),
    }
    if server['status'] in FAULT_STATUSES:
        fault = _fault(req, instance)
        if fault:
            server['fault'] = fault
    if server['status'] in PROGRESS_STATUSES:
        server['progress'] = instance.get('progress') or 0
    is_admin = req.context.is_admin
    if full:
        server.update({
            'OS-EXT-AZ:availability_zone':
                instance.get('availability_zone') or '',
            'config_drive': _config_drive(instance.get('config_drive')),
            'key_name': instance.get('key_name'),
            'OS-SRV-USG:launched_at': instance.get('launched_at'),
            'OS-SRV-USG:terminated_at': instance.get('terminated_at'),
            'OS-EXT-STS:task_state': instance.get('task_state'),
            'OS-EXT-STS:vm_state': instance.get('vm_state'),
            'OS-EXT-STS:power_state': instance.get('power_state') or 0,
            'os-extended-volumes:volumes_attached': [],
        })
        groups = _security_groups(instance)
        if groups:
            # Nova leaves the key out for a server without groups.
            server['security_groups'] = groups
        if is_admin:
            server.update(_extended_server_attributes(req, instance))
    if req.at_least(9):
        server['locked'] = bool(instance.get('locked'))
    if req.at_least(19):
        server['description'] = instance.get('display_description')
    if req.at_least(26):
        server['tags'] = list(instance.get('tags') or [])
    if full and is_admin and req.at_least(16):
        server['host_status'] = instance.get('host_status') or ''
    return server


def _extended_server_attributes(req, instance):
    attrs = {
        'OS-EXT-SRV-ATTR:host': instance.get('host'),
        'OS-EXT-SRV-ATTR:hypervisor_hostname': instance.get('node'),
        'OS-EXT-SRV-ATTR:instance_name': instance_name(instance),
    }
    if req.at_least(3):
        attrs.update({
            'OS-EXT-SRV-ATTR:reservation_id': instance.get('reservation_id'),
            'OS-EXT-SRV-ATTR:launch_index':
                instance.get('launch_index') or 0,
            'OS-EXT-SRV-ATTR:hostname': instance.get('hostname') or '',
            'OS-EXT-SRV-ATTR:kernel_id': instance.get('kernel_id'),
            'OS-EXT-SRV-ATTR:ramdisk_id': instance.get('ramdisk_id'),
            'OS-EXT-SRV-ATTR:root_device_name':
                instance.get('root_device_name'),
            'OS-EXT-SRV-ATTR:user_data': instance.get('user_data'),
        })
    return attrs


def index(req, instances, limit):
    body = {'servers': [basic(req, i) for i in instances]}
    links = common.collection_links(req, instances, 'servers', 'uuid', limit)
    if links:
        body['servers_links'] = links
    return body


def detail(req, instances, limit):
    body = {'servers': [show(req, i) for i in instances]}
    links = common.collection_links(req, instances, 'servers/detail', 'uuid',
                                    limit)
    if links:
        body['servers_links'] = links
    return body


def create(req, instance, admin_password, security_groups):
    """The 202 body of POST /servers."""
    server = {
        'id': instance['uuid'],
        'links': common.links(req, 'servers', instance['uuid']),
        'OS-DCF:diskConfig': ('AUTO' if instance.get('auto_disk_config')
                              else 'MANUAL'),
        'security_groups': [{'name': name} for name in security_groups],
    }
    if admin_password is not None:
        server['adminPass'] = admin_password
    return {'server': server}
