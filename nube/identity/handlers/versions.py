"""Version discovery: ``GET /`` (300, every version) and ``GET /v3``."""

from nube.identity import common

VERSION_ID = 'v3.14'
UPDATED = '2020-04-07T00:00:00Z'
MEDIA_TYPES = [{'base': 'application/json',
                'type': 'application/vnd.openstack.identity-v3+json'}]


def version_entry(req):
    return {
        'id': VERSION_ID,
        'status': 'stable',
        'updated': UPDATED,
        'links': [{'rel': 'self', 'href': common.base_url(req) + '/v3/'}],
        'media-types': MEDIA_TYPES,
    }


def versions(deps, req, caller):
    return common.json_response(
        {'versions': {'values': [version_entry(req)]}}, status=300,
        headers={'Location': common.base_url(req) + '/v3/'})


def version(deps, req, caller):
    return common.json_response({'version': version_entry(req)})
