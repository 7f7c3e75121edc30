"""PATCH /v2/images/{id}: Glance's JSON-patch dialect.

Media type ``application/openstack-images-v2.1-json-patch`` takes RFC 6902
style operations (``{"op": "add", "path": "/foo", "value": "bar"}``);
``...-v2.0-json-patch`` takes the older ``{"add": "/foo", "value": ...}``.
Only add, remove and replace exist; paths are one level deep except
``/locations/N``. Read-only attributes answer 403, as in Glance.
"""

import collections
import re

from nube import exception
from nube.image.api import schemas

MEDIA_TYPES = {
    'application/openstack-images-v2.0-json-patch': 4,
    'application/openstack-images-v2.1-json-patch': 10,
}
OPERATIONS = ('add', 'remove', 'replace')
# Enough to rewrite every attribute and property of an image at once.
MAX_OPERATIONS = 512
READ_ONLY = ('created_at', 'updated_at', 'status', 'checksum', 'size',
             'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id',
             'os_hash_algo', 'os_hash_value', 'stores')
RESERVED = ('location', 'deleted', 'deleted_at')
RESERVED_PREFIXES = ('os_glance',)
# Base attributes a request may set (the rest of the base ones are
# read-only); none of them can be removed.
WRITABLE_BASE = ('name', 'visibility', 'protected', 'os_hidden', 'owner',
                 'container_format', 'disk_format', 'min_disk', 'min_ram',
                 'tags')
_PATH_DEPTH = {'locations': {'add': 2, 'remove': 2, 'replace': 1}}

Change = collections.namedtuple('Change', ['op', 'path', 'value'])


def check_property_name(name, read_only=READ_ONLY):
    """403 for read-only and reserved attribute names."""
    if name in read_only:
        raise exception.Forbidden("Attribute '%s' is read-only." % name)
    if name in RESERVED or name.startswith(RESERVED_PREFIXES):
        raise exception.Forbidden("Attribute '%s' is reserved." % name)
    if len(name) > 255:
        raise exception.Invalid('Custom property should not be greater '
                                'than 255 characters.')


def _decode_pointer(pointer):
    if not isinstance(pointer, str) or not pointer.startswith('/'):
        raise exception.Invalid('Pointer `%s` does not start with "/".'
                                % pointer)
    if re.search(r'/\s*?/', pointer[1:]):
        raise exception.Invalid('Pointer `%s` contains adjacent "/".'
                                % pointer)
    if len(pointer) > 1 and pointer.endswith('/'):
        raise exception.Invalid('Pointer `%s` end with "/".' % pointer)
    if pointer == '/':
        raise exception.Invalid('Pointer `%s` does not contains valid '
                                'token.' % pointer)
    if re.search('~[^01]', pointer) or pointer.endswith('~'):
        raise exception.Invalid('Pointer `%s` contains "~" not part of a '
                                'recognized escape sequence.' % pointer)
    return [part.replace('~1', '/').replace('~0', '~').strip()
            for part in pointer.lstrip('/').split('/')]


def _op_and_pointer(raw, draft):
    if draft == 10:
        op = raw.get('op')
        if op not in OPERATIONS:
            raise exception.Invalid(
                'Invalid operation: `%s`. It must be one of the following: '
                '%s.' % (op, ', '.join(OPERATIONS)))
        if 'path' not in raw:
            raise exception.Invalid("Unable to find 'path' in JSON Schema "
                                    "change")
        return op, raw['path']
    ops = [key for key in OPERATIONS if key in raw]
    if len(ops) != 1:
        raise exception.Invalid('Operation objects must contain exactly one '
                                'member named "add", "remove", or '
                                '"replace".')
    return ops[0], raw[ops[0]]


