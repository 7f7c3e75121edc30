"""Serving the documents: ``GET .../openapi.json``.

``document_app(api_name)`` is a plain WSGI application answering the
document (200, application/json) to GET and HEAD, 405 otherwise. The
three ``*_document`` functions are handlers in each router's calling
convention, for one line in its ROUTES table (doc/openapi.md):

    nube/api/router.py:
        ('/openapi.json', {'GET': openapi_wsgi.compute_document}),
    nube/image/api/app.py:
        ('/v2/openapi.json', {'GET': openapi_wsgi.image_document}),
    nube/identity/app.py:
        ('/v3/openapi.json', {'GET': openapi_wsgi.identity_document}),

The compute one describes the request's negotiated microversion. The
documents are built once per process (and microversion).
"""

import functools
import json

import webob
import webob.dec

from nube import openapi


@functools.lru_cache(maxsize=None)
def document_bytes(api_name, microversion=None):
    """The document as JSON bytes (cached: the route tables are fixed)."""
    doc = openapi.build(api_name, microversion=microversion)
    return json.dumps(doc, sort_keys=True).encode('utf-8')


def document_response(api_name, microversion=None):
    response = webob.Response(status=200, content_type='application/json',
                              charset=None)
    response.body = document_bytes(api_name, microversion)
    return response


def document_app(api_name, microversion=None):
    """A WSGI application that serves ``api_name``'s document."""
    document_bytes(api_name, microversion)   # fail now on a bad name

    @webob.dec.wsgify
    def app(req):
        if req.method not in ('GET', 'HEAD'):
            response = webob.Response(status=405, content_type=None)
            response.headers['Allow'] = 'GET, HEAD'
            return response
        return document_response(api_name, microversion)
    return app


def compute_document(req):
    """The compute API's document at the request's microversion."""
    version = req.api_version
    return document_response('compute', '%d.%d' % (version.major,
                                                   version.minor))


def image_document(req, deps):
    """The image API's document."""
    return document_response('image')


def identity_document(deps, req, caller):
    """The identity API's document."""
    return document_response('identity')
