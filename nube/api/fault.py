"""Nova-shaped error bodies, and the middleware that never leaks a traceback.

Every error leaves the API as ``{"<faultName>": {"code": N, "message": M}}``
with the name Nova uses for that status (computeFault for the rest).
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils
import webob
import webob.dec
import webob.exc

from nube import exception

LOG = logging.getLogger(__name__)

FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}

# Headers of a webob HTTP exception that carry meaning for the client.
_KEPT_HEADERS = ('Allow', 'Retry-After', 'WWW-Authenticate', 'Location')


def fault_body(code, message):
    return {FAULT_NAMES.get(code, 'computeFault'): {'code': code,
                                                    'message': message}}


def error_response(code, message, headers=None):
    """A JSON error response in Nova's shape."""
    response = webob.Response(status=code, content_type='application/json',
                              charset=None)
    response.body = jsonutils.dump_as_bytes(fault_body(code, message))
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _http_exception_message(exc):
    return exc.detail or exc.explanation or exc.title


def from_exception(exc):
    """Response for an exception the API expects to meet."""
    if isinstance(exc, webob.exc.HTTPException):
        headers = {name: exc.headers[name] for name in _KEPT_HEADERS
                   if name in exc.headers}
        return error_response(exc.code, _http_exception_message(exc),
                              headers)
    if isinstance(exc, exception.NubeException):
        code = exc.code if 400 <= int(exc.code or 500) < 600 else 500
        if code >= 500:
            LOG.error('API request failed: %s', exc.message)
        return error_response(code, exc.message)
    raise TypeError('not an expected exception: %r' % exc)


def unexpected_error_response(exc):
    return error_response(
        500, 'Unexpected API Error. Please report this to the operators of '
             'this cloud and attach the nube-api log if possible.\n%s'
             % type(exc))


class FaultWrapper:
    """Turns exceptions escaping the stack into Nova fault responses."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            return req.get_response(self.application)
        except (webob.exc.HTTPException, exception.NubeException) as exc:
            return from_exception(exc)
        except Exception as exc:
            LOG.exception('Unexpected error serving %s %s',
                          req.method, req.path)
            return unexpected_error_response(exc)
