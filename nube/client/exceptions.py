"""Typed errors of the nube client library.

HTTP errors are built from the server's body: Nova's
``{"itemNotFound": {"code": 404, "message": "..."}}``, Keystone's
``{"error": {"code", "title", "message"}}`` and Glance's
``{"message", "code", "title"}`` (or a plain text/HTML page). Each
carries the message, the HTTP status and ``x-openstack-request-id``, so a
script can report exactly what the cloud said.
"""

import json
import re


class ClientException(Exception):
    """Base of every error the library raises."""
    http_status = None

    def __init__(self, message, http_status=None, request_id=None,
                 details=None):
        self.message = message
        if http_status is not None:
            self.http_status = http_status
        self.request_id = request_id
        self.details = details
        super().__init__(message)

    def __str__(self):
        text = self.message or self.__class__.__name__
        if self.http_status is not None:
            text = '%s (HTTP %s)' % (text, self.http_status)
        if self.request_id:
            text = '%s (Request-ID: %s)' % (text, self.request_id)
        return text


class HttpError(ClientException):
    """The server answered with an error status."""


class BadRequest(HttpError):
    http_status = 400


class Unauthorized(HttpError):
    http_status = 401


class Forbidden(HttpError):
    http_status = 403


class NotFound(HttpError):
    http_status = 404


class MethodNotAllowed(HttpError):
    http_status = 405


class NotAcceptable(HttpError):
    """406: e.g. a compute microversion the server does not support."""
    http_status = 406


class Conflict(HttpError):
    http_status = 409


class Gone(HttpError):
    http_status = 410


class RequestEntityTooLarge(HttpError):
    http_status = 413


OverLimit = RequestEntityTooLarge


class UnsupportedMediaType(HttpError):
    http_status = 415


class TooManyRequests(HttpError):
    http_status = 429


class ServerError(HttpError):
    """Any 5xx."""
    http_status = 500


class NotImplementedByServer(ServerError):
    http_status = 501


class ServiceUnavailable(ServerError):
    http_status = 503


class NotFoundByName(NotFound):
    """No resource has that id or name."""


class NoUniqueMatch(ClientException):
    """More than one resource has that name: use the id."""


class Timeout(ClientException):
    """A wait helper gave up before the resource got where it should."""


class ResourceInErrorState(ClientException):
    """A waited-for resource went to a failure status (e.g. ERROR)."""


class ChecksumMismatch(ClientException):
    """Downloaded data does not hash to what the image record says."""


class ConnectionFailed(ClientException):
    """No connection to the endpoint (after the configured retries)."""


class EndpointNotFound(ClientException):
    """The catalog has no endpoint of that service type/region/interface."""


class ConfigError(ClientException):
    """clouds.yaml or the OS_* variables do not describe a usable cloud."""


_BY_STATUS = {cls.http_status: cls for cls in (
    BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed,
    NotAcceptable, Conflict, Gone, RequestEntityTooLarge,
    UnsupportedMediaType, TooManyRequests, NotImplementedByServer,
    ServiceUnavailable)}

_TAGS = re.compile(r'<[^>]+>')


def _message_from_body(body):
    """(message, details) from a decoded JSON error body of any service."""
    if not isinstance(body, dict):
        return None, None
    if 'message' in body and not isinstance(body['message'], dict):
        # Glance / webob: {"message": ..., "code": "404 Not Found", ...}
        return _clean(body['message']), body.get('details') or body.get(
            'title')
    if len(body) == 1:
        # Nova {"itemNotFound": {...}} and Keystone {"error": {...}}.
        inner = next(iter(body.values()))
        if isinstance(inner, dict) and 'message' in inner:
            return _clean(inner['message']), inner.get(
                'details') or inner.get('title')
    return None, None


def _clean(text):
    """webob's error text wraps the message in <br /> and blank lines."""
    text = _TAGS.sub(' ', str(text))
    return ' '.join(text.split())


def from_response(response, method=None, url=None):
    """The typed exception for an error ``requests.Response``."""
    status = response.status_code
    request_id = (response.headers.get('x-openstack-request-id') or
                  response.headers.get('x-compute-request-id'))
    message = details = None
    content_type = response.headers.get('Content-Type', '')
    if 'json' in content_type or response.text.lstrip()[:1] == '{':
        try:
            message, details = _message_from_body(response.json())
        except (ValueError, json.JSONDecodeError):
            pass
    if message is None:
        text = _clean(response.text or '')[:500]
        message = text or response.reason or 'HTTP %s' % status
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else HttpError
    exc = cls(message, http_status=status, request_id=request_id,
              details=details)
    exc.response = response
    exc.method = method
    exc.url = url
    return exc
