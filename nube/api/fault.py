"""Nova-shaped error bodies, and the middleware that never leaks a traceback.

Every error leaves the API as ``{"<faultName>": {"code": N, "message": M}}``
with the name Nova uses for that status (computeFault for the rest).
"""

from oslo_db import exception as db_exc
from oslo_log import log as logging
from oslo_serialization import jsonutils
import sqlalchemy.exc
import webob
import webob.dec
import webob.exc

from nube import exception
from nube.db import errors as db_errors
from nube import safe_input

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


def error_body(code, message):
    """The server's own errors (nube.wsgi.Server) in the same shape."""
    return 'application/json', jsonutils.dump_as_bytes(
        fault_body(code, message))


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


# A value the database cannot store (out of range, not encodable): the
# request's fault (400). The API validates before this can happen; these
# keep one that slips through from being a 500.
_UNSTORABLE = (db_exc.DBDataError, db_exc.DBInvalidUnicodeParameter,
               sqlalchemy.exc.DataError)


def database_error_response(exc):
    """Response for a database error, or None when it is not one we map.

    The message never names the exception (its class or its SQL).
    """
    # The database is unreachable or overloaded: try again later.
    if isinstance(exc, db_errors.UNAVAILABLE_ERRORS):
        LOG.warning('Database unavailable: %s', type(exc).__name__)
        return error_response(
            503, 'The service is temporarily unavailable (its database '
                 'cannot be reached). Please retry later.',
            db_errors.retry_headers(503))
    if isinstance(exc, _UNSTORABLE):
        LOG.warning('Database refused a value: %s', exc)
        return error_response(
            400, 'Invalid input: a value is out of range or cannot be '
                 'stored.')
    return None


def unexpected_error_response(exc):
    return error_response(
        500, 'Unexpected API Error. Please report this to the operators of '
             'this cloud and attach the nube-api log if possible.\n%s'
             % type(exc))


class FaultWrapper:
    """Turns exceptions escaping the stack into Nova fault responses.

    It first refuses a path or query string that is not UTF-8 (400), so
    nothing behind it (nor its own logging) meets undecodable input.
    """

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            safe_input.check_environ(req.environ)
        except safe_input.InvalidInput as exc:
            LOG.info('Refused %s %s: %s', req.method,
                     safe_input.printable_path(req.environ), exc.message)
            return error_response(exc.code, exc.message)
        try:
            return req.get_response(self.application)
        except (webob.exc.HTTPException, exception.NubeException) as exc:
            return from_exception(exc)
        except safe_input.InvalidInput as exc:
            return error_response(exc.code, exc.message)
        except Exception as exc:
            response = database_error_response(exc)
            if response is not None:
                return response
            LOG.exception('Unexpected error serving %s %s', req.method,
                          safe_input.printable_path(req.environ))
            return unexpected_error_response(exc)
