"""The compute API's route table and the WSGI app that dispatches it.

One declarative table maps a URL template and an HTTP method to a plain
handler function ``handler(req, **url_args)``. Every route also answers
with the project in the path (``/v2.1/{project_id}/servers``), as Nova's
older catalogs and scripts expect.
"""

import re

import routes
import webob.dec
import webob.exc

from nube.api import common
from nube.api import fault
from nube.api.handlers import aggregates
from nube.api.handlers import availability_zones
from nube.api.handlers import flavor_extra_specs
from nube.api.handlers import flavors
from nube.api.handlers import floating_ips
from nube.api.handlers import hypervisors
from nube.api.handlers import interfaces
from nube.api.handlers import keypairs
from nube.api.handlers import limits
from nube.api.handlers import os_networks
from nube.api.handlers import quota_class_sets
from nube.api.handlers import quota_sets
from nube.api.handlers import security_groups
from nube.api.handlers import server_actions
from nube.api.handlers import server_groups
from nube.api.handlers import server_metadata
from nube.api.handlers import servers
from nube.api.handlers import services
from nube.api.handlers import versions
from nube.api import microversion
from nube import exception
from nube.openapi import wsgi as openapi_wsgi

ROUTES = (
    ('/servers', {'GET': servers.index, 'POST': servers.create}),
    ('/servers/detail', {'GET': servers.detail}),
    ('/servers/{server_id}', {'GET': servers.show, 'PUT': servers.update,
                              'DELETE': servers.delete}),
    ('/servers/{server_id}/action', {'POST': server_actions.action}),
    ('/servers/{server_id}/metadata',
     {'GET': server_metadata.index, 'POST': server_metadata.create,
      'PUT': server_metadata.update_all}),
    ('/servers/{server_id}/metadata/{key}',
     {'GET': server_metadata.show, 'PUT': server_metadata.update,
      'DELETE': server_metadata.delete}),
    ('/servers/{server_id}/os-interface',
     {'GET': interfaces.index, 'POST': interfaces.create}),
    ('/servers/{server_id}/os-interface/{port_id}',
     {'GET': interfaces.show, 'DELETE': interfaces.delete}),
    ('/os-keypairs', {'GET': keypairs.index, 'POST': keypairs.create}),
    ('/os-keypairs/{keypair_name}', {'GET': keypairs.show,
                                     'DELETE': keypairs.delete}),
    ('/os-server-groups', {'GET': server_groups.index,
                           'POST': server_groups.create}),
    ('/os-server-groups/{server_group_id}',
     {'GET': server_groups.show, 'DELETE': server_groups.delete}),
    ('/openapi.json', {'GET': openapi_wsgi.compute_document}),
    ('/flavors', {'GET': flavors.index, 'POST': flavors.create}),
    ('/flavors/detail', {'GET': flavors.detail}),
    ('/flavors/{flavor_id}', {'GET': flavors.show,
                              'DELETE': flavors.delete}),
    ('/flavors/{flavor_id}/os-extra_specs',
     {'GET': flavor_extra_specs.index, 'POST': flavor_extra_specs.create}),
    ('/flavors/{flavor_id}/os-extra_specs/{key}',
     {'GET': flavor_extra_specs.show, 'PUT': flavor_extra_specs.update,
      'DELETE': flavor_extra_specs.delete}),
    ('/os-services', {'GET': services.index}),
    ('/os-hypervisors', {'GET': hypervisors.index}),
    ('/os-hypervisors/detail', {'GET': hypervisors.detail}),
    ('/os-hypervisors/statistics', {'GET': hypervisors.statistics}),
    ('/os-hypervisors/{hypervisor_id}', {'GET': hypervisors.show}),
    ('/os-hypervisors/{pattern}/search', {'GET': hypervisors.search}),
    ('/os-hypervisors/{pattern}/servers', {'GET': hypervisors.servers}),
    ('/os-availability-zone', {'GET': availability_zones.index}),
    ('/os-availability-zone/detail', {'GET': availability_zones.detail}),
    ('/os-aggregates', {'GET': aggregates.index, 'POST': aggregates.create}),
    ('/os-aggregates/{aggregate_id}',
     {'GET': aggregates.show, 'PUT': aggregates.update,
      'DELETE': aggregates.delete}),
    ('/os-aggregates/{aggregate_id}/action', {'POST': aggregates.action}),
    ('/limits', {'GET': limits.index}),
    ('/os-quota-sets/{tenant_id}',
     {'GET': quota_sets.show, 'PUT': quota_sets.update,
      'DELETE': quota_sets.delete}),
    ('/os-quota-sets/{tenant_id}/detail', {'GET': quota_sets.detail}),
    ('/os-quota-sets/{tenant_id}/defaults', {'GET': quota_sets.defaults}),
    ('/os-quota-class-sets/{id}', {'GET': quota_class_sets.show,
                                   'PUT': quota_class_sets.update}),
    ('/os-networks', {'GET': os_networks.index, 'POST': os_networks.create}),
    ('/os-networks/add', {'POST': os_networks.add}),
    ('/os-networks/{network_id}', {'GET': os_networks.show,
                                   'DELETE': os_networks.delete}),
    ('/os-networks/{network_id}/action', {'POST': os_networks.action}),
    ('/os-floating-ip-pools', {'GET': floating_ips.pools}),
    ('/os-floating-ips', {'GET': floating_ips.index,
                          'POST': floating_ips.create}),
    ('/os-floating-ips/{floating_ip_id}', {'GET': floating_ips.show,
                                           'DELETE': floating_ips.delete}),
    ('/os-security-groups', {'GET': security_groups.index,
                             'POST': security_groups.create}),
    ('/os-security-groups/{security_group_id}',
     {'GET': security_groups.show, 'PUT': security_groups.update,
      'DELETE': security_groups.delete}),
    ('/os-security-group-rules', {'POST': security_groups.create_rule}),
    ('/os-security-group-rules/{security_group_rule_id}',
     {'DELETE': security_groups.delete_rule}),
    ('/servers/{server_id}/os-security-groups',
     {'GET': security_groups.server_index}),
)

