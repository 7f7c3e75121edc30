"""OpenAPI 3.1 descriptions of nube's APIs, generated from their route
tables and request schemas (doc/openapi.md).

    from nube import openapi
    doc = openapi.build('compute')             # a dict, newest microversion
    doc = openapi.build('compute', microversion='2.19')
    doc = openapi.build('image')
    doc = openapi.build('identity')

``python -m nube.openapi --api compute -o compute.json`` (or the
``nube-openapi`` console script) writes one; ``nube.openapi.wsgi`` serves
them.
"""

import importlib

APIS = ('compute', 'image', 'identity')


def build(api_name, microversion=None):
    """The OpenAPI document (a dict) of ``api_name`` (one of APIS).

    ``microversion`` ('2.X') only applies to the compute API.
    """
    if api_name not in APIS:
        raise ValueError('unknown API %r (one of %s)'
                         % (api_name, ', '.join(APIS)))
    module = importlib.import_module('nube.openapi.%s' % api_name)
    if api_name == 'compute':
        return module.build(version=microversion)
    if microversion:
        raise ValueError('only the compute API has microversions')
    return module.build()
