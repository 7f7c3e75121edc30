"""What the network API, the conductor and nube-manage call.

``CellNetworks`` works on one cell's database (the conductor's build path
uses it directly); ``API`` (nube/network/cells.py, re-exported here) runs
the same operations in the cell that holds a resource (the
Neutron-compatible WSGI app uses it). Every change that alters what a
host serves (a port, a subnet, a network) is cast to the cell's
nube-network, which also resyncs every [network] sync_interval seconds,
so a lost cast delays DHCP by at most that long.

Visibility follows Neutron: a project sees its own networks and the
shared or external ones, its own subnets and those of the networks it
sees, and only its own ports; an admin sees everything. What a project
may not see answers 404.
"""

import ipaddress

from oslo_log import log as logging
from oslo_utils import uuidutils

import nube.conf
from nube.network import cells
from nube.network import exceptions as net_exc
from nube.network import floating
from nube.network import quotas
from nube.network import resources
from nube.network import rpcapi as network_rpcapi
from nube.network import security_groups
from nube.network import servers

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# The network API across cells (nube/network/cells.py), imported as
# nube.network.api.API by its callers.
API = cells.API

# GET /limits and the quota sets count floating IPs and security groups
# over every cell.
quotas.register()

BRIDGE_NAME_MAX = 15


def _viewer(ctxt):
    """The project whose view applies (None: an admin sees all)."""
    return None if ctxt.is_admin else ctxt.project_id


_NETWORK_COLUMNS = {'id': 'uuid', 'name': 'name', 'tenant_id': 'project_id',
                    'project_id': 'project_id', 'shared': 'shared',
                    'router:external': 'external',
                    'admin_state_up': 'admin_state_up', 'mtu': 'mtu',
                    'provider:network_type': 'network_type',
                    'provider:segmentation_id': 'vlan',
                    'provider:physical_network': 'physical_network',
                    'description': 'description'}
_SUBNET_COLUMNS = {'id': 'uuid', 'name': 'name', 'network_id':
                   'network_uuid', 'tenant_id': 'project_id',
                   'project_id': 'project_id', 'cidr': 'cidr',
                   'gateway_ip': 'gateway_ip', 'enable_dhcp': 'enable_dhcp',
                   'description': 'description'}
_PORT_COLUMNS = {'id': 'uuid', 'name': 'name', 'network_id': 'network_uuid',
                 'tenant_id': 'project_id', 'project_id': 'project_id',
                 'mac_address': 'mac_address', 'device_id': 'device_id',
                 'device_owner': 'device_owner', 'binding:host_id': 'host',
                 'admin_state_up': 'admin_state_up',
                 'description': 'description'}


