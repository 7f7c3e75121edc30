"""os-interface for the compute API facade: a server's ports, attached and
detached through the network API of the server's cell.

A mixin of nube.compute.api.API. The port is bound (or made) in the cell
DB; nube-network hears of it through the network API's cast; then the
server's compute plugs it into the guest (an RPC call: live when the guest
runs, into its definition when stopped). A failed plug unbinds the port
again (500, as Nova's). A server still being built gets its ports at spawn.
"""

import oslo_messaging as messaging
from oslo_log import log as logging

from nube.compute import states
from nube import exception
from nube.network import api as network_api
from nube.network import exceptions as net_exc

LOG = logging.getLogger(__name__)

# Where Nova lets interfaces be attached or detached.
INTERFACE_VM_STATES = (states.ACTIVE, states.PAUSED, states.STOPPED)


def attachment(port):
    """Nova's interfaceAttachment of a Neutron port dict."""
    return {'net_id': port['network_id'], 'port_id': port['id'],
            'mac_addr': port['mac_address'], 'port_state': port['status'],
            'fixed_ips': [dict(ip) for ip in port['fixed_ips']]}


class InterfacesMixin:

    def _cell_networks(self, ctxt, server_id, action):
        cell_db, instance = self._cell_instance(ctxt, server_id, action)
        _mapping, cell = self._locate(ctxt, server_id)
        return (cell, network_api.CellNetworks(cell_db, cell['transport_url']),
                instance)

    def _guest_host(self, cell_nets, instance):
        """The compute to plug into, None while the server has none; 503
        before anything changes when that compute is down."""
        host = instance.get('host')
        if host and not self._compute_is_up(cell_nets.db, host):
            raise exception.ComputeServiceUnavailable(host=host)
        return host

    @staticmethod
    def _vif(cell_nets, port_row):
        return cell_nets.network_info([port_row])[0]

    def list_interfaces(self, ctxt, server_id):
        _cell, cell_nets, instance = self._cell_networks(
            ctxt, server_id, 'list_interfaces')
        return [attachment(port) for port in cell_nets.list_ports(
            ctxt.elevated(), {'device_id': [instance['uuid']]})]

    def get_interface(self, ctxt, server_id, port_id):
        for item in self.list_interfaces(ctxt, server_id):
            if item['port_id'] == port_id:
                return item
        raise exception.NotFound('Instance %s is not attached to port %s.'
                                 % (server_id, port_id))

    def attach_interface(self, ctxt, server_id, port_id=None, net_id=None,
                         fixed_ip=None):
        cell, cell_nets, instance = self._cell_networks(
            ctxt, server_id, 'attach_interface')
        self._check_not_locked(ctxt, instance)
        self._check_state(instance, 'attach_interface', INTERFACE_VM_STATES,
                          (None,))
        host = self._guest_host(cell_nets, instance)
        if port_id:
            entry = {'port': port_id}
        else:
            if net_id is None:
                net_id = cell_nets.default_network(ctxt)['uuid']
            entry = {'uuid': net_id}
            if fixed_ip:
                entry['fixed_ip'] = fixed_ip
        try:
            port = cell_nets.attach(ctxt, instance, entry)
        except net_exc.NotFound as exc:
            raise exception.NotFound(exc.message)
        if host:
            try:
                self._compute_apis.for_cell(cell).attach_interface(
                    ctxt, host, instance, self._vif(
                        cell_nets, cell_nets.db.port_get(port['id'])))
            except (exception.NubeException, messaging.MessagingException):
                LOG.exception('Attaching port %s to instance %s failed; '
                              'releasing the port', port['id'],
                              instance['uuid'])
                cell_nets.detach(ctxt, instance, port['id'])
                raise exception.InterfaceAttachFailed(
                    instance_uuid=instance['uuid'])
        return attachment(port)

    def detach_interface(self, ctxt, server_id, port_id):
        cell, cell_nets, instance = self._cell_networks(
            ctxt, server_id, 'detach_interface')
        self._check_not_locked(ctxt, instance)
        self._check_state(instance, 'detach_interface', INTERFACE_VM_STATES,
                          (None,))
        host = self._guest_host(cell_nets, instance)
        try:
            port = cell_nets.db.port_get(port_id)
            if port['device_id'] != instance['uuid']:
                raise net_exc.PortNotFound(port_id=port_id)
            if host:
                try:
                    self._compute_apis.for_cell(cell).detach_interface(
                        ctxt, host, instance, self._vif(cell_nets, port))
                except (exception.NubeException,
                        messaging.MessagingException):
                    LOG.exception('Detaching port %s from instance %s '
                                  'failed', port_id, instance['uuid'])
                    raise exception.InterfaceDetachFailed(
                        instance_uuid=instance['uuid'])
            cell_nets.detach(ctxt, instance, port_id)
        except net_exc.PortNotFound:
            raise exception.NotFound('Port %s is not attached' % port_id)
