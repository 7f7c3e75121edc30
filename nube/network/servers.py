"""The network side of a server's life: the ports of a build, released
on delete or failure, and what ``networks: auto`` means.

A mixin of nube/network/api.py's CellNetworks (one cell's networks).
"""

import ipaddress
import time

from nube import context
import nube.conf
from nube.network import exceptions as net_exc
from nube.network import resources

CONF = nube.conf.CONF

DEVICE_OWNER_COMPUTE = 'compute:nova'
# Free ranges a project network's first subnet tries when concurrent first
# boots of other projects take them.
VLAN_CIDR_ATTEMPTS = 5


def default_network_type():
    """What [network] network_manager makes when no type is asked for."""
    return 'vlan' if CONF.network.network_manager == 'vlan' else 'flat'


def _vif(port, net_row, subnets):
    """One network_info entry (what virt drivers plug) for a port."""
    fixed = port['fixed_ips'][0] if port['fixed_ips'] else None
    subnet = subnets.get(fixed['subnet_id']) if fixed else None
    return {
        'port_id': port['uuid'], 'network_id': net_row['uuid'],
        'network_label': net_row['name'], 'bridge': net_row['bridge'],
        'mac': port['mac_address'],
        'address': fixed['ip_address'] if fixed else None,
        'cidr': subnet['cidr'] if subnet else None,
        'gateway': subnet['gateway_ip'] if subnet else None,
        'dns': list(subnet['dns_nameservers']) if subnet else [],
        'dhcp': bool(subnet and subnet['enable_dhcp'] and
                     CONF.network.network_manager != 'flat'),
        'mtu': net_row['mtu'], 'network_type': net_row['network_type'],
        'vlan': net_row['vlan'],
        'bridge_interface': net_row['bridge_interface'],
    }



