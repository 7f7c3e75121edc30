"""`nube hypervisor list`, `nube service list`,
`nube availability-zone list` and `nube versions`."""

from nube.cli import common
from nube.cli import output


def do_hypervisor_list(ctx, args):
    columns = ['ID', 'Hypervisor Hostname', 'Hypervisor Type', 'Host IP',
               'State']
    if args.long:
        columns += ['vCPUs Used', 'vCPUs', 'Memory MB Used', 'Memory MB',
                    'Running VMs']
    rows = []
    for h in ctx.client.hypervisors.list(detailed=True):
        row = [h.get('id'), h.get('hypervisor_hostname'),
               h.get('hypervisor_type'), h.get('host_ip'), h.get('state')]
        if args.long:
            row += [h.get('vcpus_used'), h.get('vcpus'),
                    h.get('memory_mb_used'), h.get('memory_mb'),
                    h.get('running_vms')]
        rows.append(row)
    return output.Listing(columns, rows)


def do_service_list(ctx, args):
    columns = ['ID', 'Binary', 'Host', 'Zone', 'Status', 'State',
               'Updated At']
    if args.long:
        columns += ['Disabled Reason', 'Forced Down']
    rows = []
    for s in ctx.client.services.list(binary=args.service, host=args.host):
        row = [s.get('id'), s.get('binary'), s.get('host'), s.get('zone'),
               s.get('status'), s.get('state'), s.get('updated_at')]
        if args.long:
            row += [s.get('disabled_reason'), s.get('forced_down')]
        rows.append(row)
    return output.Listing(columns, rows)


def _zone_state(zone):
    state = zone.get('zoneState')
    if isinstance(state, dict):
        return 'available' if state.get('available') else 'not available'
    return state


def do_az_list(ctx, args):
    zones = ctx.client.availability_zones.list(detailed=args.long)
    if not args.long:
        return output.Listing(
            ['Zone Name', 'Zone Status'],
            [[z.get('zoneName'), _zone_state(z)] for z in zones])
    rows = []
    for z in zones:
        hosts = z.get('hosts') or {}
        if not hosts:
            rows.append([z.get('zoneName'), _zone_state(z), '', '', ''])
        for host, services in sorted(hosts.items()):
            for binary, state in sorted((services or {}).items()):
                status = '%s %s' % (
                    'enabled' if state.get('active') else 'disabled',
                    ':-)' if state.get('available') else 'XXX')
                rows.append([z.get('zoneName'), _zone_state(z), host,
                             binary, status])
    return output.Listing(['Zone Name', 'Zone Status', 'Host Name',
                           'Service Name', 'Service Status'], rows)


def version_rows(versions):
    """Rows from Client.versions(): {service: {id, status, min_version,
    max_version, microversion, endpoint} or {endpoint, versions: [...]}}.
    """
    rows = []
    for service, info in sorted((versions or {}).items()):
        entries = info.get('versions') if 'versions' in info else [info]
        for v in entries or ():
            rows.append([service, v.get('id'), v.get('status'),
                         v.get('min_version'), v.get('max_version'),
                         v.get('microversion'),
                         v.get('endpoint') or info.get('endpoint')])
    return rows


def do_versions(ctx, args):
    return output.Listing(
        ['Service', 'Version', 'Status', 'Min Microversion',
         'Max Microversion', 'Negotiated', 'Endpoint'],
        version_rows(ctx.client.versions()))


def register(resources):
    actions = common.resource(resources, 'hypervisor', 'compute nodes '
                              '(admin)')
    p = common.command(actions, 'list', do_hypervisor_list,
                       'list hypervisors', prints='list')
    p.add_argument('--long', action='store_true', help='more columns')

    actions = common.resource(resources, 'service', 'compute services '
                              '(admin)')
    p = common.command(actions, 'list', do_service_list,
                       'list compute services', prints='list')
    p.add_argument('--host', help='only this host')
    p.add_argument('--service', metavar='BINARY',
                   help='only this binary, e.g. nube-compute')
    p.add_argument('--long', action='store_true', help='more columns')

    actions = common.resource(resources, 'availability-zone',
                              'availability zones')
    p = common.command(actions, 'list', do_az_list,
                       'list availability zones', prints='list')
    p.add_argument('--long', action='store_true',
                   help='hosts and services per zone (admin)')

    p = resources.add_parser('versions', help='API versions of the cloud',
                             description='API versions of the compute and '
                                         'image services')
    p.set_defaults(func=do_versions)
    output.add_arguments(p, listing=True)
