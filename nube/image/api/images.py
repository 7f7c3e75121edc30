"""Handlers for /v2/images: create, list, show, PATCH, delete, actions,
tags. Metadata comes from the registry; data goes to the stores."""

from oslo_log import log as logging

from nube import exception
import nube.conf
from nube.image.api import common
from nube.image.api import patch
from nube.image.api import policy
from nube.image.api import schemas
from nube.image.api import views
from nube.image.stores import base as store_base
from nube import utils

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# Attributes a create body may set (the rest become custom properties).
CREATE_BASE = ('id', 'name', 'visibility', 'protected', 'os_hidden',
               'owner', 'container_format', 'disk_format', 'min_disk',
               'min_ram')
_DISALLOWED = ('direct_url', 'self', 'file', 'schema', 'stores')
MEMBER_STATUSES = ('pending', 'accepted', 'rejected', 'all')
LIST_VISIBILITIES = ('community', 'public', 'private', 'shared', 'all')


def check_property_quota(count):
    """413 past the number of extra properties an image may have."""
    if count > schemas.MAX_PROPERTIES:
        raise common.ApiError(413, 'Maximum number of image properties (%d) '
                                   'exceeded.' % schemas.MAX_PROPERTIES)


def create(req, deps):
    ctxt = common.context(req)
    body = common.json_body(req)
    if not isinstance(body, dict):
        raise exception.Invalid('Request body must be a JSON object.')
    for key in _DISALLOWED:
        if key in body:
            raise exception.Forbidden("Attribute '%s' is read-only." % key)
    schemas.validate(schemas.image_schema(), body, name='image')
    body = dict(body)
    tags = list(dict.fromkeys(body.pop('tags', [])))
    values = {k: body.pop(k) for k in CREATE_BASE if k in body}
    for name in body:
        patch.check_property_name(name,
                                  read_only=patch.READ_ONLY + ('locations',))
    check_property_quota(len(body))
    if 'id' in values:
        values['id'] = values['id'].lower()
    values.setdefault('owner', ctxt.project_id)
    if values['owner'] is not None and \
            len(values['owner']) > schemas.MAX_NAME:
        raise exception.Invalid('The owner of an image is at most %d '
                                'characters.' % schemas.MAX_NAME)
    policy.check_create(ctxt, values['owner'])
    policy.check_owner_value(ctxt, values['owner'])
    policy.check_visibility(ctxt, values.get('visibility'),
                            {'owner': values['owner'],
                             'visibility': values.get('visibility')})
    values['status'] = 'queued'
    image = deps.registry.image_create(ctxt, values, properties=body,
                                       tags=tags)
    response = common.json_response(views.image(image), status=201)
    response.headers['Location'] = '/v2/images/%s' % image['id']
    methods = CONF.image_api.enabled_import_methods
    if methods:
        response.headers['OpenStack-image-import-methods'] = ','.join(
            methods)
    return response


def _bool_param(params, name):
    value = params[name].lower()
    if value not in ('true', 'false'):
        raise exception.Invalid("Invalid value '%s' for '%s' filter. Valid "
                                "values are 'true' or 'false'."
                                % (params[name], name))
    return value == 'true'


def _sorting(params):
    """(keys, dirs) from sort=k:dir,... or sort_key/sort_dir pairs."""
    keys, dirs = [], []
    if 'sort' in params:
        if 'sort_key' in params or 'sort_dir' in params:
            raise exception.Invalid('Old and new sorting syntax cannot be '
                                    'combined')
        for item in params['sort'].strip().split(','):
            key, _sep, direction = item.partition(':')
            keys.append(key.strip())
            dirs.append((direction or 'desc').strip())
    else:
        keys = [k.strip() for k in params.getall('sort_key')]
        dirs = [d.strip() for d in params.getall('sort_dir')]
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise exception.Invalid('Number of sort dirs does not match the '
                                    'number of sort keys')
    for key in keys:
        if key not in ('name', 'status', 'container_format', 'disk_format',
                       'size', 'id', 'created_at', 'updated_at'):
            raise exception.Invalid('Invalid sort key: %s.' % key)
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise exception.Invalid('Invalid sort direction: %s' % direction)
    return keys or ['created_at'], dirs or ['desc']


