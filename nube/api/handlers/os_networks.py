"""/os-networks: Nova's deprecated proxy of the network service, kept for
clients and scripts written against nova-network.

As Nova: reads only, below microversion 2.36 (404 from 2.36 on, as if
the route did not exist); the writes nova-network had (create, add,
delete and the associate/disassociate actions) are 410 Gone at every
microversion. Which networks a caller sees is the network API's rule
(its project's, shared and external ones; admins all), so a network it
may not see is 404. Each network has nova-network's field list; nube
fills what its network and first subnet say, the rest is null as in
Nova's proxy, and only admins get the admin fields.
"""

import ipaddress

import webob.exc

from nube.api import common
from nube.network import api as network_api
from nube.network import exceptions as net_exc
from nube.policies import os_networks as policies

FIELDS = ('id', 'cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2',
          'cidr_v6', 'gateway_v6', 'label', 'netmask_v6')
ADMIN_FIELDS = ('created_at', 'updated_at', 'deleted_at', 'deleted',
                'injected', 'bridge', 'vlan', 'vpn_public_address',
                'vpn_public_port', 'vpn_private_address', 'dhcp_start',
                'project_id', 'host', 'bridge_interface', 'multi_host',
                'priority', 'rxtx_base', 'mtu', 'dhcp_server',
                'enable_dhcp', 'share_address')

REMOVED_ACTIONS = ('associate_host', 'disassociate', 'disassociate_host',
                   'disassociate_project')
# What POST /os-networks/{id}/action takes (each answers 410).
ACTION_BODY = {'type': 'object', 'minProperties': 1, 'maxProperties': 1,
               'propertyNames': {'enum': list(REMOVED_ACTIONS)}}


def _subnet_fields(subnet):
    """nova-network's address fields, from an IPv4 subnet."""
    net = ipaddress.ip_network(subnet['cidr'])
    dns = subnet['dns_nameservers'] + [None, None]
    pools = subnet['allocation_pools']
    return {'cidr': subnet['cidr'], 'netmask': str(net.netmask),
            'broadcast': str(net.broadcast_address),
            'gateway': subnet['gateway_ip'], 'dns1': dns[0], 'dns2': dns[1],
            'dhcp_start': pools[0]['start'] if pools else None}


def _view(ctxt, network, subnets):
    """One network as Nova's proxy shows it to this caller.

    Fields whose type in Nova's response schema is not what nube has
    (vlan, multi_host, enable_dhcp are strings or null there) stay null.
    """
    known = {'id': network['id'], 'label': network['name'],
             'project_id': network['project_id'] or None,
             'mtu': network['mtu'], 'created_at': network['created_at'],
             'updated_at': network['updated_at']}
    first = next((subnets[sid] for sid in network['subnets']
                  if sid in subnets), None)
    if first is not None:
        known.update(_subnet_fields(first))
    fields = FIELDS + ADMIN_FIELDS if ctxt.is_admin else FIELDS
    return {field: known.get(field) for field in fields}


def _render(req, api, networks):
    subnets = {}
    if networks:
        for subnet in api.list_subnets(
                req.context, {'network_id': [n['id'] for n in networks]}):
            if subnet['ip_version'] == 4:
                subnets[subnet['id']] = subnet
    return [_view(req.context, network, subnets) for network in networks]


def index(req):
    """List the networks the caller sees (below 2.36)."""
    common.check_proxy_version(req)
    common.authorize(req, policies.NETWORKS % 'list')
    api = network_api.API()
    networks = api.list_networks(req.context)
    return common.json_response({'networks': _render(req, api, networks)})


def show(req, network_id):
    """Show one network the caller sees (below 2.36)."""
    common.check_proxy_version(req)
    common.authorize(req, policies.NETWORKS % 'show')
    api = network_api.API()
    try:
        network = api.get_network(req.context, network_id)
    except net_exc.NetworkNotFound:
        raise webob.exc.HTTPNotFound(explanation='Network not found')
    return common.json_response(
        {'network': _render(req, api, [network])[0]})


def create(req):
    """Gone: nova-network's network create."""
    raise webob.exc.HTTPGone()


def add(req):
    """Gone: nova-network's add a network to a project."""
    raise webob.exc.HTTPGone()


def delete(req, network_id):
    """Gone: nova-network's network delete."""
    raise webob.exc.HTTPGone()


def action(req, network_id):
    """Gone: nova-network's (dis)associate actions.

    The body is read as Nova reads an action's: not one key is 400
    "Malformed request body", a key that never was an action 400.
    """
    body = common.json_body(req)
    if not isinstance(body, dict) or len(body) != 1:
        raise webob.exc.HTTPBadRequest(explanation='Malformed request body')
    name = next(iter(body))
    if name not in REMOVED_ACTIONS:
        raise webob.exc.HTTPBadRequest(
            explanation='There is no such action: %s' % name)
    raise webob.exc.HTTPGone()
