"""/os-hypervisors (admin): compute nodes, their use and their servers."""

import webob.exc

from nube.api import common
from nube.api.views import hypervisors as view
from nube.api.views import servers as servers_view
from nube import exception
from nube.policies import hypervisors as policies


def _nodes(req, pattern=None):
    return req.host_api.compute_node_get_all(
        req.context, hypervisor_hostname_pattern=pattern)


def _page(req, nodes):
    """From 2.33 on lists take limit and marker (a hypervisor id)."""
    if not req.at_least(33):
        return nodes, None
    limit, marker = common.limit_and_marker(req)
    if marker is not None:
        ids = [str(node['id']) for node in nodes]
        if marker not in ids:
            raise webob.exc.HTTPBadRequest(
                explanation='marker [%s] not found' % marker)
        nodes = nodes[ids.index(marker) + 1:]
    return nodes[:limit], limit


def _list(req, collection, render):
    nodes, limit = _page(req, _nodes(req))
    body = {'hypervisors': [render(node) for node in nodes]}
    if limit is not None:
        links = common.collection_links(req, nodes, collection, 'id', limit)
        if links:
            body['hypervisors_links'] = links
    return common.json_response(body)


def index(req):
    common.authorize(req, policies.HYPERVISORS % 'list')
    return _list(req, 'os-hypervisors', view.hypervisor_basic)


def detail(req):
    common.authorize(req, policies.HYPERVISORS % 'list-detail')
    return _list(req, 'os-hypervisors/detail',
                 lambda node: view.hypervisor_detail(req, node))


def show(req, hypervisor_id):
    common.authorize(req, policies.HYPERVISORS % 'show')
    not_found = webob.exc.HTTPNotFound(
        explanation="Hypervisor with ID '%s' could not be found."
                    % hypervisor_id)
    try:
        node_id = int(hypervisor_id)
    except ValueError:
        raise not_found
    try:
        node = req.host_api.compute_node_get(req.context, node_id)
    except exception.ComputeHostNotFound:
        raise not_found
    return common.json_response(
        {'hypervisor': view.hypervisor_detail(req, node)})


def statistics(req):
    common.authorize(req, policies.HYPERVISORS % 'statistics')
    stats = req.host_api.compute_node_statistics(req.context)
    return common.json_response(view.statistics(stats))


def _matching(req, pattern):
    nodes = _nodes(req, pattern)
    if not nodes:
        raise webob.exc.HTTPNotFound(
            explanation="No hypervisor matching '%s' could be found."
                        % pattern)
    return nodes


def search(req, pattern):
    common.authorize(req, policies.HYPERVISORS % 'search')
    nodes = _matching(req, pattern)
    return common.json_response(
        {'hypervisors': [view.hypervisor_basic(node) for node in nodes]})


def servers(req, pattern):
    common.authorize(req, policies.HYPERVISORS % 'servers')
    nodes = _matching(req, pattern)
    hypervisors = []
    for node in nodes:
        body = view.hypervisor_basic(node)
        instances = req.compute_api.get_all(
            req.context, {'host': node.get('host'), 'all_tenants': True,
                          'deleted': False})
        if instances:
            body['servers'] = [
                {'name': servers_view.instance_name(instance),
                 'uuid': instance['uuid']} for instance in instances]
        hypervisors.append(body)
    return common.json_response({'hypervisors': hypervisors})