def _list_filters(params):
    filters = {}
    reserved = ('limit', 'marker', 'member_status', 'sort', 'sort_key',
                'sort_dir', 'tag', 'os_hidden', 'is_hidden', 'protected')
    for key, value in params.items():
        if key in reserved:
            continue
        if key == 'changes-since':
            raise exception.Invalid('The "changes-since" filter is no '
                                    'longer available on v2.')
        if key == 'visibility' and value not in LIST_VISIBILITIES:
            raise exception.Invalid('Invalid visibility value: %s' % value)
        if key in ('created_at', 'updated_at'):
            raise exception.Invalid('Filtering on %s is not supported.'
                                    % key)
        filters[key] = value
    tags = [t.strip() for t in params.getall('tag')]
    if tags:
        filters['tags'] = tags
    hidden = 'os_hidden' if 'os_hidden' in params else (
        'is_hidden' if 'is_hidden' in params else None)
    filters['os_hidden'] = _bool_param(params, hidden) if hidden else False
    if 'protected' in params:
        filters['protected'] = _bool_param(params, 'protected')
    return filters


def index(req, deps):
    ctxt = common.context(req)
    policy.check_list(ctxt)
    params = req.GET
    limit = CONF.image_api.limit_param_default
    if 'limit' in params:
        try:
            limit = int(params['limit'])
        except ValueError:
            raise exception.Invalid('limit param must be an integer')
        if limit < 0:
            raise exception.Invalid('limit param must be positive')
    limit = min(limit, CONF.image_api.api_limit_max)
    member_status = params.get('member_status', 'accepted')
    if member_status not in MEMBER_STATUSES:
        raise exception.Invalid('Invalid status: %s' % member_status)
    marker = params.get('marker')
    if marker is not None:
        if not store_base.UUID_RE.match(marker):
            raise exception.Invalid('marker [%s] not found' % marker)
        marker = marker.lower()
    sort_keys, sort_dirs = _sorting(params)
    try:
        images = deps.registry.image_get_all(
            ctxt, filters=_list_filters(params), marker=marker, limit=limit,
            sort_keys=sort_keys, sort_dirs=sort_dirs,
            member_status=member_status)
    except exception.NotFound as exc:
        raise exception.Invalid(exc.message)
    next_marker = images[-1]['id'] if images and len(images) == limit \
        else None
    return common.json_response(views.images(images, list(params.items()),
                                             next_marker))


def get_image(deps, ctxt, image_id):
    """The image if ctxt may see it; 404 otherwise.

    Services calling with their own credentials (computes fetching an
    image without a user token) see every image, as admins do.
    """
    image_id = common.check_uuid(image_id)
    reader = ctxt.elevated() if policy.is_service(ctxt) else ctxt
    try:
        image = deps.registry.image_get(reader, image_id)
    except exception.NotFound:
        raise exception.ImageNotFound(
            message='No image found with ID %s' % image_id)
    policy.check_read(ctxt, image)
    return image


def show(req, deps, image_id):
    ctxt = common.context(req)
    return common.json_response(views.image(get_image(deps, ctxt,
                                                      image_id)))


def update(req, deps, image_id):
    ctxt = common.context(req)
    content_type = req.content_type
    if content_type not in patch.MEDIA_TYPES:
        raise patch.UnsupportedMediaType(', '.join(sorted(
            patch.MEDIA_TYPES)))
    changes = patch.parse(content_type, common.json_body(req))
    image = get_image(deps, ctxt, image_id)
    policy.check_modify(ctxt, image)
    result = patch.apply(image, changes,
                         draft=patch.MEDIA_TYPES[content_type])
    kept = set(image.get('properties') or {}) - set(
        result.remove_properties or ())
    check_property_quota(len(kept | set(result.properties or {})))
    if result.tags is not None and len(result.tags) > schemas.MAX_TAGS:
        raise common.ApiError(413, 'Maximum number of tags (%d) exceeded.'
                              % schemas.MAX_TAGS)
    values = dict(result.values)
    if 'owner' in values and values['owner'] != image['owner'] and \
            not ctxt.is_admin:
        raise exception.Forbidden("Owner can't be updated by non admin.")
    if values.get('visibility') not in (None, image['visibility']):
        policy.check_visibility(ctxt, values['visibility'], image)
    locations = None
    if result.locations is not None:
        locations = _checked_locations(deps, image, result.locations,
                                       values)
    if result.tags is not None or values or result.properties or \
            result.remove_properties or locations is not None:
        expect = [image['status']] if locations is not None else None
        image = deps.registry.image_update(
            ctxt, image['id'], values=values, properties=result.properties,
            remove_properties=result.remove_properties,
            locations=locations, expect_status=expect)
        if result.tags is not None:
            image = _set_tags(deps, ctxt, image, result.tags)
    return common.json_response(views.image(image))


def _set_tags(deps, ctxt, image, tags):
    for tag in image.get('tags') or []:
        if tag not in tags:
            deps.registry.image_tag_delete(ctxt, image['id'], tag)
    for tag in tags:
        if tag not in (image.get('tags') or []):
            deps.registry.image_tag_add(ctxt, image['id'], tag)
    return deps.registry.image_get(ctxt, image['id'])


