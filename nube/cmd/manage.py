"""nube-manage: databases, cells v2 and flavors.

  nube-manage api_db sync | db sync
  nube-manage cell_v2 map_cell0 [--database_connection URL]
  nube-manage cell_v2 create_cell --name N --transport-url URL
                                  --database_connection URL
  nube-manage cell_v2 list_cells | discover_hosts | list_hosts
  nube-manage flavor create NAME --ram MB --vcpus N --disk GB [--id ID]
  nube-manage flavor list | delete ID
  nube-manage quota show|update|delete --project P [--user U] ...
  nube-manage quota class show|update [--name default] ...
"""

import argparse
import sys

from nube import exception
from nube.cells import targeting
from nube.cmd import common
from nube.cmd import manage_quota
import nube.conf
from nube.db import base
from nube.db import migration
from nube.db.api import api as api_db
from nube.db.cell import api as cell_db
from nube.identity import manage as identity_manage
from nube.network import manage as network_manage

CONF = nube.conf.CONF

DEFAULT_FLAVORS = (
    # name, id, ram, vcpus, disk
    ('m1.nano', '42', 128, 1, 1),
    ('m1.micro', '84', 192, 1, 1),
    ('m1.tiny', '1', 512, 1, 1),
    ('m1.small', '2', 2048, 1, 20),
    ('m1.medium', '3', 4096, 2, 40),
    ('m1.large', '4', 8192, 4, 80),
)


