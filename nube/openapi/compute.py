"""The compute API's OpenAPI document, from nube.api.router.ROUTES.

Request bodies are the schemas the handlers validate with, at one
microversion (the newest by default): most handlers pick theirs in code
(``schema.create(req.api_version, ...)``), so ``BODIES`` below says which
schema function each handler calls. ``POST /servers/{id}/action`` takes
one of the actions in ``ACTION_BODIES``. The tests check that both maps
cover what the handlers accept.
"""

from nube.api import fault
from nube.api.handlers import aggregates
from nube.api.handlers import flavor_extra_specs
from nube.api.handlers import flavors
from nube.api.handlers import floating_ips
from nube.api.handlers import hypervisors
from nube.api.handlers import keypairs
from nube.api.handlers import limits
from nube.api.handlers import os_networks
from nube.api.handlers import quota_class_sets
from nube.api.handlers import quota_sets
from nube.api.handlers import security_groups
from nube.api.handlers import server_actions
from nube.api.handlers import server_groups
from nube.api.handlers import interfaces
from nube.api.handlers import server_metadata
from nube.api.handlers import servers
from nube.api.handlers import servers_query
from nube.api.handlers import services
from nube.api import microversion
from nube.api import router
from nube.api.schemas import aggregates as aggregate_schemas
from nube.api.schemas import flavors as flavor_schemas
from nube.api.schemas import floating_ips as floating_ip_schemas
from nube.api.schemas import keypairs as keypair_schemas
from nube.api.schemas import quotas as quota_schemas
from nube.api.schemas import security_groups as security_group_schemas
from nube.api.schemas import server_actions as action_schemas
from nube.api.schemas import server_groups as server_group_schemas
from nube.api.schemas import interfaces as interface_schemas
from nube.api.schemas import server_metadata as metadata_schemas
from nube.api.schemas import servers as server_schemas
from nube.openapi import base

ERROR = 'ComputeFault'
AUTH_ERROR = 'KeystoneError'


class _Request:
    """What the schema selectors read from a request, at one version."""

    is_legacy_v2 = False

    def __init__(self, version):
        self.api_version = version

    def at_least(self, minor):
        return self.api_version >= (2, minor)


# handler -> schema of its body at a version (a _Request).
BODIES = {
    servers.create: lambda r: server_schemas.create(r.api_version),
    servers.update: lambda r: server_schemas.update(r.api_version),
    server_metadata.create: lambda r: metadata_schemas.create,
    interfaces.create: lambda r: interface_schemas.create,
    server_metadata.update_all: lambda r: metadata_schemas.update_all,
    server_metadata.update: lambda r: metadata_schemas.update,
    keypairs.create: keypair_schemas.create_for,
    flavors.create: lambda r: flavor_schemas.create,
    flavor_extra_specs.create: lambda r: flavor_schemas.extra_specs_create,
    flavor_extra_specs.update: lambda r: flavor_schemas.extra_spec_update,
    os_networks.action: lambda r: os_networks.ACTION_BODY,
    floating_ips.create: lambda r: floating_ip_schemas.create,
    security_groups.create: lambda r: security_group_schemas.create,
    security_groups.update: lambda r: security_group_schemas.update,
    security_groups.create_rule: lambda r: security_group_schemas.create_rule,
    quota_sets.update: quota_schemas.update_set_for,
    quota_class_sets.update: quota_schemas.update_class_for,
    aggregates.create: lambda r: aggregate_schemas.create,
    aggregates.update: lambda r: aggregate_schemas.update,
    aggregates.action: lambda r: {'oneOf': [
        aggregate_schemas.add_host, aggregate_schemas.remove_host,
        aggregate_schemas.set_metadata]},
    server_groups.create: server_group_schemas.create_for,
}

# Action name (the body's only key) -> its schema at a version.
ACTION_BODIES = {
    'os-getConsoleOutput': lambda r: action_schemas.get_console_output,
    'reboot': lambda r: action_schemas.reboot,
    'rebuild': lambda r: action_schemas.rebuild(r.api_version),
    'addFloatingIp': lambda r: floating_ip_schemas.add_floating_ip,
    'removeFloatingIp': lambda r: floating_ip_schemas.remove_floating_ip,
    'addSecurityGroup': lambda r: security_group_schemas.server_action(
        'addSecurityGroup'),
    'removeSecurityGroup': lambda r: security_group_schemas.server_action(
        'removeSecurityGroup'),
}
for _name in ('os-stop', 'os-start', 'forceDelete', 'restore', 'lock',
              'unlock'):
    ACTION_BODIES[_name] = (lambda name: lambda r:
                            action_schemas.no_argument(name))(_name)