def _checked_locations(deps, image, locations, values):
    """Validate a new location list (http store URLs only, for owners).

    Adding the first location to a queued image makes it active with the
    remote size; stored data of this API's own stores cannot be named by a
    user, so file:// and swift:// URLs are refused.
    """
    if not CONF.image_api.allow_location_add:
        raise exception.Forbidden("It's not allowed to add locations.")
    if image['status'] not in ('queued', 'active'):
        raise exception.Conflict("It's not allowed to change locations if "
                                 "image status is %s." % image['status'])
    if len(locations) > schemas.MAX_LOCATIONS:
        raise common.ApiError(413, (
            'The limit has been exceeded on the number of allowed image '
            'locations. Attempted: %d, Maximum: %d'
            % (len(locations), schemas.MAX_LOCATIONS)))
    own = {loc['url'] for loc in image.get('locations') or []}
    http = deps.stores.get('http')
    checked = []
    for loc in locations:
        if len(utils.dumps(loc.get('metadata') or {}).encode('utf-8')) > \
                schemas.MAX_PROPERTY_VALUE:
            raise exception.Invalid('Location metadata is larger than %d '
                                    'bytes.' % schemas.MAX_PROPERTY_VALUE)
        url = loc.get('url')
        if url not in own:
            try:
                http.check_location(url)
            except store_base.BadLocation as exc:
                raise exception.Invalid('Invalid location: %s' % exc)
        if any(c['url'] == url for c in checked):
            raise exception.Invalid('The location %s already exists' % url)
        checked.append({'url': url, 'metadata': loc.get('metadata') or {},
                        'status': 'active'})
    if image['status'] == 'queued' and checked:
        try:
            size = http.get_size(checked[0]['url'])
        except store_base.StoreError as exc:
            raise exception.Invalid('Invalid location: %s' % exc)
        values.update(status='active', size=size)
        validation = (locations[0].get('validation_data') or {})
        for key in ('checksum', 'os_hash_algo', 'os_hash_value'):
            if key in validation:
                values[key] = validation[key]
    return checked


def delete(req, deps, image_id):
    ctxt = common.context(req)
    image = get_image(deps, ctxt, image_id)
    policy.check_modify(ctxt, image, 'delete_image')
    if image['protected']:
        raise exception.Forbidden('Image %s is protected and cannot be '
                                  'deleted.' % image['id'])
    deleted = deps.registry.image_destroy(ctxt, image['id'])
    delete_data(deps, deleted.get('locations') or [])
    return common.no_content()


def delete_data(deps, locations):
    """Remove stored data; a missing object is fine, other errors are
    logged (the image is already gone, the data is an orphan)."""
    for loc in locations:
        url = loc['url']
        try:
            deps.stores.for_location(url).delete(url)
        except store_base.StoreNotFound:
            LOG.warning('Image data at %s was already gone', url)
        except Exception:
            LOG.exception('Could not delete image data at %s', url)


def deactivate(req, deps, image_id):
    return _set_active(req, deps, image_id, 'deactivated', 'deactivate')


def reactivate(req, deps, image_id):
    return _set_active(req, deps, image_id, 'active', 'reactivate')


def _set_active(req, deps, image_id, status, action):
    ctxt = common.context(req)
    image = get_image(deps, ctxt, image_id)
    policy.check_modify(ctxt, image, action)
    if image['status'] not in ('active', 'deactivated'):
        raise exception.Forbidden("Not allowed to %s image in status '%s'"
                                  % (action, image['status']))
    if image['status'] != status:
        try:
            deps.registry.image_update(
                ctxt, image['id'], values={'status': status},
                expect_status=['active', 'deactivated'])
        except exception.Conflict as exc:
            raise exception.Forbidden(exc.message)
    return common.no_content()


def add_tag(req, deps, image_id, tag):
    ctxt = common.context(req)
    image = get_image(deps, ctxt, image_id)
    policy.check_modify(ctxt, image, 'add_tag')
    if len(tag) > 255:
        raise exception.Invalid("Provided object does not match schema "
                                "'image': tag is too long")
    tags = image.get('tags') or []
    if tag not in tags and len(tags) >= schemas.MAX_TAGS:
        raise common.ApiError(413, 'Maximum number of tags (%d) exceeded.'
                              % schemas.MAX_TAGS)
    deps.registry.image_tag_add(ctxt, image['id'], tag)
    return common.no_content()


def delete_tag(req, deps, image_id, tag):
    ctxt = common.context(req)
    image = get_image(deps, ctxt, image_id)
    policy.check_modify(ctxt, image, 'delete_tag')
    if tag not in (image.get('tags') or []):
        raise exception.NotFound('Tag %s not found' % tag)
    deps.registry.image_tag_delete(ctxt, image['id'], tag)
    return common.no_content()
