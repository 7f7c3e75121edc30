"""GET /, /v2 and /v2.1: version discovery, served without authentication.
"""

import webob.dec

from nube.api import common
from nube.api import fault
from nube.api import microversion
from nube.api.views import versions as versions_view

_DOCUMENTS = {
    '': None, '/': None,
    '/v2': 'v2.0', '/v2/': 'v2.0',
    '/v2.1': 'v2.1', '/v2.1/': 'v2.1',
}


def version_list(req):
    # Nova answers GET / with 200 (Tempest's list_versions expects it).
    return common.json_response(
        versions_view.version_list(common.base_url(req)))


def version_document(req, version_id):
    response = common.json_response(
        versions_view.version_document(common.base_url(req), version_id))
    if version_id == 'v2.1':
        try:
            version = microversion.from_headers(req.headers)
        except microversion.InvalidVersionString as exc:
            return fault.error_response(400, str(exc))
        except microversion.UnsupportedVersion as exc:
            return fault.error_response(406, str(exc))
        microversion.add_headers(response, version)
    return response


class VersionDocuments:
    """Answers the version documents; passes everything else inward."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        if req.method not in ('GET', 'HEAD') or \
                req.path_info not in _DOCUMENTS:
            return req.get_response(self.application)
        version_id = _DOCUMENTS[req.path_info]
        if version_id is None:
            return version_list(req)
        return version_document(req, version_id)
