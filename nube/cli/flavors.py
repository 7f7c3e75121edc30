"""`nube flavor ...`: create, list, show, delete."""

from nube.cli import common
from nube.cli import output

LIST_COLUMNS = ('ID', 'Name', 'RAM', 'Disk', 'Ephemeral', 'VCPUs',
                'Is Public')
LONG_COLUMNS = ('Swap', 'RXTX Factor', 'Properties')


def record(flavor):
    fields = {k: v for k, v in flavor.items() if k != 'links'}
    return output.Record(fields)


def do_create(ctx, args):
    flavor = ctx.client.flavors.create(
        args.name, ram=args.ram, vcpus=args.vcpus, disk=args.disk,
        flavorid=args.id, ephemeral=args.ephemeral, swap=args.swap,
        is_public=args.public)
    return record(flavor)


def do_list(ctx, args):
    columns = LIST_COLUMNS + (LONG_COLUMNS if args.long else ())
    rows = []
    for f in ctx.client.flavors.list(detailed=True, is_public=args.public):
        row = [f.get('id'), f.get('name'), f.get('ram'), f.get('disk'),
               f.get('OS-FLV-EXT-DATA:ephemeral', 0), f.get('vcpus'),
               f.get('os-flavor-access:is_public', True)]
        if args.long:
            row += [f.get('swap') or 0, f.get('rxtx_factor'),
                    f.get('extra_specs') or {}]
        rows.append(row)
    return output.Listing(columns, rows)


def do_show(ctx, args):
    return record(ctx.client.flavors.get(args.flavor))


def do_delete(ctx, args):
    flavors = ctx.client.flavors

    def delete(name):
        flavors.delete(flavors.get(name)['id'])

    common.for_each(ctx, args.flavor, delete, 'flavor')


def register(resources):
    actions = common.resource(resources, 'flavor', 'server sizes')

    p = common.command(actions, 'create', do_create, 'create a flavor '
                       '(admin)', prints='show')
    p.add_argument('name')
    p.add_argument('--id', help='flavor id (default: a new UUID)')
    p.add_argument('--ram', type=int, default=256, metavar='MB',
                   help='memory in MB (default 256)')
    p.add_argument('--disk', type=int, default=0, metavar='GB',
                   help='root disk in GB (default 0)')
    p.add_argument('--ephemeral', type=int, default=0, metavar='GB',
                   help='ephemeral disk in GB (default 0)')
    p.add_argument('--swap', type=int, default=0, metavar='MB',
                   help='swap in MB (default 0)')
    p.add_argument('--vcpus', type=int, default=1, metavar='N',
                   help='virtual CPUs (default 1)')
    access = p.add_mutually_exclusive_group()
    access.add_argument('--public', dest='public', action='store_true',
                        default=True, help='every project may use it '
                                           '(default)')
    access.add_argument('--private', dest='public', action='store_false',
                        help='only projects given access may use it')

    p = common.command(actions, 'list', do_list, 'list flavors',
                       prints='list')
    which = p.add_mutually_exclusive_group()
    which.add_argument('--public', dest='public', action='store_const',
                       const=True, default=True,
                       help='public flavors only (default)')
    which.add_argument('--private', dest='public', action='store_const',
                       const=False, help='private flavors only (admin)')
    which.add_argument('--all', dest='public', action='store_const',
                       const=None, help='public and private (admin)')
    p.add_argument('--long', action='store_true', help='more columns')

    p = common.command(actions, 'show', do_show, "a flavor's details",
                       prints='show')
    p.add_argument('flavor', help='name or id')

    p = common.command(actions, 'delete', do_delete, 'delete flavors '
                       '(admin)')
    p.add_argument('flavor', nargs='+', help='name or id')
