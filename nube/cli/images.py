"""`nube image ...`: create, upload, download, list, show, set, delete.

Transfers stream (the library reads and writes in chunks) and draw a
progress bar on stderr; a download is checksum-verified unless
--no-verify, and a mismatch exits 6.
"""

import os

from nube.cli import common
from nube.cli import errors
from nube.cli import output

DISK_FORMATS = ('raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx', 'iso',
                'ploop', 'aki', 'ari', 'ami')
CONTAINER_FORMATS = ('bare', 'ovf', 'ova', 'aki', 'ari', 'ami', 'docker',
                     'compressed')
VISIBILITIES = ('public', 'private', 'community', 'shared')

LIST_COLUMNS = ('ID', 'Name', 'Status')
LONG_COLUMNS = ('Disk Format', 'Container Format', 'Size', 'Checksum',
                'Visibility', 'Protected', 'Owner', 'Tags')


def record(image):
    return output.Record(image)


def _source(path):
    """(data, size) for --file: a path, or '-' for stdin."""
    if path == '-':
        return common.binary_stdin(), None
    if not os.path.isfile(path):
        raise errors.UsageError('no such file: %s' % path)
    return path, os.path.getsize(path)


def _fields(args):
    """Typed image fields from the options shared by create and set."""
    fields = {}
    for key in ('min_disk', 'min_ram', 'protected'):
        if getattr(args, key) is not None:
            fields[key] = getattr(args, key)
    if args.tag:
        fields['tags'] = args.tag
    return fields


def do_create(ctx, args):
    images = ctx.client.images
    kwargs = dict(disk_format=args.disk_format,
                  container_format=args.container_format,
                  visibility=args.visibility,
                  properties=common.properties(args.property) or None,
                  **_fields(args))
    if not args.file:
        return record(images.create(args.name, **kwargs))
    data, size = _source(args.file)
    with ctx.transfer_bar('Uploading %s' % args.name) as bar:
        image = images.create(args.name, data=data, size=size,
                              callback=bar, **kwargs)
    return record(image)


def do_upload(ctx, args):
    images = ctx.client.images
    image = images.get(args.image)
    data, size = _source(args.file)
    with ctx.transfer_bar('Uploading %s' % args.image) as bar:
        images.upload(image['id'], data, size=size, callback=bar)
    return record(images.get(image['id']))


def do_download(ctx, args):
    images = ctx.client.images
    image = images.get(args.image)
    if args.file in (None, '-'):
        stdout = common.binary_stdout()
        if getattr(stdout, 'isatty', lambda: False)():
            raise errors.UsageError(
                'refusing to write image data to a terminal: use --file')
        dest = stdout
    else:
        dest = args.file
    with ctx.transfer_bar('Downloading %s' % args.image) as bar:
        images.download(image['id'], dest, callback=bar,
                        verify=not args.no_verify)


def do_list(ctx, args):
    filters = {}
    if args.visibility:
        filters['visibility'] = args.visibility
    for key in ('name', 'status', 'owner'):
        if getattr(args, key):
            filters[key] = getattr(args, key)
    if args.tag:
        filters['tag'] = args.tag
    if args.limit:
        filters['limit'] = args.limit
    columns = LIST_COLUMNS + (LONG_COLUMNS if args.long else ())
    rows = []
    for image in ctx.client.images.list(**filters):
        row = [image.get('id'), image.get('name'), image.get('status')]
        if args.long:
            row += [image.get('disk_format'), image.get('container_format'),
                    image.get('size'), image.get('checksum'),
                    image.get('visibility'), image.get('protected'),
                    image.get('owner'), image.get('tags') or []]
        rows.append(row)
    return output.Listing(columns, rows)


def do_show(ctx, args):
    return record(ctx.client.images.get(args.image))