def _print_table(headers, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    print(line)
    print('| ' + ' | '.join(str(h).ljust(w)
                            for h, w in zip(headers, widths)) + ' |')
    print(line)
    for row in rows:
        print('| ' + ' | '.join(str(v).ljust(w)
                                for v, w in zip(row, widths)) + ' |')
    print(line)


def _mask(url):
    import re
    return re.sub(r'//([^:/@]+):[^@]*@', r'//\1:****@', url or '')


def api_db_sync(args):
    migration.db_sync(api_db.get_database(), 'api')
    print('API database is at revision %s' % migration.db_version(
        api_db.get_database()))


def image_db_sync(args):
    from nube.db.image import api as image_db
    database = image_db.get_database()
    migration.db_sync(database, 'image')
    print('Image database is at revision %s' % migration.db_version(
        database))


def db_sync(args):
    if args.cells:
        cells = targeting.get_cells(include_cell0=True, refresh=True)
        for cell in cells:
            migration.db_sync(targeting.cell_database(cell), 'cell')
            print('Cell %s database synced' % (cell['name'] or cell['uuid']))
        return
    if not CONF.database.connection:
        raise exception.NubeException('[database] connection is not set')
    database = cell_db.CellDatabase(CONF.database.connection,
                                    **base.engine_opts(CONF.database))
    migration.db_sync(database, 'cell')
    print('Cell database is at revision %s' % migration.db_version(database))


def map_cell0(args):
    db = api_db.get_database()
    for cell in db.cell_mapping_get_all():
        if cell['uuid'] == api_db.CELL0_UUID:
            print('cell0 is already mapped')
            return
    connection = args.database_connection or _cell0_default_connection()
    db.cell_mapping_create('cell0', 'none:///', connection,
                           uuid=api_db.CELL0_UUID)
    print('Mapped cell0 to %s' % _mask(connection))


def _cell0_default_connection():
    """cell0's DB: the [database] connection's name with _cell0 appended."""
    from sqlalchemy.engine import url as sa_url

    if not CONF.database.connection:
        raise exception.NubeException(
            'give --database_connection or set [database] connection')
    url = sa_url.make_url(CONF.database.connection)
    if url.drivername.startswith('sqlite'):
        database = (url.database or 'nube.db')
        stem = database[:-3] if database.endswith('.db') else database
        return url.set(database=stem + '_cell0.db').render_as_string(
            hide_password=False)
    return url.set(database=url.database + '_cell0').render_as_string(
        hide_password=False)


def create_cell(args):
    db = api_db.get_database()
    transport_url = args.transport_url or CONF.transport_url
    connection = args.database_connection or CONF.database.connection
    if not transport_url or not connection:
        raise exception.NubeException(
            'a cell needs --transport-url and --database_connection (or '
            'transport_url and [database] connection in the config)')
    for cell in db.cell_mapping_get_all():
        if cell['database_connection'] == connection and \
                cell['transport_url'] == transport_url:
            print('Cell %s already exists with uuid %s' % (cell['name'],
                                                            cell['uuid']))
            return
    cell = db.cell_mapping_create(args.name, transport_url, connection)
    print(cell['uuid'])


def list_cells(args):
    rows = [(c['name'], c['uuid'], _mask(c['transport_url']),
             _mask(c['database_connection']), c['disabled'])
            for c in api_db.get_database().cell_mapping_get_all()]
    _print_table(['Name', 'UUID', 'Transport URL', 'Database Connection',
                  'Disabled'], rows)


def discover_hosts(args):
    db = api_db.get_database()
    added = 0
    for cell in targeting.get_cells(refresh=True):
        nodes = targeting.cell_database(cell).compute_node_get_all()
        for host in sorted({n['host'] for n in nodes}):
            if db.host_mapping_create(host, cell['id']):
                added += 1
                if args.verbose:
                    print('Mapped host %s to cell %s' % (host, cell['name']))
    print('Discovered %d new host(s)' % added)


def list_hosts(args):
    cells = {c['id']: c for c in targeting.get_cells(include_cell0=True,
                                                     refresh=True)}
    rows = [(cells[m['cell_id']]['name'], cells[m['cell_id']]['uuid'],
             m['host']) for m in api_db.get_database().host_mapping_get_all()
            if m['cell_id'] in cells]
    _print_table(['Cell Name', 'Cell UUID', 'Hostname'], rows)


def flavor_create(args):
    flavor = api_db.get_database().flavor_create({
        'name': args.name, 'flavorid': args.id, 'memory_mb': args.ram,
        'vcpus': args.vcpus, 'root_gb': args.disk,
        'ephemeral_gb': args.ephemeral, 'swap': args.swap,
        'is_public': not args.private})
    print(flavor['flavorid'])


def flavor_list(args):
    rows = [(f['flavorid'], f['name'], f['memory_mb'], f['root_gb'],
             f['vcpus'], f['is_public'])
            for f in api_db.get_database().flavor_get_all(is_public=None)]
    _print_table(['ID', 'Name', 'RAM', 'Disk', 'VCPUs', 'Is Public'], rows)


def flavor_delete(args):
    api_db.get_database().flavor_destroy(args.id)


def create_default_flavors(db):
    """Create m1.nano ... m1.large where missing; returns how many."""
    created = 0
    for name, flavorid, ram, vcpus, disk in DEFAULT_FLAVORS:
        try:
            db.flavor_create({'name': name, 'flavorid': flavorid,
                              'memory_mb': ram, 'vcpus': vcpus,
                              'root_gb': disk, 'ephemeral_gb': 0,
                              'swap': 0, 'is_public': True})
            created += 1
        except exception.FlavorExists:
            pass
    return created


def flavor_defaults(args):
    print('Created %d default flavor(s)' % create_default_flavors(
        api_db.get_database()))


def _parser():
    parser = argparse.ArgumentParser(prog='nube-manage')
    sub = parser.add_subparsers(dest='category', required=True)

    api = sub.add_parser('api_db').add_subparsers(dest='action',
                                                  required=True)
    api.add_parser('sync').set_defaults(func=api_db_sync)

    db = sub.add_parser('db').add_subparsers(dest='action', required=True)
    sync = db.add_parser('sync', help='sync [database] (or every cell)')
    sync.add_argument('--cells', action='store_true',
                      help='sync every mapped cell database')
    sync.set_defaults(func=db_sync)

    cells = sub.add_parser('cell_v2').add_subparsers(dest='action',
                                                     required=True)
    p = cells.add_parser('map_cell0')
    p.add_argument('--database_connection', '--database-connection')
    p.set_defaults(func=map_cell0)
    p = cells.add_parser('create_cell')
    p.add_argument('--name', required=True)
    p.add_argument('--transport-url', '--transport_url')
    p.add_argument('--database_connection', '--database-connection')
    p.set_defaults(func=create_cell)
    cells.add_parser('list_cells').set_defaults(func=list_cells)
    p = cells.add_parser('discover_hosts')
    p.add_argument('--verbose', action='store_true')
    p.set_defaults(func=discover_hosts)
    cells.add_parser('list_hosts').set_defaults(func=list_hosts)

    flavors = sub.add_parser('flavor').add_subparsers(dest='action',
                                                      required=True)
    p = flavors.add_parser('create')
    p.add_argument('name')
    p.add_argument('--id')
    p.add_argument('--ram', type=int, required=True)
    p.add_argument('--vcpus', type=int, required=True)
    p.add_argument('--disk', type=int, default=0)
    p.add_argument('--ephemeral', type=int, default=0)
    p.add_argument('--swap', type=int, default=0)
    p.add_argument('--private', action='store_true')
    p.set_defaults(func=flavor_create)
    flavors.add_parser('list').set_defaults(func=flavor_list)
    p = flavors.add_parser('delete')
    p.add_argument('id')
    p.set_defaults(func=flavor_delete)
    flavors.add_parser('defaults',
                       help='create m1.nano ... m1.large').set_defaults(
        func=flavor_defaults)
    identity_manage.register(sub)
    network_manage.register(sub)
    manage_quota.register(sub)
    image_db = sub.add_parser('image_db').add_subparsers(dest='action',
                                                         required=True)
    image_db.add_parser('sync').set_defaults(func=image_db_sync)
    return parser


_CATEGORIES = ('api_db', 'db', 'cell_v2', 'flavor',
               'image_db') + identity_manage.CATEGORIES + \
    network_manage.CATEGORIES + manage_quota.CATEGORIES


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    # oslo.config options (--config-file ...) come before the command.
    split = next((i for i, a in enumerate(argv) if a in _CATEGORIES),
                 len(argv))
    common.setup(argv[:split])
    return run(argv[split:])


def run(argv):
    """Run one command on the already loaded configuration."""
    args = _parser().parse_args(argv)
    try:
        args.func(args)
    except exception.NubeException as exc:
        print('ERROR: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
