"""POST /servers/{id}/action: the body's only key names the action.

As in Nova: a body that is not one JSON object with exactly one key is 400
"Malformed request body", an unknown key 400 "There is no such action",
and each action validates its own body before the server is looked up.
"""

import re

import webob.exc

from nube.api import common
from nube.api.handlers import floating_ips
from nube.api.handlers import security_groups
from nube.api.handlers import servers as server_handlers
from nube.api.schemas import server_actions as schema
from nube.api import validation
from nube.api.views import servers as view
from nube.compute import instance_ops
from nube import exception
from nube.policies import lock_server as lock_policies
from nube.policies import servers as policies

# Control characters clients cannot display (Nova strips them too; tab and
# newline stay, carriage returns go).
_CONSOLE_JUNK = re.compile('[\x00-\x08\x0b-\x1f]')


def get_console_output(req, server_id, body):
    body = validation.validate(schema.get_console_output, body)
    common.authorize_server(req, policies.CONSOLE_OUTPUT, server_id)
    length = body['os-getConsoleOutput'].get('length')
    if length is not None:
        # A string passes the schema's pattern but not its minimum.
        length = int(length)
        if length < -1:
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid input for field/attribute length. '
                            'Value: %d. %d is less than the minimum of -1'
                            % (length, length))
        if length == -1:
            length = None
    output = req.compute_api.get_console_output(req.context, server_id,
                                                length)
    return common.json_response(
        {'output': _CONSOLE_JUNK.sub('', output or '')})


def stop(req, server_id, body):
    common.authorize_server(req, policies.SERVERS % 'stop', server_id)
    req.compute_api.stop(req.context, server_id)
    return common.empty_response(202)


def start(req, server_id, body):
    common.authorize_server(req, policies.SERVERS % 'start', server_id)
    req.compute_api.start(req.context, server_id)
    return common.empty_response(202)


def reboot(req, server_id, body):
    body = validation.validate(schema.reboot, body)
    reboot_type = body['reboot']['type'].upper()
    common.authorize_server(req, policies.SERVERS % 'reboot', server_id)
    req.compute_api.reboot(req.context, server_id, reboot_type)
    return common.empty_response(202)


def force_delete(req, server_id, body):
    """Nova with reclaim_instance_interval 0: a plain delete."""
    common.authorize_server(req, policies.SERVERS % 'delete', server_id)
    req.compute_api.delete(req.context, server_id)
    return common.empty_response(202)


def restore(req, server_id, body):
    """Nothing is ever soft-deleted (no deferred delete): 409 as Nova."""
    instance = req.compute_api.get(req.context, server_id)
    common.authorize_server(req, policies.SERVERS % 'delete', server_id)
    raise exception.InstanceInvalidState(
        action='restore', instance_uuid=server_id, attr='vm_state',
        state=instance.get('vm_state'))


def lock(req, server_id, body):
    """Below 2.73 the body's value is ignored (no locked_reason)."""
    instance = req.compute_api.get(req.context, server_id)
    common.authorize(req, lock_policies.LOCK % 'lock',
                     {'user_id': instance.get('user_id'),
                      'project_id': instance.get('project_id')})
    req.compute_api.lock(req.context, server_id)
    return common.empty_response(202)


def unlock(req, server_id, body):
    instance = req.compute_api.get(req.context, server_id)
    target = {'project_id': instance.get('project_id')}
    common.authorize(req, lock_policies.LOCK % 'unlock', target)
    if not instance_ops.is_expected_locked_by(req.context, instance):
        common.authorize(req, lock_policies.LOCK % 'unlock:unlock_override',
                         target)
    req.compute_api.unlock(req.context, server_id)
    return common.empty_response(202)


def rebuild(req, server_id, body):
    """A new image (and name, metadata, access IPs, password) on the
    same server; 202 with the server as PUT /servers/{id} shows it."""
    body = validation.validate(
        schema.rebuild(req.api_version, req.is_legacy_v2), body)
    common.authorize_server(req, policies.SERVERS % 'rebuild', server_id)
    params = body['rebuild']
    updates = {}
    for key, column in (('name', 'display_name'),
                        ('description', 'display_description'),
                        ('metadata', 'metadata')):
        if key in params:
            updates[column] = params[key]
    for key, column in (('accessIPv4', 'access_ip_v4'),
                        ('accessIPv6', 'access_ip_v6')):
        if key in params:
            updates[column] = server_handlers.access_ip(params[key])
    password = params.get('adminPass') or \
        server_handlers.generate_password()
    try:
        instance = req.compute_api.rebuild(
            req.context, server_id, params['imageRef'], updates)
    except exception.ImageNotFound:
        raise webob.exc.HTTPBadRequest(
            explanation='Cannot find image for rebuild')
    except exception.OverQuota as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.message)
    server = view.show(req, instance, full=False)
    server['adminPass'] = password
    return common.json_response(
        {'server': server}, status=202,
        headers={'Location': common.self_url(req, 'servers', server_id)})


ACTIONS = {
    'os-getConsoleOutput': get_console_output,
    'os-stop': stop,
    'os-start': start,
    'reboot': reboot,
    'forceDelete': force_delete,
    'restore': restore,
    'lock': lock,
    'unlock': unlock,
    'rebuild': rebuild,
    'addFloatingIp': floating_ips.add_floating_ip,
    'removeFloatingIp': floating_ips.remove_floating_ip,
    'addSecurityGroup': security_groups.add_security_group,
    'removeSecurityGroup': security_groups.remove_security_group,
}


_NO_ARGUMENT = frozenset(('os-stop', 'os-start', 'forceDelete', 'restore',
                          'lock', 'unlock'))


def action(req, server_id):
    body = common.json_body(req)
    if not isinstance(body, dict) or len(body) != 1:
        raise webob.exc.HTTPBadRequest(explanation='Malformed request body')
    name = next(iter(body))
    handler = ACTIONS.get(name)
    if handler is None:
        raise webob.exc.HTTPBadRequest(
            explanation='There is no such action: %s' % name)
    if name in _NO_ARGUMENT:
        validation.validate(schema.no_argument(name), body)
    return handler(req, server_id, body)
