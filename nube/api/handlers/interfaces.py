"""/servers/{id}/os-interface[/{port_id}]: a server's ports, as Nova's
attach-interfaces API (200 on attach, 202 on detach)."""

import webob.exc

from nube.api import common
from nube.api.schemas import interfaces as schema
from nube.api import validation
from nube.policies import attach_interfaces as policies


def _authorize(req, server_id, rule):
    common.authorize_server(req, policies.INTERFACES % rule, server_id)


def index(req, server_id):
    _authorize(req, server_id, 'list')
    return common.json_response({'interfaceAttachments':
                                 req.compute_api.list_interfaces(
                                     req.context, server_id)})


def show(req, server_id, port_id):
    _authorize(req, server_id, 'show')
    return common.json_response({'interfaceAttachment':
                                 req.compute_api.get_interface(
                                     req.context, server_id, port_id)})


def create(req, server_id):
    body = validation.validate(schema.create, common.json_body(req))
    _authorize(req, server_id, 'create')
    attachment = body.get('interfaceAttachment') or {}
    port_id = attachment.get('port_id')
    net_id = attachment.get('net_id')
    fixed_ips = attachment.get('fixed_ips')
    if port_id and (net_id or fixed_ips):
        raise webob.exc.HTTPBadRequest(
            explanation='Must not input both network_id and port_id')
    if fixed_ips and not net_id:
        raise webob.exc.HTTPBadRequest(
            explanation='Must input network_id when request IP address')
    result = req.compute_api.attach_interface(
        req.context, server_id, port_id=port_id, net_id=net_id,
        fixed_ip=fixed_ips[0]['ip_address'] if fixed_ips else None)
    return common.json_response({'interfaceAttachment': result})


def delete(req, server_id, port_id):
    _authorize(req, server_id, 'delete')
    req.compute_api.detach_interface(req.context, server_id, port_id)
    return common.empty_response(202)