def parse(content_type, body):
    """[Change] from a decoded request body; 415/400/403 as Glance."""
    draft = MEDIA_TYPES.get(content_type)
    if draft is None:
        raise UnsupportedMediaType(', '.join(sorted(MEDIA_TYPES)))
    if not isinstance(body, list):
        raise exception.Invalid('Request body must be a JSON array of '
                                'operation objects.')
    if len(body) > MAX_OPERATIONS:
        raise exception.Invalid('At most %d operations in one request.'
                                % MAX_OPERATIONS)
    changes = []
    for raw in body:
        if not isinstance(raw, dict):
            raise exception.Invalid('Operations must be JSON objects.')
        op, pointer = _op_and_pointer(raw, draft)
        path = _decode_pointer(pointer)
        limit = _PATH_DEPTH.get(path[0], {}).get(op, 1)
        if len(path) != limit:
            raise exception.Invalid("Invalid JSON pointer for this "
                                    "resource: '/%s'" % '/'.join(path))
        value = None
        if op != 'remove':
            if 'value' not in raw:
                raise exception.Invalid('Operation "%s" requires a member '
                                        'named "value".' % op)
            value = raw['value']
        check_property_name(path[0])
        if op != 'remove':
            _validate_value(path, value)
        changes.append(Change(op, path, value))
    return changes


def _validate_value(path, value):
    if len(path) == 1:
        partial = {path[0]: value}
    else:   # /locations/N
        partial = {path[0]: [value]}
    schemas.validate(schemas.image_schema(), partial, name='image')


class UnsupportedMediaType(exception.NubeException):
    code = 415
    msg_fmt = 'Unsupported media type.'

    def __init__(self, accept_patch):
        super().__init__()
        self.accept_patch = accept_patch


Update = collections.namedtuple(
    'Update', ['values', 'properties', 'remove_properties', 'tags',
               'locations'])


def apply(image, changes, draft=10):
    """What ``changes`` do to ``image`` (a registry image dict).

    Returns an Update: base ``values`` to set, custom ``properties`` to set,
    ``remove_properties``, the new ``tags`` list (or None) and the new
    ``locations`` list (or None when untouched). Authorization of the
    resulting values is the caller's job.
    """
    values = {}
    props = dict(image.get('properties') or {})
    original_props = set(props)
    tags = None
    locations = None
    for change in changes:
        name = change.path[0]
        if name == 'locations':
            if locations is None:
                locations = [dict(loc) for loc in image.get('locations', [])
                             if loc.get('status', 'active') != 'deleted']
            _apply_location(locations, change)
            continue
        is_base = name in WRITABLE_BASE
        if change.op == 'remove':
            if is_base:
                raise exception.Forbidden('Property %s may not be removed.'
                                          % name)
            if name not in props:
                raise exception.Conflict('Property %s does not exist.'
                                         % name)
            del props[name]
            continue
        if change.op == 'replace' and not is_base and name not in props:
            raise exception.Conflict('Property %s does not exist.' % name)
        if change.op == 'add' and draft == 4 and (
                name in props or (is_base and image.get(name) is not None)):
            raise exception.Conflict('Property %s already present.' % name)
        if name == 'tags':
            tags = list(dict.fromkeys(change.value))
        elif is_base:
            values[name] = change.value
        else:
            props[name] = change.value
    set_props = {k: v for k, v in props.items()
                 if (image.get('properties') or {}).get(k, object()) != v}
    removed = sorted(original_props - set(props))
    return Update(values, set_props, removed, tags, locations)


def _apply_location(locations, change):
    if change.op == 'replace':
        if not change.value:
            raise exception.Forbidden('Cannot set locations to empty list.')
        locations[:] = [dict(loc) for loc in change.value]
        return
    position = change.path[1]
    count = len(locations)
    if change.op == 'add':
        index = count if position == '-' else _index(position, count, True)
        locations.insert(index, dict(change.value))
        return
    index = count - 1 if position == '-' else _index(position, count, False)
    if count <= 1:
        raise exception.Forbidden('Cannot remove last location in the '
                                  'image.')
    locations.pop(index)


def _index(text, count, allow_end):
    # ASCII digits only ('²' is a digit to str.isdigit, not to int), and
    # few enough of them to read.
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise exception.Invalid('Invalid position for %s a location.'
                                % ('adding' if allow_end else 'removing'))
    index = int(text)
    if index > count or (index == count and not allow_end):
        raise exception.Invalid('Invalid position for %s a location.'
                                % ('adding' if allow_end else 'removing'))
    return index
