"""Flavor bodies as Nova shows them below 2.55 (no description)."""

from nube.api import common


def basic(req, flavor):
    return {'id': flavor['flavorid'], 'name': flavor['name'],
            'links': common.links(req, 'flavors', flavor['flavorid'])}


def show(req, flavor):
    return {
        'id': flavor['flavorid'],
        'name': flavor['name'],
        'ram': flavor['memory_mb'],
        'disk': flavor['root_gb'],
        'vcpus': flavor['vcpus'],
        # Nova's historical quirk, kept until 2.75: no swap is "".
        'swap': flavor.get('swap') or '',
        'OS-FLV-EXT-DATA:ephemeral': flavor.get('ephemeral_gb') or 0,
        'OS-FLV-DISABLED:disabled': bool(flavor.get('disabled')),
        'os-flavor-access:is_public': bool(flavor.get('is_public', True)),
        'rxtx_factor': flavor.get('rxtx_factor') or '',
        'links': common.links(req, 'flavors', flavor['flavorid']),
    }


def index(req, flavors, limit):
    body = {'flavors': [basic(req, f) for f in flavors]}
    links = common.collection_links(req, flavors, 'flavors', 'flavorid',
                                    limit)
    if links:
        body['flavors_links'] = links
    return body


def detail(req, flavors, limit):
    body = {'flavors': [show(req, f) for f in flavors]}
    links = common.collection_links(req, flavors, 'flavors/detail',
                                    'flavorid', limit)
    if links:
        body['flavors_links'] = links
    return body
