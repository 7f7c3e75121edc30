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
