"""Image data: PUT/GET /v2/images/{id}/file, and the glance-direct import
(PUT .../stage then POST .../import).

Uploads stream from ``wsgi.input`` in [image_store] chunk_size pieces into
the default store while md5 and sha512 are computed; nothing holds the
body. The image is claimed with a compare-and-swap (queued -> saving);
any failure puts it back to queued and the store removes what it wrote.
"""

from oslo_log import log as logging
import webob

from nube import exception
import nube.conf
from nube.image.api import common
from nube.image.api import images
from nube.image.api import policy
from nube.image.api import schemas
from nube.image.stores import base as store_base
from nube.image.stores import streaming

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

_DATA_TYPES = ('application/octet-stream', '')


def _size_hint(req):
    """The body's declared size: Content-Length, or glanceclient's
    x-openstack-image-size for a chunked body."""
    if 'chunked' in req.headers.get('Transfer-Encoding', '').lower():
        value = req.headers.get('x-openstack-image-size')
        try:
            return int(value) if value else None
        except ValueError:
            raise exception.Invalid('x-openstack-image-size must be an '
                                    'integer')
    return req.content_length


def _receive(req, deps, image_id, claimed_status, final_status):
    """Stream the request body into the default store for a claimed
    image; returns the updated image. Shared by upload and stage."""
    ctxt = common.context(req)
    if req.content_type not in _DATA_TYPES:
        raise common.ApiError(415, 'Unsupported Content-Type: %s'
                              % req.content_type)
    image = images.get_image(deps, ctxt, image_id)
    policy.check_modify(ctxt, image, 'upload_image')
    cap = CONF.image_store.image_size_cap
    chunked = 'chunked' in req.headers.get('Transfer-Encoding', '').lower()
    length = None if chunked else req.content_length
    size_hint = _size_hint(req)
    if size_hint is not None and size_hint > cap:
        raise streaming.ImageSizeExceeded(cap=cap)
    if image['status'] != 'queued':
        raise exception.Conflict('Image status transition from %s to %s is '
                                 'not allowed' % (image['status'],
                                                  claimed_status))
    image_id = image['id']
    deps.registry.image_update(ctxt, image_id,
                               values={'status': claimed_status},
                               expect_status='queued')
    store = deps.stores.default()
    chunk_size = CONF.image_store.chunk_size
    expected = None if chunked else (length or 0)
    chunks = streaming.read_chunks(req.environ['wsgi.input'], chunk_size,
                                   expected_size=expected)
    try:
        # Only an exact size is a hint a store may rely on.
        result = store.add(image_id, streaming.limited(chunks, cap),
                           expected)
    except BaseException as exc:
        _release(deps, ctxt, image_id, claimed_status)
        if isinstance(exc, store_base.StoreDuplicate):
            raise exception.Conflict(str(exc))
        if isinstance(exc, store_base.StoreError):
            LOG.error('Upload of image %s failed in the %s store: %s',
                      image_id, store.name, exc)
            raise common.ApiError(503, 'Error storing image data: %s'
                                  % exc)
        if isinstance(exc, exception.NubeException):
            LOG.info('Upload of image %s failed: %s', image_id, exc)
        raise
    location = {'url': result.location, 'metadata': result.metadata,
                'status': 'active'}
    values = {'status': final_status, 'size': result.size,
              'checksum': result.checksum,
              'os_hash_algo': result.os_hash_algo,
              'os_hash_value': result.os_hash_value}
    try:
        return deps.registry.image_update(
            ctxt, image_id, values=values, locations=[location],
            expect_status=claimed_status)
    except (exception.NotFound, exception.Conflict):
        # Deleted (or changed) while the data streamed in: drop the data.
        images.delete_data(deps, [location])
        raise common.ApiError(410, (
            'Image %s could not be found after upload. The image may have '
            'been deleted during the upload.' % image_id))


def _release(deps, ctxt, image_id, claimed_status):
    """Back to queued after a failed upload (if still ours)."""
    try:
        deps.registry.image_update(ctxt, image_id,
                                   values={'status': 'queued'},
                                   expect_status=claimed_status)
    except (exception.NotFound, exception.Conflict):
        pass
    except Exception:
        LOG.exception('Could not put image %s back to queued', image_id)


def upload(req, deps, image_id):
    _receive(req, deps, image_id, 'saving', 'active')
    return common.no_content()


def stage(req, deps, image_id):
    if 'glance-direct' not in CONF.image_api.enabled_import_methods:
        raise exception.NotFound('The glance-direct import method is not '
                                 'enabled.')
    _receive(req, deps, image_id, 'uploading', 'uploading')
    return common.no_content()


def import_image(req, deps, image_id):
    ctxt = common.context(req)
    body = common.json_body(req)
    schemas.validate(schemas.IMPORT, body)
    method = body['method']['name']
    if method not in CONF.image_api.enabled_import_methods:
        raise exception.Invalid("Unknown import method name '%s'." % method)
    image = images.get_image(deps, ctxt, image_id)
    policy.check_modify(ctxt, image, 'import_image')
    if image['status'] != 'uploading':
        raise exception.Conflict("Image needs to be staged before "
                                 "'glance-direct' method can be used")
    for key in ('container_format', 'disk_format'):
        if not image.get(key):
            raise exception.Conflict("'%s' needs to be set before import"
                                     % key)
    deps.registry.image_update(ctxt, image['id'],
                               values={'status': 'active'},
                               expect_status='uploading')
    return webob.Response(status=202, content_type=None)


def import_info(req, deps):
    return common.json_response({'import-methods': {
        'description': 'Import methods available.', 'type': 'array',
        'value': list(CONF.image_api.enabled_import_methods)}})


def download(req, deps, image_id):
    ctxt = common.context(req)
    image = images.get_image(deps, ctxt, image_id)
    policy.check_download(ctxt, image)
    locations = [loc for loc in image.get('locations') or []
                 if loc.get('status', 'active') == 'active']
    if image['status'] not in ('active', 'deactivated') or not locations:
        return common.no_content()
    body = size = None
    for loc in locations:
        try:
            body, size = deps.stores.for_location(loc['url']).get(loc['url'])
            break
        except store_base.StoreNotFound:
            LOG.warning('Image %s: no data at %s', image['id'], loc['url'])
        except store_base.StoreError as exc:
            LOG.error('Image %s: store failed for %s: %s', image['id'],
                      loc['url'], exc)
    if body is None:
        raise exception.NotFound('Image data for %s not found' % image['id'])
    response = webob.Response(status=200, app_iter=body, charset=None,
                              content_type='application/octet-stream')
    if size is None:
        size = image.get('size')
    if size is not None:
        response.content_length = size
    if image.get('checksum'):
        response.headers['Content-MD5'] = image['checksum']
    return response
