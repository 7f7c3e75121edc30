"""Registry dicts -> Glance v2 response bodies."""

from urllib import parse

import nube.conf

CONF = nube.conf.CONF

ATTRIBUTES = ('name', 'disk_format', 'container_format', 'visibility',
              'size', 'virtual_size', 'status', 'checksum', 'protected',
              'min_ram', 'min_disk', 'owner', 'os_hidden', 'os_hash_algo',
              'os_hash_value')
# Properties nube keeps for itself and never shows.
HIDDEN_PROPERTIES = ()


def image(img):
    body = {k: v for k, v in (img.get('properties') or {}).items()
            if k not in HIDDEN_PROPERTIES}
    for key in ATTRIBUTES:
        body[key] = img.get(key)
    body['id'] = img['id']
    body['created_at'] = img['created_at']
    body['updated_at'] = img['updated_at']
    body['tags'] = list(img.get('tags') or [])
    if CONF.image_api.show_multiple_locations:
        locations = [{'url': loc['url'], 'metadata': loc.get('metadata', {})}
                     for loc in img.get('locations') or []
                     if loc.get('status', 'active') == 'active']
        body['locations'] = locations
        if locations:
            body['direct_url'] = locations[0]['url']
    body['self'] = '/v2/images/%s' % img['id']
    body['file'] = '/v2/images/%s/file' % img['id']
    body['schema'] = '/v2/schemas/image'
    return body


def images(imgs, params, next_marker=None):
    """The list body; ``params`` are the request's query items."""
    kept = [(k, v) for k, v in params if k != 'marker']
    body = {'images': [image(i) for i in imgs],
            'first': '/v2/images',
            'schema': '/v2/schemas/images'}
    if kept:
        body['first'] = '/v2/images?%s' % parse.urlencode(kept)
    if next_marker is not None:
        body['next'] = '/v2/images?%s' % parse.urlencode(
            kept + [('marker', next_marker)])
    return body


def member(m):
    return {'created_at': m['created_at'], 'updated_at': m['updated_at'],
            'image_id': m['image_id'], 'member_id': m['member_id'],
            'status': m['status'], 'schema': '/v2/schemas/member'}


def members(ms):
    return {'members': [member(m) for m in ms],
            'schema': '/v2/schemas/members'}
