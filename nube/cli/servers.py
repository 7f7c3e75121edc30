"""`nube server ...`: create, list, show, delete, start, stop, reboot,
console-log."""

from nube.cli import common
from nube.cli import errors
from nube.cli import output

POWER_STATES = {0: 'NOSTATE', 1: 'Running', 3: 'Paused', 4: 'Shutdown',
                6: 'Crashed', 7: 'Suspended'}

LIST_COLUMNS = ('ID', 'Name', 'Status', 'Networks', 'Image', 'Flavor')
LONG_COLUMNS = ('Task State', 'Power State', 'Availability Zone', 'Host',
                'Properties')


def format_addresses(addresses):
    """{'private': [{'addr': ..}, ..]} -> 'private=10.0.0.3, 10.0.0.4'."""
    if not addresses:
        return ''
    parts = []
    for label, entries in sorted(addresses.items()):
        addrs = [e.get('addr', '') if isinstance(e, dict) else str(e)
                 for e in entries or ()]
        parts.append('%s=%s' % (label, ', '.join(addrs)))
    return '; '.join(parts)


def networks(server):
    """{label: [address, ...]}: the Networks column's raw value."""
    return {label: [e.get('addr') for e in entries or ()
                    if isinstance(e, dict)]
            for label, entries in (server.get('addresses') or {}).items()}


def format_networks(value):
    return '; '.join('%s=%s' % (label, ', '.join(addrs))
                     for label, addrs in sorted((value or {}).items()))


def image_ref(server):
    image = server.get('image')
    if isinstance(image, dict):
        return image.get('name') or image.get('id')
    return image or ''


def flavor_ref(server):
    flavor = server.get('flavor')
    if isinstance(flavor, dict):
        return (flavor.get('original_name') or flavor.get('name') or
                flavor.get('id'))
    return flavor or ''


def power_state(value):
    return POWER_STATES.get(value, value)


def _format_flavor(flavor):
    """'m1.tiny' (>= 2.47 embeds the flavor) or 'm1.tiny (ID)'."""
    name = flavor_ref({'flavor': flavor})
    if isinstance(flavor, dict) and flavor.get('id') and \
            flavor['id'] != name:
        return '%s (%s)' % (name, flavor['id'])
    return name


def record(server):
    """The Record shown by create/show: the API body without links."""
    fields = {k: v for k, v in server.items() if k != 'links'}
    formatters = {'addresses': format_addresses,
                  'image': lambda v: image_ref({'image': v}),
                  'flavor': _format_flavor,
                  'OS-EXT-STS:power_state': lambda v: str(power_state(v))}
    return output.Record(fields, formatters)


# -- commands ---------------------------------------------------------------

def _networks_arg(args):
    if args.no_network:
        return 'none'
    if args.network:
        return [{'uuid': net} for net in args.network]
    return 'auto'


def do_create(ctx, args):
    if args.min < 1 or args.max < args.min:
        raise errors.UsageError('need 1 <= --min <= --max')
    servers = ctx.client.servers
    kwargs = dict(
        networks=_networks_arg(args), min_count=args.min,
        max_count=args.max, availability_zone=args.availability_zone,
        metadata=common.properties(args.property) or None,
        key_name=args.key_name, user_data=_user_data(args.user_data))
    if not args.wait:
        created = servers.create(args.name, args.image, args.flavor,
                                 **kwargs)
        return record(servers.get(created['id']))
    with ctx.server_bar('Creating %s' % args.name) as bar:
        server = servers.create(args.name, args.image, args.flavor,
                                wait=True, timeout=args.timeout,
                                callback=bar, **kwargs)
        if server.get('status') == 'ACTIVE':
            bar.update(100, server, force=True)
    return record(server)


def _user_data(path):
    if not path:
        return None
    with open(path, 'rb') as f:
        return f.read()


def do_list(ctx, args):
    filters = {}
    for key in ('name', 'status', 'host', 'image', 'flavor'):
        value = getattr(args, key)
        if value:
            filters[key] = value
    if args.all_projects:
        filters['all_tenants'] = True
    if args.limit:
        filters['limit'] = args.limit
    columns = LIST_COLUMNS + (LONG_COLUMNS if args.long else ())
    rows = []
    for server in ctx.client.servers.list(detailed=True, **filters):
        row = [server.get('id'), server.get('name'), server.get('status'),
               networks(server), image_ref(server), flavor_ref(server)]
        if args.long:
            row += [server.get('OS-EXT-STS:task_state'),
                    power_state(server.get('OS-EXT-STS:power_state')),
                    server.get('OS-EXT-AZ:availability_zone'),
                    server.get('OS-EXT-SRV-ATTR:host'),
                    server.get('metadata') or {}]
        rows.append(row)
    return output.Listing(columns, rows, {'Networks': format_networks})


