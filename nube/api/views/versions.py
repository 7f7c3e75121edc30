"""Version documents: what clients read to discover the microversion range.
"""

from nube.api import microversion

_MEDIA_TYPE = 'application/vnd.openstack.compute+json;version=%s'

VERSIONS = {
    'v2.0': {'id': 'v2.0', 'status': 'SUPPORTED', 'version': '',
             'min_version': '', 'updated': '2011-01-21T11:33:21Z',
             'path': '/v2/', 'media': '2'},
    'v2.1': {'id': 'v2.1', 'status': 'CURRENT',
             'version': microversion.MAX_VERSION_STRING,
             'min_version': microversion.MIN_VERSION_STRING,
             'updated': '2013-07-23T11:33:21Z',
             'path': '/v2.1/', 'media': '2.1'},
}


def _entry(version_id):
    info = VERSIONS[version_id]
    return {key: info[key]
            for key in ('id', 'status', 'version', 'min_version', 'updated')}


def version_list(base_url):
    """GET /: v2.0 first, then v2.1 (Tempest checks the order)."""
    versions = []
    for version_id in ('v2.0', 'v2.1'):
        entry = _entry(version_id)
        entry['links'] = [{'rel': 'self', 'href': base_url +
                           VERSIONS[version_id]['path']}]
        versions.append(entry)
    return {'versions': versions}


def version_document(base_url, version_id):
    """GET /v2.1 (or /v2): one version with links and media types."""
    info = VERSIONS[version_id]
    entry = _entry(version_id)
    entry['links'] = [
        {'rel': 'self', 'href': base_url + info['path']},
        {'rel': 'describedby', 'type': 'text/html',
         'href': 'http://docs.openstack.org/'},
    ]
    entry['media-types'] = [{'base': 'application/json',
                             'type': _MEDIA_TYPE % info['media']}]
    return {'version': entry}
