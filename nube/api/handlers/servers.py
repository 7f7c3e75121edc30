"""/servers: create, list, show, update, delete."""

import ipaddress
import secrets

from oslo_utils import uuidutils
import webob.exc

from nube.api import common
from nube.api.handlers import servers_query
from nube.api.schemas import servers as schema
from nube.api import validation
from nube.api.views import servers as view
from nube.compute import limits
from nube import exception
from nube.network import api as network_api
from nube.network import exceptions as net_exc
from nube.policies import servers as policies

PASSWORD_LENGTH = 12
_PASSWORD_SYMBOLS = ('23456789ABCDEFGHJKLMNPQRSTUVWXYZ'
                     'abcdefghijkmnopqrstuvwxyz')


def generate_password(length=PASSWORD_LENGTH):
    return ''.join(secrets.choice(_PASSWORD_SYMBOLS) for _ in range(length))


def access_ip(value):
    """Nova keeps access IPs in canonical form ('::babe:dc0c:1602')."""
    return str(ipaddress.ip_address(value)) if value else None


def index(req):
    common.authorize(req, policies.SERVERS % 'index')
    instances, limit = servers_query.list_instances(req, 'index')
    return common.json_response(view.index(req, instances, limit))


def detail(req):
    common.authorize(req, policies.SERVERS % 'detail')
    instances, limit = servers_query.list_instances(req, 'detail')
    return common.json_response(view.detail(req, instances, limit))


def _target(instance):
    return {'project_id': instance.get('project_id'),
            'user_id': instance.get('user_id')}


def show(req, server_id):
    instance = req.compute_api.get(req.context, server_id)
    common.authorize(req, policies.SERVERS % 'show', _target(instance))
    return common.json_response({'server': view.show(req, instance)})


def update(req, server_id):
    body = validation.validate(
        schema.update(req.api_version, req.is_legacy_v2),
        common.json_body(req))
    common.authorize_server(req, policies.SERVERS % 'update', server_id)
    server = body['server']
    updates = {}
    if 'name' in server:
        updates['display_name'] = server['name']
    if 'description' in server:
        updates['display_description'] = server['description']
    if 'accessIPv4' in server:
        updates['access_ip_v4'] = access_ip(server['accessIPv4'])
    if 'accessIPv6' in server:
        updates['access_ip_v6'] = access_ip(server['accessIPv6'])
    context = req.context
    if updates:
        instance = req.compute_api.update(context, server_id, updates)
    else:
        instance = req.compute_api.get(context, server_id)
    return common.json_response(
        {'server': view.show(req, instance, full=False)})


def delete(req, server_id):
    common.authorize_server(req, policies.SERVERS % 'delete', server_id)
    req.compute_api.delete(req.context, server_id)
    return common.empty_response(204)


# -- create -------------------------------------------------------------------

def _image_ref(server):
    """imageRef, or the image of an image->local boot mapping (OSC 10).

    nube has no block storage: any mapping that involves a volume is
    refused.
    """
    image_ref = server.get('imageRef') or ''
    if server.get('block_device_mapping'):
        raise webob.exc.HTTPBadRequest(
            explanation='Block device mapping to volumes is not supported: '
                        'this cloud has no block storage.')
    mapped_image = None
    for bdm in server.get('block_device_mapping_v2') or []:
        source = bdm.get('source_type')
        destination = bdm.get('destination_type', 'local')
        if source != 'image' or destination != 'local':
            raise webob.exc.HTTPBadRequest(
                explanation='Only image to local block device mappings are '
                            'supported: this cloud has no block storage.')
        uuid = bdm.get('uuid') or bdm.get('image_id')
        if not uuidutils.is_uuid_like(uuid):
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid image UUID %s in block device '
                            'mapping.' % uuid)
        boot_index = bdm.get('boot_index')
        if boot_index is not None and int(boot_index) == 0:
            mapped_image = uuid
    if image_ref:
        return image_ref
    if mapped_image:
        return mapped_image
    if server.get('block_device_mapping_v2'):
        raise webob.exc.HTTPBadRequest(
            explanation='Block device mapping has no image with boot_index '
                        '0.')
    raise webob.exc.HTTPBadRequest(explanation='Missing imageRef attribute')


def _requested_networks(server):
    networks = server.get('networks')
    if networks is None:
        return 'auto'
    if isinstance(networks, str):
        return networks
    requested = []
    for network in networks:
        entry = {}
        uuid = network.get('uuid')
        if uuid is not None:
            if not uuidutils.is_uuid_like(uuid):
                raise webob.exc.HTTPBadRequest(
                    explanation='Bad networks format: network uuid is not '
                                'in proper format (%s)' % uuid)
            entry['uuid'] = uuid
        if network.get('fixed_ip'):
            entry['fixed_ip'] = network['fixed_ip']
        if network.get('port'):
            entry['port'] = network['port']
        requested.append(entry)
    return requested