# /v2.1 is the microversioned API; /v2 is the legacy one, fixed at 2.1.
_PREFIX_RE = re.compile(r'^(/v2\.1|/v2)(/.*)$')


def build_mappers(route_table=ROUTES):
    """(by_method, any_method) routes.Mappers over ``route_table``.

    A match names an index into the table. ``by_method`` only matches a
    route that has the request's method; ``any_method`` tells a wrong
    method (405) from an unknown path (404). Paths without a project come
    first so that '/servers/detail' never reads as project 'servers'.
    """
    by_method = routes.Mapper()
    any_method = routes.Mapper()
    for prefix in ('', '/{project_id}'):
        for index, (path, methods) in enumerate(route_table):
            by_method.connect(prefix + path, action=str(index),
                              conditions={'method': list(methods)})
            any_method.connect(prefix + path, action=str(index))
    return by_method, any_method


class Router:
    """Microversion negotiation, routing and path-project checks."""

    def __init__(self, deps, route_table=ROUTES):
        self.deps = deps
        self.route_table = route_table
        self.by_method, self.any_method = build_mappers(route_table)

    @webob.dec.wsgify(RequestClass=common.APIRequest)
    def __call__(self, req):
        match = _PREFIX_RE.match(req.path_info)
        if not match:
            return _not_found()
        prefix, path = match.groups()
        req.environ[common.ENV_PREFIX] = prefix
        req.environ[common.ENV_DEPS] = self.deps
        versioned = prefix != common.LEGACY_V2_PREFIX
        if versioned:
            try:
                version = microversion.from_headers(req.headers)
            except microversion.InvalidVersionString as exc:
                return fault.error_response(400, str(exc))
            except microversion.UnsupportedVersion as exc:
                return fault.error_response(406, str(exc))
        else:
            version = microversion.MIN_VERSION
        req.environ[common.ENV_VERSION] = version
        response = self._dispatch(req, path)
        if versioned:
            microversion.add_headers(response, version)
        return response

    def _dispatch(self, req, path):
        try:
            return self._call_handler(req, path)
        except (webob.exc.HTTPException, exception.NubeException) as exc:
            return fault.from_exception(exc)

    def _call_handler(self, req, path):
        if req.method == 'GET' and path.strip('/') and \
                path.strip('/') == req.context.project_id:
            # Catalogs with /v2.1/{project_id} discover the version here.
            return versions.version_document(
                req, 'v2.0' if req.is_legacy_v2 else 'v2.1')
        args = self.by_method.match(
            path, environ={'REQUEST_METHOD': req.method})
        if args is None:
            args = self.any_method.match(path)
            if args is None:
                return _not_found()
            _path, methods = self.route_table[int(args['action'])]
            raise webob.exc.HTTPMethodNotAllowed(
                explanation='The method %s is not allowed for this '
                            'resource.' % req.method,
                headers={'Allow': ', '.join(sorted(methods))})
        _path, methods = self.route_table[int(args.pop('action'))]
        handler = methods[req.method]
        project_id = args.pop('project_id', None)
        if project_id is not None:
            context_project = req.context.project_id
            if project_id != context_project:
                raise webob.exc.HTTPBadRequest(
                    explanation="Malformed request URL: URL's project_id "
                                "'%s' doesn't match Context's project_id "
                                "'%s'" % (project_id, context_project))
            req.environ[common.ENV_URL_PROJECT] = project_id
        return handler(req, **args)


def _not_found():
    return fault.error_response(404, 'The resource could not be found.')
