"""/flavors: list, show, and (admin) create and delete."""

import re

import webob.exc

from nube.api import common
from nube.api.schemas import flavors as schema
from nube.api import validation
from nube.api.views import flavors as view
from nube.policies import flavors as policies

SORT_KEYS = ('created_at', 'description', 'disabled', 'ephemeral_gb',
             'flavorid', 'id', 'is_public', 'memory_mb', 'name', 'root_gb',
             'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus')


def _is_public(value):
    """Admins' is_public filter: absent -> public, 'None' -> all."""
    if value is None:
        return True
    if value.strip().lower() == 'none':
        return None
    try:
        return common.query_bool('is_public', value)
    except webob.exc.HTTPBadRequest:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid is_public filter [%s]' % value)


def _int_filter(req, name):
    """minRam/minDisk: integers a 32-bit column compares with."""
    value = req.GET.get(name)
    if value is None:
        return None
    try:
        return common.query_int(name, value, minimum=-common.MAX_INT - 1)
    except webob.exc.HTTPBadRequest:
        shown = value if len(value) <= 64 else value[:64] + '...'
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid %s filter [%s]' % (name, shown))


def _list(req):
    context = req.context
    if common.authorize(req, policies.ACCESS, fatal=False):
        is_public = _is_public(req.GET.get('is_public'))
    else:
        is_public = True
    sort_key = req.GET.get('sort_key') or 'flavorid'
    sort_dir = req.GET.get('sort_dir') or 'asc'
    if sort_key not in SORT_KEYS:
        raise webob.exc.HTTPBadRequest(
            explanation='Sort key supplied is invalid: %s' % sort_key[:64])
    if sort_dir not in ('asc', 'desc'):
        raise webob.exc.HTTPBadRequest(
            explanation="Unknown sort direction, must be 'desc' or 'asc'")
    limit, marker = common.limit_and_marker(req)
    min_ram = _int_filter(req, 'minRam')
    min_disk = _int_filter(req, 'minDisk')
    if limit == 0:
        return [], limit
    flavors = req.db.flavor_get_all(
        context, is_public=is_public, min_memory_mb=min_ram,
        min_root_gb=min_disk, sort_key=sort_key, sort_dir=sort_dir,
        limit=limit, marker=marker)
    return flavors, limit


def index(req):
    flavors, limit = _list(req)
    return common.json_response(view.index(req, flavors, limit))


def detail(req):
    flavors, limit = _list(req)
    return common.json_response(view.detail(req, flavors, limit))


def show(req, flavor_id):
    flavor = req.db.flavor_get_by_flavorid(flavor_id, req.context)
    return common.json_response({'flavor': view.show(req, flavor)})


# Nova's VALID_ID_REGEX, which the id also meets once a number is a string.
_ID_RE = re.compile(r'^(?! )[a-zA-Z0-9. _-]+(?<! )$')


def _flavor_id(flavor_id):
    """The id as stored: numbers become strings (1.0 -> '1'), which must
    still be 1-255 of the id's characters (1e300 would be 301 digits)."""
    if flavor_id is None or isinstance(flavor_id, str):
        return flavor_id
    if isinstance(flavor_id, float) and flavor_id.is_integer():
        flavor_id = int(flavor_id)
    text = str(flavor_id) if abs(flavor_id) < 10 ** 255 else None
    if text is None or not _ID_RE.match(text) or len(text) > 255:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid input for field/attribute id. Value: %s. '
                        'id can only contain [a-zA-Z0-9_.- ] and be at '
                        'most 255 characters long.' % (text or '%.3g'
                                                       % flavor_id))
    return text


def create(req):
    common.authorize(req, policies.MANAGE % 'create')
    body = validation.validate(schema.create, common.json_body(req))
    values = body['flavor']
    flavor_id = _flavor_id(values.get('id'))
    flavor = req.db.flavor_create({
        'name': values['name'],
        'flavorid': None if flavor_id is None else str(flavor_id),
        'memory_mb': int(values['ram']),
        'vcpus': int(values['vcpus']),
        'root_gb': int(values['disk']),
        'ephemeral_gb': int(values.get('OS-FLV-EXT-DATA:ephemeral', 0)),
        'swap': int(values.get('swap', 0)),
        'rxtx_factor': float(values.get('rxtx_factor', 1.0)),
        'is_public': common.body_bool(
            values.get('os-flavor-access:is_public'), default=True),
        'description': None,
    })
    return common.json_response({'flavor': view.show(req, flavor)})


def delete(req, flavor_id):
    common.authorize(req, policies.MANAGE % 'delete')
    req.db.flavor_destroy(flavor_id)
    return common.empty_response(202)