def do_show(ctx, args):
    return record(ctx.client.servers.get(args.server))


def do_delete(ctx, args):
    servers = ctx.client.servers

    def delete(name):
        server = servers.get(name)
        if not args.wait:
            servers.delete(server['id'])
            return
        with ctx.server_bar('Deleting %s' % name) as bar:
            servers.delete(server['id'], wait=True, timeout=args.timeout,
                           callback=bar)

    common.for_each(ctx, args.server, delete, 'server')


def _action(method, wait_status=None):
    def run(ctx, args):
        servers = ctx.client.servers

        def act(name):
            server = servers.get(name)
            kwargs = {}
            if method == 'reboot':
                kwargs['hard'] = args.hard
            getattr(servers, method)(server['id'], **kwargs)
            if wait_status and args.wait:
                with ctx.server_bar('Waiting for %s' % name) as bar:
                    servers.wait_for_status(server['id'], status=wait_status,
                                            timeout=args.timeout,
                                            callback=bar)

        common.for_each(ctx, args.server, act, 'server')
    return run


def do_console_log(ctx, args):
    servers = ctx.client.servers
    server = servers.get(args.server)
    text = servers.console_output(server['id'], length=args.lines)
    ctx.stdout.write(text if text.endswith('\n') or not text
                     else text + '\n')


def register(resources):
    actions = common.resource(resources, 'server', 'compute servers')

    p = common.command(actions, 'create', do_create, 'boot a server',
                       prints='show')
    p.add_argument('name')
    p.add_argument('--image', required=True, help='image name or id')
    p.add_argument('--flavor', required=True, help='flavor name or id')
    nets = p.add_mutually_exclusive_group()
    nets.add_argument('--network', action='append', metavar='UUID',
                      help='attach to this network (repeatable)')
    nets.add_argument('--no-network', action='store_true',
                      help='no network at all (networks: none)')
    p.add_argument('--min', type=int, default=1, metavar='COUNT',
                   help='boot at least COUNT servers (default 1)')
    p.add_argument('--max', type=int, default=1, metavar='COUNT',
                   help='boot at most COUNT servers (default 1)')
    p.add_argument('--availability-zone', metavar='ZONE')
    p.add_argument('--property', type=output.key_value, action='append',
                   metavar='KEY=VALUE', help='metadata (repeatable)')
    p.add_argument('--key-name', help='keypair to inject')
    p.add_argument('--user-data', metavar='FILE',
                   help='file to pass as user data')
    common.add_wait(p, 'ACTIVE (exit 5 if it goes to ERROR)')

    p = common.command(actions, 'list', do_list, 'list servers',
                       prints='list')
    p.add_argument('--name', help='regular expression on the name')
    p.add_argument('--status', help='e.g. ACTIVE, ERROR, SHUTOFF')
    p.add_argument('--host', help='compute host (admin)')
    p.add_argument('--image', help='image id')
    p.add_argument('--flavor', help='flavor id')
    p.add_argument('--all-projects', action='store_true',
                   help="every project's servers (admin)")
    p.add_argument('--limit', type=int, help='page size')
    p.add_argument('--long', action='store_true', help='more columns')

    p = common.command(actions, 'show', do_show, "a server's details",
                       prints='show')
    p.add_argument('server', help='name or id')

    p = common.command(actions, 'delete', do_delete, 'delete servers')
    p.add_argument('server', nargs='+', help='name or id')
    common.add_wait(p, 'gone')

    p = common.command(actions, 'start', _action('start', 'ACTIVE'),
                       'power servers on')
    p.add_argument('server', nargs='+', help='name or id')
    common.add_wait(p, 'ACTIVE')

    p = common.command(actions, 'stop', _action('stop', 'SHUTOFF'),
                       'power servers off')
    p.add_argument('server', nargs='+', help='name or id')
    common.add_wait(p, 'SHUTOFF')

    p = common.command(actions, 'reboot', _action('reboot'),
                       'reboot servers')
    p.add_argument('server', nargs='+', help='name or id')
    kind = p.add_mutually_exclusive_group()
    kind.add_argument('--hard', action='store_true', help='hard reboot')
    kind.add_argument('--soft', dest='hard', action='store_false',
                      help='soft reboot (default)')

    p = common.command(actions, 'console-log', do_console_log,
                       "print a server's console log")
    p.add_argument('server', help='name or id')
    p.add_argument('--lines', type=int, metavar='N',
                   help='only the last N lines')
