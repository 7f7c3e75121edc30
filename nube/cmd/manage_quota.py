"""``nube-manage quota``: the limits of a project, a user and a class.

  nube-manage quota show --project P [--user U]
  nube-manage quota update --project P [--user U] [--force] NAME=LIMIT...
  nube-manage quota delete --project P [--user U]
  nube-manage quota class show [--name default]
  nube-manage quota class update [--name default] NAME=LIMIT...

The same rules as the API's os-quota-sets and os-quota-class-sets: a
limit is an integer from -1 (none) up; a project's or user's new limit
may not be below what is in use (or beyond what the project has left for
a user) unless ``--force``.
"""

from nube.api import common as api_common
from nube.compute import quotas as quota_api
from nube.db.api import api as api_db
from nube import exception
from nube import quota

CATEGORIES = ('quota',)


def _print_table(headers, rows):
    # nube.cmd.manage's table, imported late: manage imports this module.
    from nube.cmd import manage

    manage._print_table(headers, rows)


def _values(pairs):
    """{name: limit} from NAME=LIMIT arguments."""
    values = {}
    for pair in pairs:
        name, sep, text = pair.partition('=')
        if not sep or name not in quota_api.RESOURCES:
            raise exception.Invalid(
                'expected NAME=LIMIT with NAME one of %s, got %r'
                % (', '.join(quota_api.RESOURCES), pair))
        try:
            limit = int(text)
        except ValueError:
            limit = None
        if limit is None or not -1 <= limit <= api_common.MAX_INT:
            raise exception.Invalid(
                'the limit of %s must be an integer from -1 to %d, got %r'
                % (name, api_common.MAX_INT, text))
        values[name] = limit
    if not values:
        raise exception.Invalid('give at least one NAME=LIMIT')
    return values


def _show_project(db, project_id, user_id):
    detail = quota_api.detail(db, project_id, user_id)
    _print_table(['Quota', 'Limit', 'In Use'],
                 [(name, detail[name]['limit'], detail[name]['in_use'])
                  for name in quota_api.RESOURCES])


def _show_class(db, name):
    limits = quota_api.class_limits(db, name)
    _print_table(['Quota', 'Limit'],
                 [(key, limits[key]) for key in quota_api.RESOURCES])


def quota_show(args):
    _show_project(api_db.get_database(), args.project, args.user)


def quota_update(args):
    db = api_db.get_database()
    quota_api.update(db, args.project, _values(args.limits),
                     user_id=args.user, force=args.force)
    _show_project(db, args.project, args.user)


def quota_delete(args):
    quota_api.delete(api_db.get_database(), args.project, user_id=args.user)
    print('Deleted the limits of %s' % (
        'user %s in project %s' % (args.user, args.project) if args.user
        else 'project %s' % args.project))


def class_show(args):
    _show_class(api_db.get_database(), args.name)


def class_update(args):
    db = api_db.get_database()
    quota_api.update_class(db, args.name, _values(args.limits))
    _show_class(db, args.name)


def _owner(parser):
    parser.add_argument('--project', '--project-id', '--project_id',
                        required=True)
    parser.add_argument('--user', '--user-id', '--user_id')


def register(sub):
    quotas = sub.add_parser('quota').add_subparsers(dest='action',
                                                    required=True)
    p = quotas.add_parser('show', help='limits and usage of a project '
                                       '(or of a user in it)')
    _owner(p)
    p.set_defaults(func=quota_show)
    p = quotas.add_parser('update', help='set limits: NAME=LIMIT ...')
    _owner(p)
    p.add_argument('--force', action='store_true',
                   help='also below what is in use')
    p.add_argument('limits', nargs='+', metavar='NAME=LIMIT')
    p.set_defaults(func=quota_update)
    p = quotas.add_parser('delete', help='drop the limits set for a '
                                         'project (or user): the defaults '
                                         'apply again')
    _owner(p)
    p.set_defaults(func=quota_delete)
    classes = quotas.add_parser('class').add_subparsers(dest='class_action',
                                                        required=True)
    p = classes.add_parser('show')
    p.add_argument('--name', default=quota.DEFAULT_CLASS)
    p.set_defaults(func=class_show)
    p = classes.add_parser('update', help='set limits: NAME=LIMIT ...')
    p.add_argument('--name', default=quota.DEFAULT_CLASS)
    p.add_argument('limits', nargs='+', metavar='NAME=LIMIT')
    p.set_defaults(func=class_update)
