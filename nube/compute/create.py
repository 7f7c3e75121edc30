"""Server create: validate, build the intended servers, write, cast.

``CreateMixin.create`` checks what can be checked before any per-server
work (counts, metadata, image, key pair, zone, networks, server group),
builds one instance dict and request spec per server, and writes them
with ``ApiDatabase.build_create``, which checks the project's quota in
the same transaction; only what was written is cast to the scheduler.
"""

import re
import uuid as uuidlib

from nube import exception
from nube import timing
from nube import utils
from nube.compute import host_api
from nube.compute import limits
from nube.compute import server_groups
from nube.compute import states
import nube.conf
from nube.db.api import keypairs as keypairs_db
from nube.image import client as image_client
from nube.network import api as network_api

CONF = nube.conf.CONF

def new_instance_view(instance):
    """Keys every instance dict carries, for rows that have no joins yet."""
    instance.setdefault('metadata', {})
    instance.setdefault('tags', [])
    instance.setdefault('fault', None)
    instance.setdefault('fixed_ips', [])
    instance['network_label'] = CONF.network.label
    return instance


def _hostname(name):
    hostname = re.sub(r'[^\w.-]+', '-', name.lower()).strip('-.')
    return (hostname or 'server')[:63]



class CreateMixin:
    """``API.create`` and what it alone uses."""

    # -- create -------------------------------------------------------------

    def create(self, ctxt, *, flavor, image_ref, name, min_count=1,
               max_count=1, metadata=None, availability_zone=None,
               requested_networks='auto', key_name=None, user_data=None,
               scheduler_hints=None, description=None, access_ip_v4=None,
               access_ip_v6=None, config_drive=None, admin_password=None,
               block_device_mapping=None, security_groups=None):
        """``security_groups``: the names (or ids) of the groups the
        server's ports get, checked by the caller; the conductor reads
        them from system_metadata when it allocates the ports."""
        laps = timing.laps('api.create')
        limits.check_counts(min_count, max_count)
        limits.check_metadata(metadata, self.db, ctxt)
        if flavor.get('disabled'):
            raise exception.FlavorNotFound(flavor_id=flavor['flavorid'])
        image = self._get_image(ctxt, image_ref)
        self._check_image_fits(image, flavor)
        # The caller's own key pair (KeypairNotFound: 400 in the API).
        key_data = keypairs_db.key_pair_get(
            self.db, ctxt.user_id, key_name)['public_key'] \
            if key_name else None
        availability_zone, force_hosts = self._parse_zone(
            ctxt, availability_zone)
        if availability_zone:
            zones = {z['name'] for z in
                     host_api.HostAPI().availability_zones(ctxt)}
            zones.add(CONF.default_availability_zone)
            if availability_zone not in zones:
                raise exception.Invalid(
                    'The requested availability zone is not available')
        laps.lap('validate')
        networks = requested_networks or 'auto'
        if isinstance(networks, list):
            network_api.API().check_requested(ctxt, networks, max_count)
        group = self._server_group(ctxt, scheduler_hints)
        count = max_count
        reservation_id = 'r-' + uuidlib.uuid4().hex[:8]
        now = utils.isotime(utils.utcnow())
        flavor_info = {k: flavor.get(k) for k in (
            'flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb',
            'ephemeral_gb', 'swap', 'rxtx_factor', 'extra_specs')}
        builds = []
        for index in range(count):
            display_name = name if count == 1 else '%s-%d' % (name, index + 1)
            instance = {
                'uuid': str(uuidlib.uuid4()),
                'project_id': ctxt.project_id,
                'user_id': ctxt.user_id,
                'display_name': display_name,
                'display_description': description,
                'hostname': _hostname(display_name),
                'host': None, 'node': None,
                'vm_state': states.BUILDING,
                'task_state': states.SCHEDULING,
                'power_state': states.NOSTATE,
                'image_ref': image['id'] if image else '',
                'kernel_id': (image or {}).get('properties', {}).get(
                    'kernel_id'),
                'ramdisk_id': (image or {}).get('properties', {}).get(
                    'ramdisk_id'),
                'flavor': flavor_info,
                'flavorid': flavor['flavorid'],
                'memory_mb': flavor['memory_mb'],
                'vcpus': flavor['vcpus'],
                'root_gb': flavor['root_gb'],
                'ephemeral_gb': flavor['ephemeral_gb'],
                'swap': flavor['swap'],
                'availability_zone': availability_zone,
                'key_name': key_name,
                'key_data': key_data,
                'user_data': user_data,
                'config_drive': 'True' if config_drive else '',
                'access_ip_v4': access_ip_v4,
                'access_ip_v6': access_ip_v6,
                'reservation_id': reservation_id,
                'launch_index': index,
                'locked': False,
                'progress': 0,
                'root_device_name': '/dev/vda',
                'metadata': dict(metadata or {}),
                'tags': [],
                'system_metadata': {
                    'requested_networks': networks,
                    'security_groups': list(security_groups or
                                            ['default'])},
                'created_at': now,
                'updated_at': now,
                'launched_at': None,
                'terminated_at': None,
                'deleted': 0,
            }
            spec = {
                'flavor': flavor_info,
                'image': {'id': instance['image_ref'],
                          'properties': (image or {}).get('properties', {})},
                'availability_zone': availability_zone,
                'scheduler_hints': scheduler_hints or {},
                'num_instances': 1,
                'instance_uuids': [instance['uuid']],
                'project_id': ctxt.project_id,
                'requested_networks': networks,
                'force_hosts': force_hosts,
            }
            if group is not None:
                spec['group'] = server_groups.spec_view(group)
            builds.append({'instance': instance, 'spec': spec})
        laps.lap('prepare')
        # Quota (as many as fit, at least min_count) and group membership
        # are checked in the transaction that writes the builds.
        builds = self.db.build_create(builds, min_count=min_count,
                                      group=group)
        laps.lap('db_write')
        self.scheduler.build_instances(ctxt, builds)
        laps.lap('cast')
        return ([new_instance_view(dict(b['instance'])) for b in builds],
                reservation_id)

    def _server_group(self, ctxt, scheduler_hints):
        """The server group a ``group`` hint names, or None."""
        uuid = (scheduler_hints or {}).get('group')
        if not uuid:
            return None
        return server_groups.ServerGroupAPI(self.db).get_for_build(ctxt,
                                                                    uuid)

    @staticmethod
    def _parse_zone(ctxt, availability_zone):
        """Nova's ``zone:host`` form pins a host; admins only."""
        if not availability_zone or ':' not in availability_zone:
            return availability_zone, []
        if not ctxt.is_admin:
            raise exception.Forbidden(
                'Only administrators may pick a host with zone:host')
        zone, _sep, host = availability_zone.partition(':')
        host = host.partition(':')[0]
        return (zone or None), ([host] if host else [])

    @property
    def image_api(self):
        if self._image_api is None:
            self._image_api = image_client.API()
        return self._image_api

    def _get_image(self, ctxt, image_ref):
        """The image to boot, as the caller sees it; None without one.

        The lookup uses the caller's token, so the image API decides what
        the project may see (another project's private image is a 404).
        Without an image service any id is a blank disk.
        """
        if not image_ref:
            return None
        image = self.image_api.get(ctxt, image_ref)
        if image.get('status') != 'active':
            raise exception.ImageNotActive(image_id=image_ref)
        return image

    @staticmethod
    def _check_image_fits(image, flavor):
        if not image:
            return
        if (image.get('min_ram') or 0) > flavor['memory_mb']:
            raise exception.Invalid(
                "Flavor's memory is too small for requested image.")
        # A flavor without a root disk size takes any image (Nova's rule).
        root_bytes = (flavor['root_gb'] or 0) * 1024 ** 3
        image_bytes = image.get('virtual_size') or image.get('size') or 0
        if root_bytes and ((image.get('min_disk') or 0) >
                           flavor['root_gb'] or image_bytes > root_bytes):
            raise exception.Invalid(
                "Flavor's disk is too small for requested image.")

