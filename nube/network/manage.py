"""``nube-manage network create|list|delete``: networks for operators, as
nova-manage's were (a label, a fixed range, a bridge, a VLAN, multi-host),
written through the network API into the first cell; ``cleanup-host``
removes what the network driver made on this host.

``nube-manage floating create|list|delete``: floating IP pools, as
nova-manage's ``floating`` commands: a pool is an external network
(``router:external``) of that name, each range one of its subnets (no
DHCP; its gateway is the host's address on the pool's bridge)."""

import nube.conf
from nube import context
from nube.network import api as network_api
from nube.network import drivers

CONF = nube.conf.CONF
CATEGORIES = ('network', 'floating')


def _bool(text):
    return str(text).lower() in ('1', 't', 'true', 'y', 'yes', 'on')


def network_create(args):
    api = network_api.API()
    admin = context.get_admin_context()
    # A network of no project is for every project (nova-network's).
    shared = not args.project_id if args.shared is None else \
        _bool(args.shared)
    values = {'name': args.label, 'shared': shared}
    if args.project_id:
        values['project_id'] = args.project_id
    if args.vlan is not None:
        values.update({'provider:network_type': 'vlan',
                       'provider:segmentation_id': args.vlan})
    net = api.create_network(admin, values, bridge=args.bridge,
                             bridge_interface=args.bridge_interface,
                             multi_host=_bool(args.multi_host))
    subnet = {'network_id': net['id'], 'name': args.label,
              'cidr': args.fixed_range_v4,
              'dns_nameservers': [d for d in (args.dns1, args.dns2) if d]}
    if args.gateway:
        subnet['gateway_ip'] = args.gateway
    try:
        api.create_subnet(admin, subnet)
    except Exception:
        api.delete_network(admin, net['id'])
        raise
    print(net['id'])


def network_list(args):
    api = network_api.API()
    admin = context.get_admin_context()
    subnets = {}
    for subnet in api.list_subnets(admin):
        subnets.setdefault(subnet['network_id'], []).append(subnet['cidr'])
    print('%-36s  %-16s  %-18s  %-5s  %s' % ('id', 'label', 'cidr', 'vlan',
                                             'project'))
    for net in api.list_networks(admin):
        print('%-36s  %-16s  %-18s  %-5s  %s' % (
            net['id'], net['name'], ','.join(subnets.get(net['id'], [])),
            net['provider:segmentation_id'] or '-', net['project_id']))


def network_delete(args):
    api = network_api.API()
    admin = context.get_admin_context()
    for subnet_id in api.get_network(admin, args.uuid)['subnets']:
        api.delete_subnet(admin, subnet_id)
    api.delete_network(admin, args.uuid)


def network_cleanup_host(args):
    """Stop nube's dnsmasq processes (of [network] networks_path) and
    remove nube's bridges and firewall chain here: what a host keeps after
    nube-network stopped, for uninstalling (devstack/clean.sh)."""
    drivers.load().cleanup_all()


def _pool(api, admin, name):
    for net in api.list_networks(admin, {'name': [name]}):
        if net['router:external']:
            return net
    return None


def floating_create(args):
    api = network_api.API()
    admin = context.get_admin_context()
    pool = _pool(api, admin, args.pool)
    made = pool is None
    if not made and any(subnet['cidr'] == args.ip_range for subnet in
                        api.list_subnets(admin,
                                         {'network_id': [pool['id']]})):
        print(pool['id'])     # there already: running it again is safe
        return
    if made:
        pool = api.create_network(
            admin, {'name': args.pool, 'router:external': True},
            bridge=args.bridge or CONF.network.public_bridge)
    subnet = {'network_id': pool['id'], 'name': args.pool,
              'cidr': args.ip_range, 'enable_dhcp': False}
    if args.gateway:
        subnet['gateway_ip'] = args.gateway
    try:
        api.create_subnet(admin, subnet)
    except Exception:
        if made:
            api.delete_network(admin, pool['id'])
        raise
    print(pool['id'])


def floating_list(args):
    api = network_api.API()
    admin = context.get_admin_context()
    pools = {net['id']: net['name'] for net in api.list_networks(admin)
             if net['router:external']}
    print('%-16s  %-15s  %-15s  %-36s  %s' % (
        'pool', 'address', 'fixed', 'instance', 'project'))
    for fip in api.list_floatingips(admin):
        print('%-16s  %-15s  %-15s  %-36s  %s' % (
            pools.get(fip['floating_network_id'], '-'),
            fip['floating_ip_address'], fip['fixed_ip_address'] or '-',
            fip.get('instance_id') or '-', fip['project_id']))


def floating_delete(args):
    """Remove a range (its subnet), and the pool with its last range;
    refused while an address of it is allocated."""
    api = network_api.API()
    admin = context.get_admin_context()
    for net in api.list_networks(admin):
        if not net['router:external']:
            continue
        for subnet in api.list_subnets(admin, {'network_id': [net['id']]}):
            if subnet['cidr'] == args.ip_range:
                api.delete_subnet(admin, subnet['id'])
                if not api.get_network(admin, net['id'])['subnets']:
                    api.delete_network(admin, net['id'])
                return
    raise SystemExit('No floating range %s' % args.ip_range)


def register(sub):
    networks = sub.add_parser('network').add_subparsers(dest='action',
                                                        required=True)
    p = networks.add_parser('create', help='a network and its subnet')
    p.add_argument('--label', required=True)
    p.add_argument('--fixed_range_v4', '--fixed-range-v4', required=True)
    p.add_argument('--bridge')
    p.add_argument('--bridge_interface', '--bridge-interface')
    p.add_argument('--vlan', type=int)
    p.add_argument('--multi_host', '--multi-host', default='F')
    p.add_argument('--project_id', '--project-id')
    p.add_argument('--shared',
                   help='T: every project may boot on it (default: T '
                        'without --project_id)')
    p.add_argument('--gateway')
    p.add_argument('--dns1')
    p.add_argument('--dns2')
    p.set_defaults(func=network_create)
    networks.add_parser('list').set_defaults(func=network_list)
    p = networks.add_parser('delete', help='a network without ports')
    p.add_argument('uuid')
    p.set_defaults(func=network_delete)
    floating = sub.add_parser('floating').add_subparsers(dest='action',
                                                         required=True)
    p = floating.add_parser('create', help='a floating IP range of a pool')
    p.add_argument('--ip_range', '--ip-range', required=True,
                   help='a CIDR')
    p.add_argument('--pool', default='public')
    p.add_argument('--bridge', help='a new pool\'s bridge (default '
                                    '[network] public_bridge)')
    p.add_argument('--gateway', help="the host's address (default: the "
                                     "range's first)")
    p.set_defaults(func=floating_create)
    floating.add_parser('list').set_defaults(func=floating_list)
    p = floating.add_parser('delete', help='a range with no address in use')
    p.add_argument('--ip_range', '--ip-range', required=True)
    p.set_defaults(func=floating_delete)
    networks.add_parser(
        'cleanup-host', help="remove nube's bridges, dnsmasq and rules "
        'from this host').set_defaults(func=network_cleanup_host)
