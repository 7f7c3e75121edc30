"""POST /servers/{id}/action: the body's only key names the action.

As in Nova: a body that is not one JSON object with exactly one key is 400
"Malformed request body", an unknown key 400 "There is no such action",
and each action validates its own body before the server is looked up.
"""

import re

import webob.exc

from nube.api import common
from nube.api.schemas import server_actions as schema
from nube.api import validation
from nube import exception
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


ACTIONS = {
    'os-getConsoleOutput': get_console_output,
    'os-stop': stop,
    'os-start': start,
    'reboot': reboot,
    'forceDelete': force_delete,
    'restore': restore,
}


def action(req, server_id):
    body = common.json_body(req)
    if not isinstance(body, dict) or len(body) != 1:
        raise webob.exc.HTTPBadRequest(explanation='Malformed request body')
    name = next(iter(body))
    handler = ACTIONS.get(name)
    if handler is None:
        raise webob.exc.HTTPBadRequest(
            explanation='There is no such action: %s' % name)
    return handler(req, server_id, body)
