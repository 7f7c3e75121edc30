"""Tests of the network API's WSGI layer (nube/network/neutron).

``FakeNetworkAPI`` is a small in-memory stand-in for nube.network.api:
these tests are about the handlers' HTTP behaviour (shapes, errors,
policy, query parsing, pagination), not storage, so a dict-backed fake
of the API's contract keeps them fast and independent of the database.
The same tests run against the real API on SQLite where it is
available (test_real_api.py).
"""

import ipaddress
import json
import uuid

import pytest
import webob

from nube.network import exceptions
from nube.network.neutron import app as network_app
from nube import policy


NOW = '2024-01-01T00:00:00Z'


def _visible_project(ctxt, item):
    return ctxt.is_admin or item['project_id'] == ctxt.project_id


def _matches(item, filters):
    for key, values in (filters or {}).items():
        if key == 'fixed_ips':
            if not any(all(fixed_ip.get(k) == v for k, v in wanted.items())
                       for wanted in values
                       for fixed_ip in item['fixed_ips']):
                return False
            continue
        value = item.get(key)
        if isinstance(value, bool) or value is None:
            if value not in values:
                return False
        elif value not in values and str(value) not in values:
            return False
    return True


class FakeNetworkAPI:
    """nube.network.api.API's contract, in memory."""

    def __init__(self):
        self.networks = {}
        self.subnets = {}
        self.ports = {}
        self.floatingips = {}
        self.security_groups = {}
        self.security_group_rules = {}
        self.calls = []
        self.fail_create = None     # a name whose create raises

    # networks

    def _network_visible(self, ctxt, net):
        return _visible_project(ctxt, net) or net['shared'] or \
            net['router:external']

    def list_networks(self, ctxt, filters=None):
        self.calls.append(('list_networks', filters))
        return [dict(n) for n in self.networks.values()
                if self._network_visible(ctxt, n) and _matches(n, filters)]

    def get_network(self, ctxt, net_id):
        net = self.networks.get(net_id)
        if net is None or not self._network_visible(ctxt, net):
            raise exceptions.NetworkNotFound(net_id=net_id)
        return dict(net)

    def create_network(self, ctxt, values):
        self.calls.append(('create_network', dict(values)))
        if self.fail_create and values.get('name') == self.fail_create:
            raise exceptions.VlanIdInUse(vlan_id=5, physical_network='p')
        net_id = str(uuid.uuid4())
        net = {
            'id': net_id, 'name': '', 'admin_state_up': True,
            'status': 'ACTIVE', 'subnets': [], 'shared': False,
            'router:external': False, 'mtu': 1500, 'description': '',
            'availability_zones': [], 'availability_zone_hints': [],
            'created_at': NOW, 'updated_at': NOW, 'revision_number': 1,
            'tags': [], 'port_security_enabled': True,
            'ipv4_address_scope': None, 'ipv6_address_scope': None,
            'is_default': False, 'l2_adjacency': True,
            'provider:network_type': 'flat',
            'provider:physical_network': 'physnet1',
            'provider:segmentation_id': None}
        net.update(values)
        self.networks[net_id] = net
        return dict(net)

    def update_network(self, ctxt, net_id, values):
        self.calls.append(('update_network', dict(values)))
        net = self.networks[net_id]
        net.update(values)
        net['revision_number'] += 1
        return dict(net)

    def delete_network(self, ctxt, net_id):
        self.calls.append(('delete_network', net_id))
        if any(p['network_id'] == net_id for p in self.ports.values()):
            raise exceptions.NetworkInUse(net_id=net_id)
        for subnet_id in self.networks[net_id]['subnets']:
            del self.subnets[subnet_id]
        del self.networks[net_id]

    # subnets

    def _subnet_visible(self, ctxt, subnet):
        return _visible_project(ctxt, subnet) or \
            self.networks[subnet['network_id']]['shared']

    def list_subnets(self, ctxt, filters=None):
        self.calls.append(('list_subnets', filters))
        return [dict(s) for s in self.subnets.values()
                if self._subnet_visible(ctxt, s) and _matches(s, filters)]

    def get_subnet(self, ctxt, subnet_id):
        subnet = self.subnets.get(subnet_id)
        if subnet is None or not self._subnet_visible(ctxt, subnet):
            raise exceptions.SubnetNotFound(subnet_id=subnet_id)
        return dict(subnet)

    def create_subnet(self, ctxt, values):
        self.calls.append(('create_subnet', dict(values)))
        net = self.get_network(ctxt, values['network_id'])
        cidr = ipaddress.ip_network(values['cidr'])
        for other in self.subnets.values():
            if other['network_id'] == net['id'] and \
                    ipaddress.ip_network(other['cidr']).overlaps(cidr):
                raise exceptions.OverlappingCidr(cidr=values['cidr'],
                                                 net_id=net['id'])
        hosts = list(cidr.hosts())
        subnet_id = str(uuid.uuid4())
        subnet = {
            'id': subnet_id, 'name': '', 'gateway_ip': str(hosts[0]),
            'allocation_pools': [{'start': str(hosts[1]),
                                  'end': str(hosts[-1])}],
            'dns_nameservers': [], 'host_routes': [], 'enable_dhcp': True,
            'ipv6_ra_mode': None, 'ipv6_address_mode': None,
            'subnetpool_id': None, 'description': '', 'service_types': [],
            'created_at': NOW, 'updated_at': NOW, 'revision_number': 0,
            'tags': []}
        subnet.update(values)
        self.subnets[subnet_id] = subnet
        self.networks[net['id']]['subnets'].append(subnet_id)
        return dict(subnet)

    def update_subnet(self, ctxt, subnet_id, values):
        subnet = self.subnets[subnet_id]
        subnet.update(values)
        return dict(subnet)

    def delete_subnet(self, ctxt, subnet_id):
        if any(f['subnet_id'] == subnet_id for p in self.ports.values()
               for f in p['fixed_ips']):
            raise exceptions.SubnetInUse(subnet_id=subnet_id)
        subnet = self.subnets.pop(subnet_id)
        self.networks[subnet['network_id']]['subnets'].remove(subnet_id)

    # ports

    def _port_visible(self, ctxt, port):
        net = self.networks[port['network_id']]
        return _visible_project(ctxt, port) or \
            net['project_id'] == ctxt.project_id

    def list_ports(self, ctxt, filters=None):
        self.calls.append(('list_ports', filters))
        return [dict(p) for p in self.ports.values()
                if self._port_visible(ctxt, p) and _matches(p, filters)]

    def get_port(self, ctxt, port_id):
        port = self.ports.get(port_id)
        if port is None or not self._port_visible(ctxt, port):
            raise exceptions.PortNotFound(port_id=port_id)
        return dict(port)

    def _allocate(self, net, wanted):
        used = {f['ip_address'] for p in self.ports.values()
                for f in p['fixed_ips']}
        fixed_ips = []
        for entry in wanted or [{}]:
            subnet_id = entry.get('subnet_id') or net['subnets'][0]
            subnet = self.subnets[subnet_id]
            address = entry.get('ip_address')
            if address is None:
                address = next(str(a) for a in ipaddress.ip_network(
                    subnet['cidr']).hosts() if str(a) not in used and
                    str(a) != subnet['gateway_ip'])
            elif address in used:
                raise exceptions.IpAddressInUse(net_id=net['id'],
                                                ip_address=address)
            used.add(address)
            fixed_ips.append({'subnet_id': subnet_id, 'ip_address': address})
        return fixed_ips

    def create_port(self, ctxt, values):
        self.calls.append(('create_port', dict(values)))
        if self.fail_create and values.get('name') == self.fail_create:
            raise exceptions.MacAddressInUse(net_id='n', mac='m')
        net = self.get_network(ctxt, values['network_id'])
        values = dict(values)
        if 'security_groups' in values:
            self._check_groups(ctxt, values['security_groups'])
        elif not values.get('device_owner', '').startswith('network:'):
            project = values.get('project_id') or ctxt.project_id
            values['security_groups'] = [self._default_group(project)['id']]
        fixed_ips = self._allocate(net, values.pop('fixed_ips', None)) \
            if net['subnets'] else []
        port_id = str(uuid.uuid4())
        port = {
            'id': port_id, 'name': '', 'admin_state_up': True,
            'mac_address': 'fa:16:3e:00:00:%02x' % (len(self.ports) % 256),
            'fixed_ips': fixed_ips, 'device_id': '', 'device_owner': '',
            'status': 'DOWN', 'security_groups': [],
            'allowed_address_pairs': [], 'extra_dhcp_opts': [],
            'description': '', 'binding:vnic_type': 'normal',
            'binding:host_id': '', 'binding:vif_type': 'unbound',
            'binding:vif_details': {}, 'binding:profile': {},
            'port_security_enabled': True, 'created_at': NOW,
            'updated_at': NOW, 'revision_number': 1, 'tags': []}
        port.update(values)
        self.ports[port_id] = port
        return dict(port)

    def update_port(self, ctxt, port_id, values):
        self.calls.append(('update_port', dict(values)))
        port = self.ports[port_id]
        values = dict(values)
        if 'security_groups' in values:
            self._check_groups(ctxt, values['security_groups'])
        if 'fixed_ips' in values:
            net = self.networks[port['network_id']]
            port['fixed_ips'] = []
            port['fixed_ips'] = self._allocate(net, values.pop('fixed_ips'))
        port.update(values)
        return dict(port)

    def delete_port(self, ctxt, port_id):
        self.calls.append(('delete_port', port_id))
        del self.ports[port_id]
        for fip in self.floatingips.values():
            if fip['port_id'] == port_id:
                fip.update(port_id=None, fixed_ip_address=None,
                           status='DOWN')

    # floating IPs

    def list_floatingips(self, ctxt, filters=None):
        self.calls.append(('list_floatingips', filters))
        return [dict(f) for f in self.floatingips.values()
                if _visible_project(ctxt, f) and _matches(f, filters)]

    def get_floatingip(self, ctxt, fip_id):
        fip = self.floatingips.get(fip_id)
        if fip is None or not _visible_project(ctxt, fip):
            raise exceptions.FloatingIPNotFound(floatingip_id=fip_id)
        return dict(fip)

    def _used_addresses(self):
        return {f['ip_address'] for p in self.ports.values()
                for f in p['fixed_ips']} | {
            f['floating_ip_address'] for f in self.floatingips.values()}

    def _association(self, ctxt, fip_id, values):
        """(port_id, fixed_ip_address) the values ask for."""
        port = self.get_port(ctxt, values['port_id'])
        addresses = [f['ip_address'] for f in port['fixed_ips']]
        fixed = values.get('fixed_ip_address') or (
            addresses[0] if addresses else None)
        if fixed not in addresses:
            raise exceptions.BadFloatingIPRequest(
                reason='Port %s does not have fixed ip %s' % (port['id'],
                                                              fixed))
        for other in self.floatingips.values():
            if other['id'] != fip_id and other['port_id'] == port['id'] \
                    and other['fixed_ip_address'] == fixed:
                raise exceptions.FloatingIPPortAlreadyAssociated(
                    floating_ip_address=other['floating_ip_address'],
                    fip_id=other['id'], port_id=port['id'], fixed_ip=fixed,
                    net_id=other['floating_network_id'])
        return port['id'], fixed

    def create_floatingip(self, ctxt, values):
        self.calls.append(('create_floatingip', dict(values)))
        net = self.get_network(ctxt, values['floating_network_id'])
        if not net['router:external']:
            raise exceptions.ExternalNetworkRequired(net_id=net['id'])
        used = self._used_addresses()
        address = values.get('floating_ip_address')
        if address is not None and address in used:
            raise exceptions.IpAddressInUse(net_id=net['id'],
                                            ip_address=address)
        if address is None:
            free = [str(a) for subnet_id in net['subnets']
                    for a in ipaddress.ip_network(
                        self.subnets[subnet_id]['cidr']).hosts()
                    if str(a) not in used and
                    str(a) != self.subnets[subnet_id]['gateway_ip']]
            if not free:
                raise exceptions.IpAddressGenerationFailure(net_id=net['id'])
            address = free[0]
        port_id = fixed = None
        if values.get('port_id'):
            port_id, fixed = self._association(ctxt, None, values)
        fip_id = str(uuid.uuid4())
        fip = {
            'id': fip_id, 'tenant_id': values['project_id'],
            'project_id': values['project_id'],
            'floating_ip_address': address, 'floating_network_id': net['id'],
            'router_id': None, 'port_id': port_id, 'fixed_ip_address': fixed,
            'status': 'ACTIVE' if port_id else 'DOWN',
            'description': values.get('description', ''), 'tags': [],
            'created_at': NOW, 'updated_at': NOW, 'revision_number': 0}
        self.floatingips[fip_id] = fip
        return dict(fip)

    def update_floatingip(self, ctxt, fip_id, values):
        self.calls.append(('update_floatingip', dict(values)))
        fip = self.floatingips[fip_id]
        if 'port_id' in values:
            if values['port_id'] is None:
                fip.update(port_id=None, fixed_ip_address=None,
                           status='DOWN')
            else:
                port_id, fixed = self._association(ctxt, fip_id, values)
                fip.update(port_id=port_id, fixed_ip_address=fixed,
                           status='ACTIVE')
        if 'description' in values:
            fip['description'] = values['description']
        fip['revision_number'] += 1
        return dict(fip)

    def delete_floatingip(self, ctxt, fip_id):
        self.calls.append(('delete_floatingip', fip_id))
        del self.floatingips[fip_id]

    # security groups

    def _group_view(self, group):
        rules = [dict(r) for r in self.security_group_rules.values()
                 if r['security_group_id'] == group['id']]
        return dict(group, security_group_rules=rules)

    def _new_group(self, project, name, description=''):
        group_id = str(uuid.uuid4())
        self.security_groups[group_id] = {
            'id': group_id, 'name': name, 'description': description,
            'tenant_id': project, 'project_id': project, 'stateful': True,
            'shared': False, 'tags': [], 'created_at': NOW,
            'updated_at': NOW, 'revision_number': 0}
        return self.security_groups[group_id]

    def _new_rule(self, group, **values):
        rule = {
            'id': str(uuid.uuid4()), 'security_group_id': group['id'],
            'ethertype': 'IPv4', 'protocol': None, 'port_range_min': None,
            'port_range_max': None, 'remote_ip_prefix': None,
            'remote_group_id': None, 'remote_address_group_id': None,
            'description': '', 'tenant_id': group['project_id'],
            'project_id': group['project_id'],
            'belongs_to_default_sg': group['name'] == 'default',
            'created_at': NOW, 'updated_at': NOW, 'revision_number': 0}
        rule.update(values)
        prefix = rule['remote_ip_prefix']
        rule['normalized_cidr'] = str(ipaddress.ip_network(
            prefix, strict=False)) if prefix else None
        self.security_group_rules[rule['id']] = rule
        return rule

    def _default_group(self, project):
        """The project's default group, made on first use."""
        for group in self.security_groups.values():
            if group['project_id'] == project and group['name'] == 'default':
                return group
        group = self._new_group(project, 'default', 'Default security group')
        self._new_rule(group, direction='ingress',
                       remote_group_id=group['id'])
        self._new_rule(group, direction='egress')
        return group

    def _check_groups(self, ctxt, group_ids):
        for group_id in group_ids:
            self.get_security_group(ctxt, group_id)

    def list_security_groups(self, ctxt, filters=None):
        self.calls.append(('list_security_groups', filters))
        if ctxt.project_id:
            self._default_group(ctxt.project_id)
        return [self._group_view(g) for g in self.security_groups.values()
                if _visible_project(ctxt, g) and _matches(g, filters)]

    def get_security_group(self, ctxt, sg_id):
        group = self.security_groups.get(sg_id)
        if group is None or not _visible_project(ctxt, group):
            raise exceptions.SecurityGroupNotFound(id=sg_id)
        return self._group_view(group)

    def create_security_group(self, ctxt, values):
        self.calls.append(('create_security_group', dict(values)))
        group = self._new_group(values['project_id'], values.get('name', ''),
                                values.get('description', ''))
        self._new_rule(group, direction='egress')
        return self._group_view(group)

    def update_security_group(self, ctxt, sg_id, values):
        self.calls.append(('update_security_group', dict(values)))
        group = self.security_groups[sg_id]
        group.update(values)
        group['revision_number'] += 1
        return self._group_view(group)

    def delete_security_group(self, ctxt, sg_id):
        self.calls.append(('delete_security_group', sg_id))
        group = self.security_groups[sg_id]
        if group['name'] == 'default' and not ctxt.is_admin:
            raise exceptions.SecurityGroupCannotRemoveDefault()
        if any(sg_id in p['security_groups'] for p in self.ports.values()):
            raise exceptions.SecurityGroupInUse(id=sg_id, reason='in use')
        for rule_id in [r['id'] for r in self.security_group_rules.values()
                        if r['security_group_id'] == sg_id]:
            del self.security_group_rules[rule_id]
        del self.security_groups[sg_id]

    # security group rules

    def _rule_visible(self, ctxt, rule):
        return _visible_project(ctxt, rule) or _visible_project(
            ctxt, self.security_groups[rule['security_group_id']])

    def list_security_group_rules(self, ctxt, filters=None):
        self.calls.append(('list_security_group_rules', filters))
        return [dict(r) for r in self.security_group_rules.values()
                if self._rule_visible(ctxt, r) and _matches(r, filters)]

    def get_security_group_rule(self, ctxt, rule_id):
        rule = self.security_group_rules.get(rule_id)
        if rule is None or not self._rule_visible(ctxt, rule):
            raise exceptions.SecurityGroupRuleNotFound(id=rule_id)
        return dict(rule)

    def create_security_group_rule(self, ctxt, values):
        self.calls.append(('create_security_group_rule', dict(values)))
        group = self.security_groups[
            self.get_security_group(ctxt, values['security_group_id'])['id']]
        if values.get('remote_group_id'):
            self.get_security_group(ctxt, values['remote_group_id'])
        low, high = values.get('port_range_min'), values.get('port_range_max')
        if values.get('protocol') in ('tcp', 'udp', '6', '17') and \
                low is not None and high is not None and low > high:
            raise exceptions.SecurityGroupRuleInvalid(
                reason='For TCP/UDP protocols, port_range_min must be <= '
                       'port_range_max')
        keys = ('direction', 'ethertype', 'protocol', 'port_range_min',
                'port_range_max', 'remote_ip_prefix', 'remote_group_id')
        for other in self.security_group_rules.values():
            if other['security_group_id'] == group['id'] and all(
                    other[k] == values.get(k) for k in keys):
                raise exceptions.SecurityGroupRuleExists(rule_id=other['id'])
        rule = self._new_rule(group, **{
            k: v for k, v in values.items() if k != 'security_group_id'})
        return dict(rule)

    def delete_security_group_rule(self, ctxt, rule_id):
        self.calls.append(('delete_security_group_rule', rule_id))
        del self.security_group_rules[rule_id]