class CellNetworks(servers.ServerNetworksMixin, floating.FloatingIpsMixin,
                   security_groups.SecurityGroupsMixin):
    """Networks, subnets, ports, floating IPs and security groups of one
    cell."""

    def __init__(self, db, transport_url=None):
        self.db = db
        self._transport_url = transport_url
        self._rpc = None
        # project -> (its default security group, trusted until).
        self._default_groups = {}

    # -- telling nube-network ----------------------------------------------

    def notify(self, ctxt, network_ids):
        """Cast the networks whose host state changed (best effort: the
        periodic sync catches up on a lost cast)."""
        network_ids = sorted(set(network_ids))
        if not network_ids:
            return
        try:
            if self._rpc is None:
                self._rpc = network_rpcapi.NetworkAPI(self._transport_url)
            self._rpc.refresh(ctxt, network_ids)
        except Exception:
            LOG.exception('Could not tell nube-network about networks %s; '
                          'its next sync applies them', network_ids)

    # -- networks ----------------------------------------------------------

    def create_network(self, ctxt, values, bridge=None, bridge_interface=None,
                       multi_host=None):
        values = dict(values)
        network_type = values.get('provider:network_type') or \
            servers.default_network_type()
        vlan = values.get('provider:segmentation_id')
        if network_type == 'vlan':
            if vlan is None:
                vlan = self._free_vlan()
            bridge = bridge or '%s%d' % (CONF.network.vlan_bridge_prefix,
                                         vlan)
        elif vlan is not None:
            raise net_exc.InvalidInput(
                error_message='segmentation_id requires network type vlan')
        uuid = uuidutils.generate_uuid()
        if not bridge:
            # [network] flat_network_bridge is the cell default network's
            # (it names it explicitly); FlatManager's operator-made bridge
            # also goes to the first network without one. Others get a
            # bridge of their own.
            bridge = CONF.network.flat_network_bridge
            if CONF.network.network_manager != 'flat' or \
                    values.get('router:external') or \
                    bridge in self.db.network_used_values('bridge'):
                bridge = ('nbr' + uuid.replace('-', ''))[:BRIDGE_NAME_MAX]
        row = {
            'uuid': uuid, 'name': values.get('name') or '',
            'description': values.get('description') or '',
            'project_id': resources.owner(ctxt, values),
            'shared': bool(values.get('shared', False)),
            'external': bool(values.get('router:external', False)),
            'admin_state_up': bool(values.get('admin_state_up', True)),
            'mtu': values.get('mtu') or 1500,
            'network_type': network_type,
            'physical_network': values.get('provider:physical_network'),
            'vlan': vlan, 'bridge': bridge,
            'bridge_interface': bridge_interface or (
                CONF.network.vlan_interface if network_type == 'vlan'
                else CONF.network.flat_interface),
            'multi_host': CONF.network.multi_host if multi_host is None
            else bool(multi_host),
        }
        created = self.db.network_create(row)
        self.notify(ctxt, [uuid])
        return resources.network(created)

    def _free_vlan(self):
        used = self.db.network_used_values('vlan')
        for vlan in range(CONF.network.vlan_start, 4095):
            if vlan not in used:
                return vlan
        raise net_exc.Conflict('No VLAN id left for a new network.')

    def _network_row(self, ctxt, net_id):
        row = self.db.network_get(net_id)
        viewer = _viewer(ctxt)
        if viewer is not None and row['project_id'] != viewer and not (
                row['shared'] or row['external']):
            raise net_exc.NetworkNotFound(net_id=net_id)
        return row

    def _own_network_row(self, ctxt, net_id):
        """A network the caller may change (its own; an admin: any)."""
        row = self._network_row(ctxt, net_id)
        viewer = _viewer(ctxt)
        if viewer is not None and row['project_id'] != viewer:
            raise net_exc.PolicyNotAuthorized(action='update_network')
        return row

    def _with_subnets(self, rows):
        subnets = {}
        if rows:
            for subnet in self.db.subnet_get_all(
                    network_uuids=[row['uuid'] for row in rows]):
                subnets.setdefault(subnet['network_uuid'], []).append(
                    subnet['uuid'])
        return [resources.network(row, subnets.get(row['uuid'], ()))
                for row in rows]

    def get_network(self, ctxt, net_id):
        return self._with_subnets([self._network_row(ctxt, net_id)])[0]

    def list_networks(self, ctxt, filters=None):
        rows = self.db.network_get_all(
            project_id=_viewer(ctxt),
            filters=resources.column_filters(filters, _NETWORK_COLUMNS))
        return self._with_subnets(rows)

    def update_network(self, ctxt, net_id, values):
        self._own_network_row(ctxt, net_id)
        changes = {}
        for key, column in (('name', 'name'), ('description', 'description'),
                            ('admin_state_up', 'admin_state_up'),
                            ('shared', 'shared'), ('mtu', 'mtu'),
                            ('router:external', 'external')):
            if key in values:
                changes[column] = values[key]
        self.db.network_update(net_id, changes)
        self.notify(ctxt, [net_id])
        return self.get_network(ctxt, net_id)

    def delete_network(self, ctxt, net_id):
        self._own_network_row(ctxt, net_id)
        self.db.network_delete(net_id)
        self.notify(ctxt, [net_id])

    # -- subnets -----------------------------------------------------------

    def create_subnet(self, ctxt, values):
        net_row = self._network_row(ctxt, values['network_id'])
        viewer = _viewer(ctxt)
        if viewer is not None and net_row['project_id'] != viewer:
            # Neutron: only the network's owner adds subnets to it.
            raise net_exc.NetworkNotFound(net_id=values['network_id'])
        if values.get('ip_version', 4) != 4:
            raise net_exc.InvalidInput(error_message='IPv6 is not supported '
                                                     'by nube')
        net, cidr = resources.parse_cidr(values['cidr'])
        gateway_ip = resources.gateway(net, values.get('gateway_ip'),
                                       'gateway_ip' in values)
        row = {
            'uuid': uuidutils.generate_uuid(),
            'network_uuid': net_row['uuid'],
            'project_id': resources.owner(ctxt, values),
            'name': values.get('name') or '',
            'description': values.get('description') or '',
            'cidr': cidr, 'gateway_ip': gateway_ip,
            'enable_dhcp': bool(values.get('enable_dhcp', True)),
            'dns_nameservers': resources.nameservers(
                values.get('dns_nameservers')),
            'host_routes': resources.host_routes(values.get('host_routes')),
            'allocation_pools': resources.pools(
                net, gateway_ip, values.get('allocation_pools')),
        }
        created = self.db.subnet_create(row)
        self.notify(ctxt, [net_row['uuid']])
        return resources.subnet(created)

    def _subnet_row(self, ctxt, subnet_id):
        """A subnet the caller may see: its own, or one of a network it
        owns or that is shared (an external network's subnets are only
        its owner's, as in Neutron)."""
        row = self.db.subnet_get(subnet_id)
        viewer = _viewer(ctxt)
        if viewer is not None and row['project_id'] != viewer:
            net = self.db.network_get(row['network_uuid'])
            if net['project_id'] != viewer and not net['shared']:
                raise net_exc.SubnetNotFound(subnet_id=subnet_id)
        return row

    def get_subnet(self, ctxt, subnet_id):
        return resources.subnet(self._subnet_row(ctxt, subnet_id))

    def list_subnets(self, ctxt, filters=None):
        viewer = _viewer(ctxt)
        network_uuids = None
        if viewer is not None:
            network_uuids = [row['uuid'] for row in self.db.network_get_all(
                project_id=viewer) if row['project_id'] == viewer or
                row['shared']]
        rows = self.db.subnet_get_all(
            network_uuids=network_uuids, project_id=viewer,
            filters=resources.column_filters(filters, _SUBNET_COLUMNS))
        return [resources.subnet(row) for row in rows]

    def update_subnet(self, ctxt, subnet_id, values):
        row = self._subnet_row(ctxt, subnet_id)
        viewer = _viewer(ctxt)
        if viewer is not None and row['project_id'] != viewer:
            raise net_exc.PolicyNotAuthorized(action='update_subnet')
        net, _cidr = resources.parse_cidr(row['cidr'])
        changes = {key: values[key] for key in ('name', 'description',
                                                'enable_dhcp')
                   if key in values}
        gateway_ip = row['gateway_ip']
        if 'gateway_ip' in values:
            gateway_ip = changes['gateway_ip'] = resources.gateway(
                net, values['gateway_ip'], True)
        if 'dns_nameservers' in values:
            changes['dns_nameservers'] = resources.nameservers(
                values['dns_nameservers'])
        if 'host_routes' in values:
            changes['host_routes'] = resources.host_routes(
                values['host_routes'])
        if 'allocation_pools' in values:
            changes['allocation_pools'] = resources.pools(
                net, gateway_ip, values['allocation_pools'])
        elif 'gateway_ip' in values:
            for pool in row['allocation_pools']:
                resources.pools(net, gateway_ip, [pool])
        updated = self.db.subnet_update(subnet_id, changes)
        self.notify(ctxt, [row['network_uuid']])
        return resources.subnet(updated)

    def delete_subnet(self, ctxt, subnet_id):
        row = self._subnet_row(ctxt, subnet_id)
        viewer = _viewer(ctxt)
        if viewer is not None and row['project_id'] != viewer:
            raise net_exc.PolicyNotAuthorized(action='delete_subnet')
        self.db.subnet_delete(subnet_id)
        self.notify(ctxt, [row['network_uuid']])

    # -- ports -------------------------------------------------------------

    def _ip_requests(self, net_row, fixed_ips, subnets=None):
        """[{'subnet', 'ip_address'}] for a port's fixed_ips (None: one
        address from the network's first subnet); ``subnets``: the
        network's, when already read."""
        if subnets is None:
            subnets = self.db.subnet_get_all(network_uuids=[net_row['uuid']])
        by_id = {subnet['uuid']: subnet for subnet in subnets}
        if fixed_ips is None:
            return [{'subnet': subnets[0]}] if subnets else []
        requests = []
        for item in fixed_ips:
            subnet = None
            if item.get('subnet_id'):
                subnet = by_id.get(item['subnet_id'])
                if subnet is None:
                    raise net_exc.InvalidInput(
                        error_message='Failed to create port on network %s, '
                                      'because fixed_ips included invalid '
                                      'subnet %s' % (net_row['uuid'],
                                                     item['subnet_id']))
            elif item.get('ip_address'):
                subnet = _subnet_holding(subnets, item['ip_address'])
                if subnet is None:
                    raise net_exc.InvalidInput(
                        error_message='IP address %s is not a valid IP for '
                                      'any of the subnets on the specified '
                                      'network.' % item['ip_address'])
            else:
                raise net_exc.InvalidInput(
                    error_message='fixed_ips entries need a subnet_id or an '
                                  'ip_address')
            requests.append({'subnet': subnet,
                             'ip_address': item.get('ip_address')})
        return requests

    def create_port(self, ctxt, values, auto_delete=False):
        net_row = self._network_row(ctxt, values['network_id'])
        if self.db.port_count(net_row['uuid']) >= \
                CONF.network.max_ports_per_network:
            raise net_exc.IpAddressGenerationFailure(net_id=net_row['uuid'])
        row = resources.port_values(ctxt, values, net_row, auto_delete)
        groups = self.port_groups(ctxt, row['project_id'],
                                  values.get('security_groups'),
                                  row['device_owner'])
        created = self.db.port_create(
            row, self._ip_requests(net_row, values.get('fixed_ips')),
            CONF.network.mac_prefix, security_groups=groups)
        self.notify(ctxt, [net_row['uuid']])
        return resources.port(created)

    def _port_row(self, ctxt, port_id):
        row = self.db.port_get(port_id)
        viewer = _viewer(ctxt)
        if viewer is not None and row['project_id'] != viewer:
            raise net_exc.PortNotFound(port_id=port_id)
        return row

    def get_port(self, ctxt, port_id):
        return resources.port(self._port_row(ctxt, port_id))

    def list_ports(self, ctxt, filters=None):
        filters = dict(filters or {})
        ip_filters = filters.pop('fixed_ips', None)
        rows = self.db.port_get_all(
            project_id=_viewer(ctxt),
            filters=resources.column_filters(filters, _PORT_COLUMNS),
            ip_filters=ip_filters)
        return [resources.port(row) for row in rows]

    def update_port(self, ctxt, port_id, values, expected_device_id=None):
        row = self._port_row(ctxt, port_id)
        changes = {}
        for key, column in (('name', 'name'), ('description', 'description'),
                            ('admin_state_up', 'admin_state_up'),
                            ('device_id', 'device_id'),
                            ('device_owner', 'device_owner'),
                            ('mac_address', 'mac_address'),
                            ('binding:host_id', 'host')):
            if key in values:
                changes[column] = values[key] if values[key] != '' or \
                    column != 'host' else None
        ip_requests = None
        if values.get('fixed_ips') is not None:
            net_row = self.db.network_get(row['network_uuid'])
            ip_requests = self._ip_requests(net_row, values['fixed_ips'])
        groups = None
        if values.get('security_groups') is not None:
            groups = self.port_groups(ctxt, row['project_id'],
                                      values['security_groups'])
        updated = self.db.port_update(port_id, changes, ip_requests,
                                      CONF.network.mac_prefix,
                                      expected_device_id=expected_device_id,
                                      security_groups=groups)
        self.notify(ctxt, [row['network_uuid']])
        return resources.port(updated)

    def delete_port(self, ctxt, port_id):
        row = self._port_row(ctxt, port_id)
        self.db.port_delete(port_id)
        self.notify(ctxt, [row['network_uuid']])


def _subnet_holding(subnets, address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise net_exc.InvalidInput(error_message="'%s' is not a valid IP "
                                                 "address" % address)
    for subnet in subnets:
        if ip in ipaddress.ip_network(subnet['cidr']):
            return subnet
    return None