class ServerNetworksMixin:

    def network_info(self, ports, nets=None, subnets=None):
        """network_info (one dict per port) of port rows. ``nets`` (uuid
        -> row) and ``subnets`` (network uuid -> rows) already read are
        not read again."""
        nets, subnets = dict(nets or {}), dict(subnets or {})
        by_id = {}
        for port in ports:
            net_id = port['network_uuid']
            if net_id not in nets:
                nets[net_id] = self.db.network_get(net_id)
            if net_id not in subnets:
                subnets[net_id] = self.db.subnet_get_all(
                    network_uuids=[net_id])
            by_id.update((s['uuid'], s) for s in subnets[net_id])
        return [_vif(port, nets[port['network_uuid']], by_id)
                for port in ports]

    def allocate_for_instance(self, ctxt, instance, requested, host):
        """Ports for a server being built on ``host``, as network_info.

        ``requested``: 'auto', 'none' or [{'uuid'?, 'fixed_ip'?,
        'port'?}] as the compute API took it. Idempotent: a server that
        already holds ports gets those back. All or nothing: the ports
        made by a call that fails are removed again.
        """
        existing = self.db.port_get_all(filters={'device_id':
                                                 [instance['uuid']]})
        if existing or requested == 'none':
            return self.network_info(existing)
        # The server's project, with the requester's rights: a user may
        # only use networks and ports its project may see.
        owner = context.RequestContext(
            user_id=instance.get('user_id'),
            project_id=instance['project_id'], is_admin=ctxt.is_admin)
        binding = {'device_id': instance['uuid'],
                   'device_owner': DEVICE_OWNER_COMPUTE,
                   'binding:host_id': host,
                   'project_id': instance['project_id']}
        groups = self._server_groups(owner, instance)
        # Rows read once per call: the network info at the end reuses them.
        nets, subnets = {}, {}
        if requested in (None, 'auto'):
            default = self.default_network(owner)
            nets[default['uuid']] = default
            requested = [{'uuid': default['uuid']}]
        made, bound, changed = [], [], set()
        try:
            for entry in requested:
                if entry.get('port'):
                    port = self._port_row(owner, entry['port'])
                    if port['device_id']:
                        raise net_exc.PortInUse(
                            port_id=port['uuid'], net_id=port['network_uuid'],
                            device_id=port['device_id'])
                    self.db.port_update(
                        port['uuid'], {'device_id': instance['uuid'],
                                       'device_owner': DEVICE_OWNER_COMPUTE,
                                       'host': host},
                        expected_device_id='')
                    bound.append(port['uuid'])
                    changed.add(port['network_uuid'])
                    continue
                values = dict(binding, network_id=entry['uuid'])
                if entry.get('fixed_ip'):
                    values['fixed_ips'] = [{'ip_address': entry['fixed_ip']}]
                net_row = nets.get(entry['uuid']) or self._network_row(
                    owner, entry['uuid'])
                nets[net_row['uuid']] = net_row
                if net_row['uuid'] not in subnets:
                    subnets[net_row['uuid']] = self.db.subnet_get_all(
                        network_uuids=[net_row['uuid']])
                port = self.db.port_create(
                    resources.port_values(owner, values, net_row,
                                          auto_delete=True),
                    self._ip_requests(net_row, values.get('fixed_ips'),
                                      subnets[net_row['uuid']]),
                    CONF.network.mac_prefix, security_groups=groups)
                made.append(port)
                changed.add(net_row['uuid'])
        except Exception:
            self._undo([port['uuid'] for port in made], bound)
            raise
        self.notify(ctxt, changed)
        if bound:
            return self.network_info(self.db.port_get_all(
                filters={'device_id': [instance['uuid']]}), nets, subnets)
        return self.network_info(made, nets, subnets)

    def _server_groups(self, owner, instance):
        """The group ids the server's new ports get: the names its
        create asked for (system_metadata), the project's default if
        none."""
        names = (instance.get('system_metadata') or {}).get(
            'security_groups') or ['default']
        if names == ['default']:
            return [self.default_security_group(instance['project_id'])]
        return self.find_security_groups(owner, names,
                                         project_id=instance['project_id'])

    def attach(self, ctxt, instance, entry):
        """Bind a port ({'port'}) or make one on a network ({'uuid',
        'fixed_ip'?}) for a server that exists; the Neutron port."""
        owner = context.RequestContext(
            user_id=instance.get('user_id'),
            project_id=instance['project_id'], is_admin=ctxt.is_admin)
        if entry.get('port'):
            port = self._port_row(owner, entry['port'])
            if port['device_id']:
                raise net_exc.PortInUse(port_id=port['uuid'],
                                        net_id=port['network_uuid'],
                                        device_id=port['device_id'])
            self.db.port_update(port['uuid'], {
                'device_id': instance['uuid'],
                'device_owner': DEVICE_OWNER_COMPUTE,
                'host': instance.get('host')}, expected_device_id='')
            self.notify(ctxt, [port['network_uuid']])
            return self.get_port(owner, port['uuid'])
        values = {'network_id': entry['uuid'],
                  'device_id': instance['uuid'],
                  'device_owner': DEVICE_OWNER_COMPUTE,
                  'binding:host_id': instance.get('host'),
                  'project_id': instance['project_id']}
        if entry.get('fixed_ip'):
            values['fixed_ips'] = [{'ip_address': entry['fixed_ip']}]
        return self.create_port(owner, values, auto_delete=True)

    def detach(self, ctxt, instance, port_id):
        """Release one port of a server: nube's is deleted, a user's
        unbound. PortNotFound when the server does not hold it."""
        port = self.db.port_get(port_id)
        if port['device_id'] != instance['uuid']:
            raise net_exc.PortNotFound(port_id=port_id)
        if port['auto_delete']:
            self.db.port_delete(port_id)
        else:
            self.db.port_update(port_id, {'device_id': '', 'device_owner': '',
                                          'host': None},
                                expected_device_id=instance['uuid'])
        self.notify(ctxt, [port['network_uuid']])

    def _undo(self, made, bound):
        for port_id in made:
            try:
                self.db.port_delete(port_id)
            except net_exc.PortNotFound:
                pass
        for port_id in bound:
            self.db.port_update(port_id, {'device_id': '', 'device_owner': '',
                                          'host': None})

    def deallocate_for_instance(self, ctxt, instance_uuid):
        """Release a server's ports (a failed build): nube's are deleted,
        the user's unbound."""
        changed = self.db.ports_release_device(instance_uuid)
        self.notify(ctxt, changed)

    def default_network(self, ctxt):
        """The network ``networks: auto`` means for ctxt's project: its own
        (VlanManager makes it on the project's first boot), else a shared
        one, else the cell's default network, made on first use."""
        rows = self.db.network_get_all(project_id=ctxt.project_id)
        own = [r for r in rows if r['project_id'] == ctxt.project_id
               and not r['external']]
        shared = [r for r in rows if r['shared'] and not r['external']]
        for candidates in (own, shared):
            if len(candidates) == 1:
                chosen = candidates[0]
                made_for_boots = chosen['name'] in (
                    CONF.network.label, '%s-net' % ctxt.project_id)
                if made_for_boots and not self.db.subnet_get_all(
                        network_uuids=[chosen['uuid']]):
                    # A concurrent first boot made it and is still
                    # giving it its subnet.
                    return self._made_meanwhile(
                        lambda r: r['uuid'] == chosen['uuid'])
                return chosen
            if len(candidates) > 1:
                raise net_exc.Conflict(
                    'Multiple possible networks found, use a Network ID to '
                    'be more specific.')
        if default_network_type() == 'vlan':
            return self._project_network(ctxt)
        return self._cell_default_network(ctxt)

    def _project_network(self, ctxt):
        def mine(row):
            return row['project_id'] == ctxt.project_id and \
                row['network_type'] == 'vlan'
        try:
            net = self.create_network(
                ctxt, {'name': '%s-net' % ctxt.project_id,
                       'project_id': ctxt.project_id,
                       'provider:network_type': 'vlan'})
        except net_exc.Conflict:
            return self._made_meanwhile(mine)
        # Another project's first boot may take the free range first: the
        # next free one then.
        for attempt in range(VLAN_CIDR_ATTEMPTS):
            try:
                self._first_subnet(ctxt.elevated(), net, {
                    'name': '%s-subnet' % net['name'],
                    'cidr': self._free_vlan_cidr(),
                    'project_id': ctxt.project_id},
                    keep_network=attempt + 1 < VLAN_CIDR_ATTEMPTS)
                break
            except net_exc.OverlappingCidr:
                if attempt + 1 == VLAN_CIDR_ATTEMPTS:
                    raise
        return self.db.network_get(net['id'])

    def _first_subnet(self, admin, net, values, keep_network=False):
        """The subnet of a network made for a boot; the network goes
        again when that fails (nothing half-made is left), unless the
        caller tries another range (an overlap, ``keep_network``)."""
        try:
            self.create_subnet(admin, dict(values, network_id=net['id']))
        except net_exc.OverlappingCidr:
            if not keep_network:
                self.db.network_delete(net['id'])
            raise
        except Exception:
            self.db.network_delete(net['id'])
            raise

    def _made_meanwhile(self, wanted, timeout=10.0):
        """The network a concurrent boot made (it lost the unique bridge
        or VLAN to it), once that boot gave it its subnet."""
        deadline = time.monotonic() + timeout
        while True:
            rows = [r for r in self.db.network_get_all() if wanted(r)]
            if rows and self.db.subnet_get_all(
                    network_uuids=[rows[0]['uuid']]):
                return rows[0]
            if time.monotonic() > deadline:
                raise net_exc.Conflict('The network a concurrent boot was '
                                       'making did not appear in time.')
            time.sleep(0.05)

    def _free_vlan_cidr(self):
        size = CONF.network.vlan_network_size
        prefix = 32 - (size - 1).bit_length()
        pool = ipaddress.ip_network(CONF.network.vlan_fixed_range)
        used = [ipaddress.ip_network(c)
                for c in self.db.network_used_values('cidr')]
        for candidate in pool.subnets(new_prefix=prefix):
            if not any(candidate.overlaps(other) for other in used):
                return str(candidate)
        raise net_exc.IpAddressGenerationFailure(
            net_id=CONF.network.vlan_fixed_range)

    def _cell_default_network(self, ctxt):
        """The cell's shared default network on [network]
        flat_network_bridge: the unique bridge makes concurrent first
        boots agree on one."""
        def default(row):
            return row['shared'] and row['name'] == CONF.network.label
        admin = ctxt.elevated()
        try:
            net = self.create_network(
                admin, {'name': CONF.network.label, 'shared': True,
                        'project_id': ctxt.project_id},
                bridge=CONF.network.flat_network_bridge)
        except net_exc.Conflict:
            return self._made_meanwhile(default)
        self._first_subnet(admin, net, {'name': CONF.network.label,
                                        'cidr': CONF.network.fixed_range})
        return self.db.network_get(net['id'])
