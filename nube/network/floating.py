"""Floating IPs, Neutron's way: a mixin of nube/network/api.py's
CellNetworks.

A floating IP is an address of an external network (``router:external``)
that a project holds; associated with one of its ports' fixed addresses,
the nube-network serving that port's network translates between the two
(DNAT in, SNAT out). Releasing it frees the address; deleting the port
(or its server) disassociates it and the project keeps it. The pool is
the external network's subnets' allocation pools (``nube-manage
floating create`` makes one from a range).
"""

import ipaddress

from oslo_utils import uuidutils

import nube.conf
from nube import exception
from nube import quota as nube_quota
from nube.network import exceptions as net_exc
from nube.network import resources

CONF = nube.conf.CONF

FLOATING_IP_OWNER = 'network:floatingip'

_COLUMNS = {'id': 'uuid', 'floating_ip_address': 'floating_ip_address',
            'floating_network_id': 'floating_network_uuid',
            'port_id': 'port_uuid', 'fixed_ip_address': 'fixed_ip_address',
            'tenant_id': 'project_id', 'project_id': 'project_id',
            'description': 'description'}


def resource(row):
    result = resources.standard(row)
    result.update({
        'id': row['uuid'], 'tenant_id': row['project_id'],
        'project_id': row['project_id'],
        'floating_ip_address': row['floating_ip_address'],
        'floating_network_id': row['floating_network_uuid'],
        'router_id': None, 'port_id': row.get('port_uuid'),
        'fixed_ip_address': row.get('fixed_ip_address'),
        'status': 'ACTIVE' if row.get('port_uuid') else 'DOWN',
        'port_details': None, 'dns_domain': '', 'dns_name': '',
        'qos_policy_id': None,
        # For Nova's os-floating-ips: the server of the port.
        'instance_id': row.get('device_id') or None,
    })
    return result


class FloatingIpsMixin:

    def _fip_row(self, ctxt, fip_id):
        row = self.db.floating_ip_get(fip_id)
        if not ctxt.is_admin and row['project_id'] != ctxt.project_id:
            raise net_exc.FloatingIPNotFound(floatingip_id=fip_id)
        return row

    def _target(self, ctxt, project_id, port_id, fixed_address):
        """(port row, fixed address) a floating IP of ``project_id`` may
        be associated with."""
        port = self._port_row(ctxt, port_id)
        if port['project_id'] != project_id and not ctxt.is_admin:
            raise net_exc.PortNotFound(port_id=port_id)
        addresses = [ip['ip_address'] for ip in port['fixed_ips']
                     if ipaddress.ip_address(ip['ip_address']).version == 4]
        if not addresses:
            raise net_exc.BadFloatingIPRequest(
                reason='Port %s does not have any IPv4 address' % port_id)
        if fixed_address is None:
            fixed_address = addresses[0]
        elif fixed_address not in addresses:
            raise net_exc.BadFloatingIPRequest(
                reason='Port %s does not have fixed ip %s' % (
                    port_id, fixed_address))
        if port['device_owner'].startswith('network:'):
            raise net_exc.BadFloatingIPRequest(
                reason='Port %s has owner %s and therefore cannot be '
                       'assigned a floating IP' % (port_id,
                                                    port['device_owner']))
        return port, fixed_address

    def list_floatingips(self, ctxt, filters=None):
        rows = self.db.floating_ip_get_all(
            project_id=None if ctxt.is_admin else ctxt.project_id,
            filters=self._fip_filters(filters))
        return [resource(row) for row in rows]

    @staticmethod
    def _fip_filters(filters):
        return resources.column_filters(filters, _COLUMNS)

    def get_floatingip(self, ctxt, fip_id):
        return resource(self._fip_row(ctxt, fip_id))

    def create_floatingip(self, ctxt, values):
        net_row = self._network_row(ctxt, values['floating_network_id'])
        if not net_row['external']:
            raise net_exc.ExternalNetworkRequired(net_id=net_row['uuid'])
        project_id = values.get('project_id') or values.get('tenant_id') or \
            ctxt.project_id
        quota = nube_quota.limit_of('floating_ips', project_id)
        if quota >= 0 and self.db.floating_ip_count(project_id) >= quota:
            raise exception.OverQuota(resources="['floatingip']")
        port, fixed_address = None, None
        if values.get('port_id'):
            port, fixed_address = self._target(
                ctxt, project_id, values['port_id'],
                values.get('fixed_ip_address'))
        address = values.get('floating_ip_address')
        wanted = None
        if address or values.get('subnet_id'):
            wanted = [{key: values[value] for key, value in (
                ('ip_address', 'floating_ip_address'),
                ('subnet_id', 'subnet_id')) if values.get(value)}]
        uuid = uuidutils.generate_uuid()
        # The address's holder is the network's, as in Neutron: no
        # project sees it among its ports.
        port_values = {
            'uuid': uuidutils.generate_uuid(),
            'network_uuid': net_row['uuid'], 'project_id': '',
            'name': '', 'description': '', 'mac_address': None,
            'device_id': uuid, 'device_owner': FLOATING_IP_OWNER,
            'host': None, 'admin_state_up': True, 'auto_delete': False}
        requests = self._ip_requests(net_row, wanted)
        if not requests:
            raise net_exc.BadFloatingIPRequest(
                reason='Network %s has no subnet to allocate from'
                       % net_row['uuid'])
        row, _port = self.db.floating_ip_create(
            {'uuid': uuid, 'project_id': project_id,
             'floating_network_uuid': net_row['uuid'],
             'port_uuid': port['uuid'] if port else None,
             'fixed_ip_address': fixed_address,
             'description': values.get('description') or ''},
            port_values, requests, CONF.network.mac_prefix)
        if port is not None:
            self.notify(ctxt, [port['network_uuid'], net_row['uuid']])
        return resource(row)

    def update_floatingip(self, ctxt, fip_id, values):
        row = self._fip_row(ctxt, fip_id)
        changes = {}
        if 'description' in values:
            changes['description'] = values['description'] or ''
        changed = [row['floating_network_uuid']]
        if row.get('port_network_uuid'):
            changed.append(row['port_network_uuid'])
        if 'port_id' in values:
            if values['port_id']:
                port, fixed = self._target(ctxt, row['project_id'],
                                           values['port_id'],
                                           values.get('fixed_ip_address'))
                changes.update(port_uuid=port['uuid'],
                               fixed_ip_address=fixed)
                changed.append(port['network_uuid'])
            else:
                changes.update(port_uuid=None, fixed_ip_address=None)
        updated = self.db.floating_ip_update(fip_id, changes)
        if 'port_id' in values:
            self.notify(ctxt, changed)
        return resource(updated)

    def delete_floatingip(self, ctxt, fip_id):
        row = self._fip_row(ctxt, fip_id)
        self.db.floating_ip_delete(fip_id)
        changed = [row['floating_network_uuid']]
        if row.get('port_network_uuid'):
            changed.append(row['port_network_uuid'])
        self.notify(ctxt, changed)

    # -- Nova's proxies ----------------------------------------------------

    def floating_pools(self, ctxt):
        """The external networks (Nova's floating IP pools)."""
        return [row for row in self.list_networks(ctxt)
                if row['router:external']]

    def server_port_for(self, ctxt, instance, fixed_address=None):
        """The server's port holding ``fixed_address`` (or its first
        port with an IPv4 address); None when it has none here."""
        for port in self.db.port_get_all(filters={'device_id':
                                                  [instance['uuid']]}):
            for ip in port['fixed_ips']:
                if fixed_address in (None, ip['ip_address']):
                    return port, ip['ip_address']
        return None
