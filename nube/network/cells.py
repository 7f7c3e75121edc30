"""The network API across cells, ``nube.network.api.API`` (import it from
there): what the Neutron-compatible WSGI app, the compute API and
nube-manage call.

Networks are made in the first cell (by name); lists gather every cell's;
anything else runs in the cell that holds its resource. No table says
which cell that is, so the operation is tried in each cell in turn: a
cell that does not hold the resource, or hides it from the caller, raises
the resource's NotFound from its lookup, before it changes anything, and
the cell that holds it finds it and acts on it in one lookup.
"""

from nube.cells import targeting
from nube.network import exceptions as net_exc

# A kind of resource, by what a cell raises when it does not hold one.
_NETWORK = net_exc.NetworkNotFound
_SUBNET = net_exc.SubnetNotFound
_PORT = net_exc.PortNotFound
_FLOATING_IP = net_exc.FloatingIPNotFound
_GROUP = net_exc.SecurityGroupNotFound
_RULE = net_exc.SecurityGroupRuleNotFound


class API:
    """The network API across cells: networks are made in the first cell
    (by name) and found by id in whichever cell holds them."""

    def __init__(self):
        self._by_cell = {}

    def _cell_apis(self):
        # nube.network.api imports this module to re-export API.
        from nube.network import api as network_api
        cells = sorted(targeting.get_cells(), key=lambda c: c['name'] or '')
        apis = []
        for cell in cells:
            api = self._by_cell.get(cell['uuid'])
            if api is None:
                api = self._by_cell[cell['uuid']] = network_api.CellNetworks(
                    targeting.cell_database(cell), cell['transport_url'])
            apis.append(api)
        if not apis:
            raise net_exc.NetworkError('No cell is mapped: run nube-manage '
                                       'cell_v2 create_cell')
        return apis

    def _in_cell(self, kind, method, ctxt, *args):
        """CellNetworks.<method>(ctxt, *args) in the first cell that does
        not answer ``kind`` (the resource is not there, or not for the
        caller); if none, the last cell's ``kind``."""
        for api in self._cell_apis():
            try:
                return getattr(api, method)(ctxt, *args)
            except kind as exc:
                missing = exc
        raise missing

    def _gather(self, method, ctxt, filters):
        result = []
        for api in self._cell_apis():
            result.extend(getattr(api, method)(ctxt, filters))
        return result

    def list_networks(self, ctxt, filters=None):
        return self._gather('list_networks', ctxt, filters)

    def get_network(self, ctxt, net_id):
        return self._in_cell(_NETWORK, 'get_network', ctxt, net_id)

    def create_network(self, ctxt, values, **host_options):
        return self._cell_apis()[0].create_network(ctxt, values,
                                                   **host_options)

    def update_network(self, ctxt, net_id, values):
        return self._in_cell(_NETWORK, 'update_network', ctxt, net_id, values)

    def delete_network(self, ctxt, net_id):
        self._in_cell(_NETWORK, 'delete_network', ctxt, net_id)

    def list_subnets(self, ctxt, filters=None):
        return self._gather('list_subnets', ctxt, filters)

    def get_subnet(self, ctxt, subnet_id):
        return self._in_cell(_SUBNET, 'get_subnet', ctxt, subnet_id)

    def create_subnet(self, ctxt, values):
        """In the cell of values['network_id']."""
        return self._in_cell(_NETWORK, 'create_subnet', ctxt, values)

    def update_subnet(self, ctxt, subnet_id, values):
        return self._in_cell(_SUBNET, 'update_subnet', ctxt, subnet_id,
                             values)

    def delete_subnet(self, ctxt, subnet_id):
        self._in_cell(_SUBNET, 'delete_subnet', ctxt, subnet_id)

    def list_ports(self, ctxt, filters=None):
        return self._gather('list_ports', ctxt, filters)

    def get_port(self, ctxt, port_id):
        return self._in_cell(_PORT, 'get_port', ctxt, port_id)

    def create_port(self, ctxt, values):
        """In the cell of values['network_id']."""
        return self._in_cell(_NETWORK, 'create_port', ctxt, values)

    def update_port(self, ctxt, port_id, values):
        return self._in_cell(_PORT, 'update_port', ctxt, port_id, values)

    def delete_port(self, ctxt, port_id):
        self._in_cell(_PORT, 'delete_port', ctxt, port_id)

    # -- floating IPs --------------------------------------------------------

    def list_floatingips(self, ctxt, filters=None):
        return self._gather('list_floatingips', ctxt, filters)

    def get_floatingip(self, ctxt, fip_id):
        return self._in_cell(_FLOATING_IP, 'get_floatingip', ctxt, fip_id)

    def create_floatingip(self, ctxt, values):
        """In the cell of values['floating_network_id'] (the port to
        associate must be there too)."""
        return self._in_cell(_NETWORK, 'create_floatingip', ctxt, values)

    def update_floatingip(self, ctxt, fip_id, values):
        return self._in_cell(_FLOATING_IP, 'update_floatingip', ctxt,
                             fip_id, values)

    def delete_floatingip(self, ctxt, fip_id):
        self._in_cell(_FLOATING_IP, 'delete_floatingip', ctxt, fip_id)

    def floating_pools(self, ctxt):
        result = []
        for api in self._cell_apis():
            result.extend(api.floating_pools(ctxt))
        return result

    def _floating_by_address(self, ctxt, address):
        found = self.list_floatingips(
            ctxt, {'floating_ip_address': [address]})
        if not found:
            raise net_exc.FloatingIPNotFound(floatingip_id=address)
        return found[0]

    def associate_floating_ip(self, ctxt, instance, address,
                              fixed_address=None):
        """Nova's addFloatingIp: the project's floating IP ``address``
        to the server's port holding ``fixed_address`` (default: its
        first address)."""
        fip = self._floating_by_address(ctxt, address)
        for api in self._cell_apis():
            found = api.server_port_for(ctxt, instance, fixed_address)
            if found is not None:
                port, fixed = found
                return self.update_floatingip(ctxt, fip['id'], {
                    'port_id': port['uuid'], 'fixed_ip_address': fixed})
        if fixed_address:
            raise net_exc.BadRequest(
                resource='floating ip',
                msg='Specified fixed address %s not assigned to instance'
                    % fixed_address)
        raise net_exc.BadRequest(resource='floating ip',
                                 msg='Instance has no fixed IP address')

    def disassociate_floating_ip(self, ctxt, instance, address):
        """Nova's removeFloatingIp."""
        fip = self._floating_by_address(ctxt, address)
        if fip.get('instance_id') != instance['uuid']:
            raise net_exc.Conflict(
                'Floating IP %s is not associated with instance %s.'
                % (address, instance['uuid']))
        return self.update_floatingip(ctxt, fip['id'], {'port_id': None})

    # -- security groups -----------------------------------------------------

    def list_security_groups(self, ctxt, filters=None):
        return self._gather('list_security_groups', ctxt, filters)

    def get_security_group(self, ctxt, sg_id):
        return self._in_cell(_GROUP, 'get_security_group', ctxt, sg_id)

    def create_security_group(self, ctxt, values):
        return self._cell_apis()[0].create_security_group(ctxt, values)

    def update_security_group(self, ctxt, sg_id, values):
        return self._in_cell(_GROUP, 'update_security_group', ctxt, sg_id,
                             values)

    def delete_security_group(self, ctxt, sg_id):
        self._in_cell(_GROUP, 'delete_security_group', ctxt, sg_id)

    def list_security_group_rules(self, ctxt, filters=None):
        return self._gather('list_security_group_rules', ctxt, filters)

    def get_security_group_rule(self, ctxt, rule_id):
        return self._in_cell(_RULE, 'get_security_group_rule', ctxt,
                             rule_id)

    def create_security_group_rule(self, ctxt, values):
        """In the cell of values['security_group_id']."""
        return self._in_cell(_GROUP, 'create_security_group_rule', ctxt,
                             values)

    def delete_security_group_rule(self, ctxt, rule_id):
        self._in_cell(_RULE, 'delete_security_group_rule', ctxt, rule_id)

    def find_security_groups(self, ctxt, names, project_id=None):
        """Group ids for names or ids (SecurityGroupNotFound if one is
        unknown), in the first cell, where groups are made."""
        return self._cell_apis()[0].find_security_groups(ctxt, names,
                                                         project_id)

    def server_security_groups(self, ctxt, instance_uuid):
        result = []
        for api in self._cell_apis():
            result.extend(api.server_security_groups(ctxt, instance_uuid))
        return result

    def add_server_security_group(self, ctxt, instance, name_or_id):
        self._change_server_group(ctxt, instance, name_or_id, True)

    def remove_server_security_group(self, ctxt, instance, name_or_id):
        self._change_server_group(ctxt, instance, name_or_id, False)

    def _change_server_group(self, ctxt, instance, name_or_id, add):
        for api in self._cell_apis():
            if api.change_server_security_group(ctxt, instance, name_or_id,
                                                add):
                return
        raise net_exc.BadRequest(resource='security group',
                                 msg='Server %s has no network port'
                                     % instance['uuid'])

    def check_requested(self, ctxt, requested, count):
        """Refuse, before a build is written, what cannot be allocated:
        unknown networks or ports (400), a port in use (409), one port
        for many servers (400). 'auto' and 'none' are checked at build."""
        if not isinstance(requested, list):
            return
        for entry in requested:
            try:
                if entry.get('port'):
                    if count > 1:
                        raise net_exc.BadRequest(
                            'Unable to launch multiple instances with a '
                            'single configured port ID. Please launch your '
                            'instance one by one with different ports.')
                    port = self.get_port(ctxt, entry['port'])
                    if port['device_id']:
                        raise net_exc.PortInUse(
                            port_id=port['id'], net_id=port['network_id'],
                            device_id=port['device_id'])
                elif entry.get('uuid'):
                    self.get_network(ctxt, entry['uuid'])
            except net_exc.NotFound as exc:
                raise net_exc.BadRequest(exc.message)
