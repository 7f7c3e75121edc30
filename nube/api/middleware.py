"""Outermost middleware: every response names the request it answers."""

import re

from oslo_context import context as o_context
import webob.dec

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