_PAGE = ('limit', 'marker')
_SERVER_QUERY = (_PAGE + ('sort_key', 'sort_dir') +
                 servers_query.USER_FILTERS + servers_query.USER_FILTERS_226 +
                 servers_query.ADMIN_FILTERS)
_LIMIT = {'type': 'integer', 'minimum': 0}

# handler -> the query parameters it reads.
QUERIES = {
    servers.index: _SERVER_QUERY,
    servers.detail: _SERVER_QUERY,
    flavors.index: _PAGE + ('is_public', 'minRam', 'minDisk', 'sort_key',
                            'sort_dir'),
    flavors.detail: _PAGE + ('is_public', 'minRam', 'minDisk', 'sort_key',
                             'sort_dir'),
    keypairs.index: _PAGE + ('user_id',),
    keypairs.show: ('user_id',),
    keypairs.delete: ('user_id',),
    hypervisors.index: _PAGE,
    hypervisors.detail: _PAGE,
    services.index: ('host', 'binary'),
    limits.index: ('tenant_id',),
    security_groups.index: ('limit', 'offset', 'all_tenants'),
    server_groups.index: ('limit', 'offset', 'all_projects'),
    quota_sets.show: ('user_id',),
    quota_sets.detail: ('user_id',),
    quota_sets.update: ('user_id',),
    quota_sets.delete: ('user_id',),
}

_QUERY_SCHEMAS = {
    'limit': _LIMIT,
    'sort_dir': {'type': 'string', 'enum': ['asc', 'desc']},
}


def error_schema():
    """Nova's ``{"<faultName>": {"code": N, "message": "..."}}``."""
    names = sorted(set(fault.FAULT_NAMES.values()) | {'computeFault'})
    return {
        'type': 'object',
        'minProperties': 1,
        'maxProperties': 1,
        'propertyNames': {'enum': names},
        'additionalProperties': {
            'type': 'object',
            'properties': {'code': {'type': 'integer'},
                           'message': {'type': 'string'}},
            'required': ['code', 'message'],
        },
    }


def action_body(request):
    """One of the actions, each a one-key object."""
    return {'oneOf': [ACTION_BODIES[name](request)
                      for name in sorted(ACTION_BODIES)]}


def _version_headers(version):
    value = '%s %s' % (microversion.SERVICE_TYPE, version)
    return [
        base.parameter(
            microversion.HEADER, 'header',
            {'type': 'string', 'default': value, 'examples': [value]},
            description='The microversion, "compute 2.X" (%s to %s); '
                        'without it (or %s) the request is at %s.'
                        % (microversion.MIN_VERSION_STRING,
                           microversion.MAX_VERSION_STRING,
                           microversion.LEGACY_HEADER,
                           microversion.MIN_VERSION_STRING)),
    ]


def _describer(request, version):
    headers = _version_headers(version)
    errors = base.error_responses(ERROR, AUTH_ERROR)

    def describe(template, method, handler):
        op = {'parameters': list(headers),
              'responses': dict({'2XX': {'description': 'Success.'}},
                                **errors)}
        for name in QUERIES.get(handler, ()):
            op['parameters'].append(base.parameter(
                name, 'query', _QUERY_SCHEMAS.get(name)))
        if handler is server_actions.action:
            op['requestBody'] = base.json_body(action_body(request))
        elif handler in BODIES:
            op['requestBody'] = base.json_body(BODIES[handler](request))
        return op
    return describe


def build(version=None, routes=None):
    """The compute API's OpenAPI 3.1 document at microversion ``version``
    (a '2.X' string; default the newest)."""
    version = version or microversion.MAX_VERSION_STRING
    parsed = microversion.parse(version)
    if not microversion.MIN_VERSION <= parsed <= microversion.MAX_VERSION:
        raise ValueError('microversion %s is outside %s-%s'
                         % (version, microversion.MIN_VERSION_STRING,
                            microversion.MAX_VERSION_STRING))
    routes = router.ROUTES if routes is None else routes
    paths = base.build_paths(routes, _describer(_Request(parsed), version))
    return base.document(
        'nube compute API', '2.1 (microversion %s)' % version,
        'Nova API v2.1 as nube serves it, at microversion %s. Every path '
        'is also served with the project in it (/v2.1/{project_id}/...) '
        'and under the legacy /v2 prefix (fixed at 2.1). Generated from '
        'nube.api.router.ROUTES and nube/api/schemas.' % version,
        [{'url': '/v2.1', 'description': 'microversioned API'}],
        paths,
        {ERROR: error_schema(), AUTH_ERROR: base.KEYSTONE_ERROR})
