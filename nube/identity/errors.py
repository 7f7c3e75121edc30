"""Keystone's error bodies, and the middleware that never leaks a traceback.

Every error leaves the service as
``{"error": {"code": N, "title": "<HTTP reason>", "message": "..."}}``;
401s also say where to authenticate (``WWW-Authenticate: Keystone uri=``),
503s (the database unreachable) when to try again (``Retry-After``). A
path or query string that is not UTF-8 is 400 before anything reads it.
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils
import webob
import webob.dec
import webob.exc

from nube.db import errors as db_errors
from nube import exception
from nube import safe_input

LOG = logging.getLogger(__name__)

TITLES = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    411: 'Length Required',
    414: 'Request-URI Too Long',
    413: 'Request Entity Too Large',
    415: 'Unsupported Media Type',
    500: 'Internal Server Error',
    501: 'Not Implemented',
    503: 'Service Unavailable',
}

AUTH_REQUIRED = 'The request you have made requires authentication.'


class IdentityError(Exception):
    code = 500
    message = ('An unexpected error prevented the server from fulfilling '
               'your request.')

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(self.message)


class ValidationError(IdentityError):
    code = 400
    message = 'The request body is not valid.'


class Unauthorized(IdentityError):
    code = 401
    message = AUTH_REQUIRED


class Forbidden(IdentityError):
    code = 403

    def __init__(self, action=None, message=None):
        if message is None:
            message = ('You are not authorized to perform the requested '
                       'action: %s.' % (action or 'this action'))
        super().__init__(message)


class NotFound(IdentityError):
    code = 404
    message = 'The resource could not be found.'


class TokenNotFound(NotFound):
    def __init__(self, token_id=None):
        super().__init__('Could not find token: %s.' % (token_id or ''))


class MethodNotAllowed(IdentityError):
    code = 405
    message = 'The method is not allowed for the requested URL.'


class Conflict(IdentityError):
    code = 409


def error_response(code, message, auth_uri=None, headers=None):
    response = webob.Response(status=code, content_type='application/json',
                              charset=None)
    response.body = jsonutils.dump_as_bytes({'error': {
        'code': code, 'title': TITLES.get(code, 'Error'),
        'message': message}})
    if code == 401 and auth_uri:
        response.headers['WWW-Authenticate'] = 'Keystone uri="%s"' % auth_uri
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_body(code, message):
    """(content type, body) of an error the WSGI server itself answers
    (nube.wsgi.Server's ``error_body``): the same shape."""
    return 'application/json', jsonutils.dump_as_bytes({'error': {
        'code': code, 'title': TITLES.get(code, 'Error'),
        'message': message}})


def from_exception(exc, auth_uri=None):
    if isinstance(exc, IdentityError):
        return error_response(exc.code, exc.message, auth_uri)
    if isinstance(exc, safe_input.InvalidInput):
        return error_response(400, exc.message)
    if isinstance(exc, webob.exc.HTTPException):
        headers = {'Allow': exc.headers['Allow']} \
            if 'Allow' in exc.headers else None
        return error_response(exc.code, exc.detail or exc.explanation
                              or exc.title, auth_uri, headers)
    if isinstance(exc, exception.NubeException):
        code = int(exc.code or 500)
        if code < 400 or code >= 600:
            code = 500
        if code >= 500:
            LOG.error('Identity request failed: %s', exc.message)
            return error_response(code, IdentityError.message,
                                  headers=db_errors.retry_headers(code))
        return error_response(code, exc.message, auth_uri)
    known = db_errors.classify(exc)
    if known is not None:
        return error_response(known[0], known[1],
                              headers=db_errors.retry_headers(known[0]))
    raise TypeError('not an expected exception: %r' % exc)


class FaultWrapper:
    """Turns exceptions escaping the stack into Keystone error bodies."""

    def __init__(self, application, auth_uri):
        self.application = application
        self.auth_uri = auth_uri

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            # Nothing below may meet a path or query it cannot decode.
            safe_input.check_environ(req.environ)
            return req.get_response(self.application)
        except safe_input.InvalidInput as exc:
            return from_exception(exc)
        except (IdentityError, webob.exc.HTTPException,
                exception.NubeException) as exc:
            return from_exception(exc, self.auth_uri(req))
        except Exception as exc:
            known = db_errors.classify(exc)
            if known is not None:
                # The database unreachable (503), or a value it cannot
                # hold (400): the client learns which, not the class.
                LOG.error('Identity request %s %s: database error: %s',
                          req.method, safe_input.printable_path(req.environ),
                          exc)
                return from_exception(exc)
            LOG.exception('Unexpected error serving %s %s', req.method,
                          safe_input.printable_path(req.environ))
            return error_response(500, IdentityError.message)
