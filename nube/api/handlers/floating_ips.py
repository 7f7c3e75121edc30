"""/os-floating-ip-pools, /os-floating-ips and the addFloatingIp and
removeFloatingIp server actions: Nova's deprecated proxies of the network
service's floating IPs.

As Nova: the routes answer below microversion 2.36 (404 from 2.36 on, as
if they did not exist), the actions below 2.44. A pool is an external
network (``router:external``); a floating IP is the network API's
(Neutron's) floating IP shown in nova-network's fields. Which floating
IPs a caller sees is the network API's rule: its project's, an admin's
all. Network errors get Nova's codes and words here; nothing the network
API raises is let through as a 500.
"""

import ipaddress

from oslo_utils import uuidutils
import webob.exc

from nube.api import common
from nube.api.schemas import floating_ips as schema
from nube.api import validation
from nube import exception
from nube.network import api as network_api
from nube.network import exceptions as net_exc
from nube.policies import floating_ips as policies

# Nova serves the proxy up to 2.35 (common.check_proxy_version) and the
# server actions up to 2.43.
LAST_ACTION_MINOR = 43

# One network API per process: it keeps each cell's network API (and its
# RPC client) across requests.
NETWORK = network_api.API()


def _pool_names(req):
    """Pool (external network) id -> the name Nova shows (its id when it
    has none)."""
    return {net['id']: net['name'] or net['id']
            for net in NETWORK.floating_pools(req.context)}


def _view(fip, pools):
    network_id = fip['floating_network_id']
    return {'id': fip['id'], 'ip': fip['floating_ip_address'],
            'pool': pools.get(network_id, network_id),
            'fixed_ip': fip['fixed_ip_address'],
            'instance_id': fip.get('instance_id')}


def _not_found(fip_id):
    return webob.exc.HTTPNotFound(
        explanation='Floating IP not found for ID %s' % fip_id)


def _get(req, fip_id):
    if not uuidutils.is_uuid_like(fip_id):
        raise _not_found(fip_id)
    try:
        return NETWORK.get_floatingip(req.context, fip_id)
    except net_exc.NotFound:
        raise _not_found(fip_id)


# -- /os-floating-ip-pools ----------------------------------------------------

def pools(req):
    """The external networks, by name (below 2.36)."""
    common.check_proxy_version(req)
    common.authorize(req, policies.POOLS)
    return common.json_response({'floating_ip_pools': [
        {'name': name} for name in _pool_names(req).values()]})


# -- /os-floating-ips ---------------------------------------------------------

def index(req):
    """The caller's project's floating IPs (an admin's too: Nova lists
    by project), below 2.36."""
    common.check_proxy_version(req)
    common.authorize(req, policies.FLOATING_IPS % 'list')
    names = _pool_names(req)
    fips = NETWORK.list_floatingips(
        req.context, {'project_id': [req.context.project_id]})
    return common.json_response({'floating_ips': [
        _view(fip, names) for fip in fips]})


def show(req, floating_ip_id):
    common.check_proxy_version(req)
    common.authorize(req, policies.FLOATING_IPS % 'show')
    fip = _get(req, floating_ip_id)
    return common.json_response({'floating_ip': _view(fip,
                                                      _pool_names(req))})


def _find_pool(pools, wanted):
    """The pool named (or with the id) ``wanted``; the first one when
    none is asked for. Nova's 404 when there is none."""
    for net in pools:
        if wanted is None or wanted in (net['name'], net['id']):
            return net
    raise webob.exc.HTTPNotFound(explanation='Floating IP pool not found.')