class Result:
    def __init__(self, response):
        self.response = response
        self.status = response.status_int
        self.headers = response.headers
        self.raw = response.body
        try:
            self.body = json.loads(response.body) if response.body else None
        except ValueError:
            self.body = None

    @property
    def error(self):
        """The NeutronError of an error response (its shape checked)."""
        assert self.status >= 400, self.raw
        error = self.body['NeutronError']
        assert set(error) == {'type', 'message', 'detail'}, error
        return error


def make_caller(application):
    """call(method, path, token='alice:p1', body=..., raw=...)."""

    def call(method, path, token='alice:p1', body=None, raw=None,
             headers=None):
        headers = dict(headers or {})
        if token is not None:
            headers['X-Auth-Token'] = token
        req = webob.Request.blank(path, method=method, headers=headers)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        elif raw is not None:
            req.body = raw
            req.content_type = 'application/json'
        return Result(req.get_response(application))
    return call


@pytest.fixture
def fresh_policy():
    policy.reset()
    yield
    policy.reset()


@pytest.fixture
def fake_api():
    return FakeNetworkAPI()


@pytest.fixture
def app(fake_api, fresh_policy, overrides):
    overrides('auth_strategy', 'noauth2', group='network_api')
    return network_app.create_app(network_api=fake_api)


@pytest.fixture
def call(app):
    return make_caller(app)


ADMIN = 'admin:admin'


def create(call, kind, token='alice:p1', **values):
    """Create one resource; the created resource."""
    result = call('POST', '/v2.0/%ss' % kind, token=token,
                  body={kind: values})
    assert result.status == 201, result.raw
    return result.body[kind]


def network_with_subnet(call, token='alice:p1', cidr='10.0.0.0/24',
                        **values):
    net = create(call, 'network', token=token, **values)
    subnet = create(call, 'subnet', token=token, network_id=net['id'],
                    ip_version=4, cidr=cidr)
    return net, subnet
