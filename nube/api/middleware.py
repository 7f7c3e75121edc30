"""Middleware the WSGI APIs share, each rendering errors in its own shape.

Every response names the request it answers (``RequestIdMiddleware``);
exceptions become the API's error responses, never a traceback
(``ErrorMiddleware``); oversized bodies are refused with 413
(``BodySizeLimit``); ``compile_routes`` turns a route table into regexes.
"""

import re

from oslo_context import context as o_context
import webob.dec

from nube import safe_input
from nube import wsgi

ENV_REQUEST_ID = 'openstack.request_id'
ENV_GLOBAL_REQUEST_ID = 'openstack.global_request_id'
HEADERS = ('x-openstack-request-id', 'x-compute-request-id')
_REQUEST_ID_RE = re.compile(
    r'^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


class RequestIdMiddleware:
    """Give each request a ``req-<uuid>`` and put it on the response.

    Tempest reads ``x-compute-request-id``, other clients
    ``x-openstack-request-id``: both carry the same value. An incoming
    ``X-OpenStack-Request-ID`` of the right shape becomes the global
    request id (the one that ties services together in logs).
    """

    def __init__(self, application, headers=None):
        self.application = application
        self.headers = HEADERS if headers is None else tuple(headers)

    @webob.dec.wsgify
    def __call__(self, req):
        request_id = o_context.generate_request_id()
        req.environ[ENV_REQUEST_ID] = request_id
        incoming = req.headers.get('X-OpenStack-Request-ID')
        if incoming and _REQUEST_ID_RE.match(incoming):
            req.environ[ENV_GLOBAL_REQUEST_ID] = incoming
        response = req.get_response(self.application)
        for header in self.headers:
            response.headers[header] = request_id
        return response


class ErrorMiddleware:
    """Exceptions escaping ``application`` -> the API's error responses.

    It first refuses a path or query string that is not UTF-8
    (``safe_input.InvalidInput``, rendered like any other exception), so
    nothing behind it, nor its own logging, meets undecodable input.
    ``render(exc)`` is the response for an exception the API knows, in
    its own error shape, or None: such an unexpected error is logged on
    ``log`` (the API's logger) with its traceback, and answered with
    ``internal_error()``, a 500 that tells nothing of it.
    """

    def __init__(self, application, render, internal_error, log):
        self.application = application
        self.render = render
        self.internal_error = internal_error
        self.log = log

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            safe_input.check_environ(req.environ)
            return req.get_response(self.application)
        except Exception as exc:
            response = self.render(exc)
            if response is not None:
                return response
            self.log.exception('Unexpected error serving %s %s', req.method,
                               safe_input.printable_path(req.environ))
            return self.internal_error()


class BodySizeLimit(wsgi.BodySizeLimit):
    """``wsgi.BodySizeLimit`` (``max_size`` bytes, or a callable read per
    request) with the 413 in the API's shape, ``render(code, message)``.
    A path ``exempt`` (a compiled regex) matches is not limited."""

    def __init__(self, application, max_size, render, exempt=None):
        super().__init__(application, max_size, error_response=render)
        self.exempt = exempt

    def __call__(self, environ, start_response):
        if self.exempt is not None and \
                self.exempt.match(environ.get('PATH_INFO', '')):
            return self.application(environ, start_response)
        return super().__call__(environ, start_response)


def compile_routes(table):
    """[(regex, methods)] from ``(template, methods)``: '/a/{name}/b'
    templates, matching exact paths only (no '/' within a name)."""
    compiled = []
    for template, methods in table:
        pattern = re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', template)
        compiled.append((re.compile('^%s$' % pattern), methods))
    return compiled
