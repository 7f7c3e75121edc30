"""Helpers every image API handler uses."""


from nube.api import auth
from nube.api import common as api_common
from nube import exception
from nube import safe_input
import nube.conf
from nube.image.stores import base as store_base

CONF = nube.conf.CONF


def context(req):
    return req.environ[auth.ENV_CONTEXT]


# The compute API's: the same JSON responses in every API.
json_response = api_common.json_response


def no_content():
    """204 with no body and no Content-Type (clients check)."""
    return api_common.empty_response(204)


def check_uuid(value, what='image'):
    """Ids in paths are UUIDs; anything else names nothing (404), as
    ``GET /v2/images/NAME`` must 404 for clients looking up by name."""
    if not store_base.UUID_RE.match(value or ''):
        if what == 'image':
            raise exception.ImageNotFound(
                message='No image found with ID %s' % value)
        raise exception.NotFound('%s %s not found' % (what, value))
    return value.lower()


def json_body(req, required=True):
    """The decoded JSON body, read with a size limit (413 past it).

    Parsed by nube.safe_input: too deep, non-finite or not UTF-8 (lone
    surrogates included) is 400.
    """
    limit = CONF.image_api.max_request_body_size
    if req.content_length is not None and req.content_length > limit:
        raise RequestTooLarge()
    data = req.body_file.read(limit + 1) if (
        req.content_length or req.is_body_readable) else b''
    if len(data) > limit:
        raise RequestTooLarge()
    if not data:
        if required:
            raise exception.Invalid('Body expected in request.')
        return None
    try:
        return safe_input.loads(data)
    except safe_input.InvalidInput as exc:
        raise exception.Invalid(exc.message)


class RequestTooLarge(exception.NubeException):
    code = 413
    msg_fmt = 'Request is too large.'


class ApiError(exception.NubeException):
    """An error with a given HTTP status (415, 410, 503...)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