def _scheduler_hints(body):
    hints = body.get('os:scheduler_hints')
    if hints is None:
        hints = body.get('OS-SCH-HNT:scheduler_hints')
    if not hints:
        return None
    hints = dict(hints)
    for key in ('same_host', 'different_host'):
        if isinstance(hints.get(key), str):
            hints[key] = [hints[key]]
    return hints


def _flavor(req, server):
    flavor_id = common.id_from_href(server['flavorRef'])
    try:
        flavor = req.db.flavor_get_by_flavorid(flavor_id, req.context)
    except exception.FlavorNotFound as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    if flavor.get('disabled'):
        raise webob.exc.HTTPBadRequest(
            explanation='Flavor %s is disabled.' % flavor_id)
    return flavor


def _check_security_groups(req, security_groups):
    """Nova refuses unknown security groups (names or ids of the caller's
    project) with 400, a name several groups have with 409, before
    anything is written. ``default`` always exists: the network API
    makes it on first use."""
    wanted = [name for name in security_groups if name != 'default']
    if not wanted:
        return
    try:
        network_api.API().find_security_groups(req.context, wanted)
    except net_exc.SecurityGroupNotFound as exc:
        raise webob.exc.HTTPBadRequest(
            explanation='Security group %s not found.' % exc.kwargs.get(
                'id'))
    except net_exc.Conflict as exc:
        raise webob.exc.HTTPConflict(explanation=exc.message)


def _check_limits(req, server):
    """(min_count, max_count) once the hard limits hold, checked before
    any other look-up or per-server work (400, or Nova's 403 for the
    project's per-server quotas)."""
    min_count = int(server.get('min_count', 1))
    max_count = int(server.get('max_count', min_count))
    try:
        limits.check_counts(min_count, max_count)
    except exception.Invalid as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    try:
        if server.get('metadata') or server.get('personality'):
            item_limits = limits.item_limits(req.db, req.context)
            limits.check_metadata(server.get('metadata'),
                                  limits=item_limits)
            limits.check_personality(server.get('personality'),
                                     limits=item_limits)
    except exception.OverQuota as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.message)
    return min_count, max_count


def create(req):
    body = validation.validate(
        schema.create(req.api_version, req.is_legacy_v2),
        common.json_body(req))
    common.authorize(req, policies.SERVERS % 'create')
    server = body['server']
    min_count, max_count = _check_limits(req, server)
    if ':' in (server.get('availability_zone') or ''):
        common.authorize(req, policies.SERVERS % 'create:forced_host')
    image_ref = _image_ref(server)
    flavor = _flavor(req, server)
    admin_password = server.get('adminPass') or generate_password()
    security_groups = list(dict.fromkeys(
        group['name'] for group in server.get('security_groups') or []
        if group.get('name'))) or ['default']
    _check_security_groups(req, security_groups)
    config_drive = server.get('config_drive')
    kwargs = dict(
        flavor=flavor, image_ref=image_ref, name=server['name'],
        min_count=min_count, max_count=max_count,
        metadata=server.get('metadata') or None,
        availability_zone=server.get('availability_zone'),
        requested_networks=_requested_networks(server),
        key_name=server.get('key_name'),
        user_data=server.get('user_data'),
        scheduler_hints=_scheduler_hints(body),
        description=server.get('description'),
        access_ip_v4=access_ip(server.get('accessIPv4')),
        access_ip_v6=access_ip(server.get('accessIPv6')),
        config_drive=(None if config_drive is None
                      else common.body_bool(config_drive)),
        admin_password=admin_password,
        block_device_mapping=server.get('block_device_mapping_v2'),
        security_groups=security_groups)
    try:
        instances, reservation_id = req.compute_api.create(req.context,
                                                           **kwargs)
    except (exception.ImageNotFound, exception.FlavorNotFound) as exc:
        # Nova answers a missing image or flavor in a create with 400.
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    except exception.KeypairNotFound:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid key_name provided.')
    if common.body_bool(server.get('return_reservation_id')):
        return common.json_response({'reservation_id': reservation_id},
                                    status=202)
    first = instances[0]
    body = view.create(req, first, admin_password, security_groups)
    location = common.self_url(req, 'servers', first['uuid'])
    return common.json_response(body, status=202,
                                headers={'Location': location})