def create(req):
    """Allocate a floating IP from a pool (200, as Nova)."""
    common.check_proxy_version(req)
    body = validation.validate(schema.create, common.json_body(req))
    common.authorize(req, policies.FLOATING_IPS % 'create')
    wanted = body.get('pool')
    pools = NETWORK.floating_pools(req.context)
    pool = _find_pool(pools, wanted)
    try:
        fip = NETWORK.create_floatingip(req.context, {
            'floating_network_id': pool['id']})
    except exception.OverQuota:
        raise webob.exc.HTTPForbidden(
            explanation='IP allocation over quota in pool %s.' % wanted
            if wanted else 'IP allocation over quota.')
    except net_exc.IpAddressGenerationFailure:
        raise webob.exc.HTTPNotFound(
            explanation='No more floating IPs in pool %s.' % wanted
            if wanted else 'No more floating IPs available.')
    except net_exc.NotFound:
        raise webob.exc.HTTPNotFound(explanation='Floating IP pool not '
                                                 'found.')
    except (net_exc.BadRequest, net_exc.Conflict) as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    names = {net['id']: net['name'] or net['id'] for net in pools}
    return common.json_response({'floating_ip': _view(fip, names)})


def delete(req, floating_ip_id):
    """Release a floating IP (disassociated first); 202."""
    common.check_proxy_version(req)
    common.authorize(req, policies.FLOATING_IPS % 'delete')
    fip = _get(req, floating_ip_id)
    try:
        NETWORK.delete_floatingip(req.context, fip['id'])
    except net_exc.NotFound:
        raise _not_found(floating_ip_id)
    return common.empty_response(202)


# -- server actions -----------------------------------------------------------

def _server(req, server_id, rule):
    """The server (404 if the caller cannot see it), then the policy on
    its project, in Nova's order."""
    instance = req.compute_api.get(req.context, server_id)
    common.authorize(req, policies.FLOATING_IPS % rule,
                     {'project_id': instance.get('project_id')})
    return instance


def _fixed_address(instance, address, fixed_address):
    """The server's fixed address to translate to, checked as Nova
    does: the one asked for, else its first IPv4 address."""
    fixed_ips = [ip['address'] for ip in instance.get('fixed_ips') or ()
                 if ip.get('address')]
    if not fixed_ips:
        raise webob.exc.HTTPBadRequest(
            explanation='No fixed IPs associated to instance')
    if fixed_address is not None:
        if fixed_address not in fixed_ips:
            raise webob.exc.HTTPBadRequest(
                explanation='Specified fixed address not assigned to '
                            'instance')
        return fixed_address
    for fixed in fixed_ips:
        if ipaddress.ip_address(fixed).version == 4:
            return fixed
    raise webob.exc.HTTPBadRequest(
        explanation='Unable to associate floating IP %s to any fixed IPs '
                    'for instance %s. Instance has no fixed IPv4 addresses '
                    'to associate.' % (address, instance['uuid']))


def add_floating_ip(req, server_id, body):
    """addFloatingIp (below 2.44): 202."""
    common.check_proxy_version(req, LAST_ACTION_MINOR)
    body = validation.validate(schema.add_floating_ip, body)
    params = body['addFloatingIp']
    instance = _server(req, server_id, 'add')
    address = params['address']
    fixed_address = _fixed_address(instance, address,
                                   params.get('fixed_address'))
    try:
        NETWORK.associate_floating_ip(req.context, instance, address,
                                      fixed_address)
    except net_exc.FloatingIPNotFound:
        raise webob.exc.HTTPNotFound(explanation='floating IP not found')
    except (net_exc.NetworkError, exception.Invalid,
            exception.Conflict) as exc:
        # Nova: any other failure to associate is the request's (400).
        raise webob.exc.HTTPBadRequest(
            explanation='Unable to associate floating IP %s to fixed IP %s '
                        'for instance %s. Error: %s' % (
                            address, fixed_address, server_id,
                            exc.message))
    return common.empty_response(202)


def remove_floating_ip(req, server_id, body):
    """removeFloatingIp (below 2.44): 202; 409 when the address is not
    associated with this server."""
    common.check_proxy_version(req, LAST_ACTION_MINOR)
    body = validation.validate(schema.remove_floating_ip, body)
    instance = _server(req, server_id, 'remove')
    address = body['removeFloatingIp']['address']
    try:
        NETWORK.disassociate_floating_ip(req.context, instance, address)
    except net_exc.FloatingIPNotFound:
        raise webob.exc.HTTPNotFound(explanation='floating IP not found')
    except net_exc.Conflict as exc:
        raise webob.exc.HTTPConflict(explanation=exc.message)
    return common.empty_response(202)