def do_set(ctx, args):
    images = ctx.client.images
    image = images.get(args.image)
    props = dict(common.properties(args.property), **_fields(args))
    for key in ('name', 'visibility', 'disk_format', 'container_format'):
        if getattr(args, key, None) is not None:
            props[key] = getattr(args, key)
    if not props and not args.remove_property:
        raise errors.UsageError('nothing to set')
    images.update(image['id'], remove_props=args.remove_property or (),
                  **props)


def do_delete(ctx, args):
    images = ctx.client.images

    def delete(name):
        images.delete(images.get(name)['id'])

    common.for_each(ctx, args.image, delete, 'image')


def _visibility_options(parser, help_suffix=''):
    group = parser.add_mutually_exclusive_group()
    for name in VISIBILITIES:
        group.add_argument('--' + name, dest='visibility',
                           action='store_const', const=name,
                           help='visibility %s%s' % (name, help_suffix))


def _field_options(parser):
    parser.add_argument('--property', type=output.key_value,
                        action='append', metavar='KEY=VALUE',
                        help='custom property (repeatable)')
    parser.add_argument('--min-disk', type=int, metavar='GB')
    parser.add_argument('--min-ram', type=int, metavar='MB')
    parser.add_argument('--tag', action='append', help='tag (repeatable)')
    prot = parser.add_mutually_exclusive_group()
    prot.add_argument('--protected', dest='protected', action='store_const',
                      const=True, default=None, help='forbid deletion')
    prot.add_argument('--unprotected', dest='protected',
                      action='store_const', const=False,
                      help='allow deletion')


def register(resources):
    actions = common.resource(resources, 'image', 'images (Glance v2)')

    p = common.command(actions, 'create', do_create,
                       'create an image, uploading --file if given',
                       prints='show')
    common.add_progress(p)
    p.add_argument('name')
    p.add_argument('--file', metavar='PATH',
                   help="data to upload ('-' reads stdin)")
    p.add_argument('--disk-format', choices=DISK_FORMATS, default='raw',
                   help='default raw')
    p.add_argument('--container-format', choices=CONTAINER_FORMATS,
                   default='bare', help='default bare')
    _visibility_options(p, ' (default: the cloud decides, Glance: shared)')
    _field_options(p)

    p = common.command(actions, 'upload', do_upload,
                       'upload data to a queued image', prints='show')
    common.add_progress(p)
    p.add_argument('image', help='name or id')
    p.add_argument('--file', metavar='PATH', required=True,
                   help="data to upload ('-' reads stdin)")

    p = common.command(actions, 'download', do_download,
                       "save an image's data (checksum verified)")
    common.add_progress(p)
    p.add_argument('image', help='name or id')
    p.add_argument('--file', metavar='PATH',
                   help='destination (default: stdout, unless a terminal)')
    p.add_argument('--no-verify', action='store_true',
                   help='skip checksum verification')

    p = common.command(actions, 'list', do_list, 'list images',
                       prints='list')
    _visibility_options(p, ' only')
    p.add_argument('--name')
    p.add_argument('--status', help='queued, active, ...')
    p.add_argument('--owner', help='project id')
    p.add_argument('--tag')
    p.add_argument('--limit', type=int, help='page size')
    p.add_argument('--long', action='store_true', help='more columns')

    p = common.command(actions, 'show', do_show, "an image's details",
                       prints='show')
    p.add_argument('image', help='name or id')

    p = common.command(actions, 'set', do_set, "change an image's fields")
    p.add_argument('image', help='name or id')
    p.add_argument('--name', help='new name')
    p.add_argument('--disk-format', choices=DISK_FORMATS)
    p.add_argument('--container-format', choices=CONTAINER_FORMATS)
    _visibility_options(p)
    _field_options(p)
    p.add_argument('--remove-property', action='append', metavar='KEY',
                   help='remove a custom property (repeatable)')

    p = common.command(actions, 'delete', do_delete, 'delete images')
    p.add_argument('image', nargs='+', help='name or id')
