"""nube-manage commands of the identity service.

  nube-manage identity_db sync
  nube-manage bootstrap --bootstrap-password PW [--region-id RegionOne]
              [--service-password PW [--service-username nube]]
              [--host HOST] [--services identity,compute,image]
              [--public-url-compute URL] [--internal-url-compute URL] ...
  nube-manage fernet_setup [--key-repository DIR]
  nube-manage fernet_rotate [--key-repository DIR]

nube/cmd/manage.py adds these with ``register(subparsers)``.
"""

import os

import nube.conf
from nube import exception
from nube.db.identity import api as identity_db
from nube.db import migration
from nube.identity import bootstrap as identity_bootstrap
from nube.identity import fernet
from nube.identity import manager as identity_manager
from nube.identity import revoke

CONF = nube.conf.CONF

CATEGORIES = ('identity_db', 'bootstrap', 'fernet_setup', 'fernet_rotate')
PASSWORD_ENV = 'NUBE_ADMIN_PASSWORD'
SERVICE_PASSWORD_ENV = 'NUBE_SERVICE_PASSWORD'


def identity_db_sync(args):
    db = identity_db.get_database()
    migration.db_sync(db, 'identity')
    print('Identity database is at revision %s' % migration.db_version(db))


def make_manager(db):
    return identity_manager.Manager(db, revoke.RevocationCache(db))


def _urls(args):
    services = [s.strip() for s in args.services.split(',') if s.strip()]
    unknown = set(services) - set(identity_bootstrap.SERVICES)
    if unknown:
        raise exception.Invalid(reason='unknown service type(s) %s; known: '
                                '%s' % (', '.join(sorted(unknown)), ', '.join(
                                    identity_bootstrap.SERVICES)))
    urls = identity_bootstrap.default_urls(args.host or CONF.my_ip,
                                           services)
    for service_type, by_interface in urls.items():
        public = getattr(args, 'public_url_' + service_type)
        for interface in identity_bootstrap.INTERFACES:
            given = getattr(args, '%s_url_%s' % (interface, service_type))
            url = given or public
            if url:
                by_interface[interface] = url
    return urls


def bootstrap(args):
    password = args.bootstrap_password or os.environ.get(PASSWORD_ENV)
    if not password:
        raise exception.Invalid(reason='give --bootstrap-password or set '
                                '%s' % PASSWORD_ENV)
    db = identity_db.get_database()
    migration.db_sync(db, 'identity')
    ids = identity_bootstrap.bootstrap(
        make_manager(db), password, username=args.bootstrap_username,
        project_name=args.bootstrap_project_name,
        role_name=args.bootstrap_role_name, region_id=args.region_id,
        urls=_urls(args), service_username=args.service_username,
        service_password=(args.service_password
                          or os.environ.get(SERVICE_PASSWORD_ENV)))
    print('Bootstrap done: user %s (%s), project %s (%s), region %s'
          % (args.bootstrap_username, ids['user_id'],
             args.bootstrap_project_name, ids['project_id'], args.region_id))


def _repository(args):
    return args.key_repository or CONF.identity.key_repository


def fernet_setup(args):
    path = _repository(args)
    keys = fernet.setup(path, CONF.identity.max_active_keys)
    print('Fernet keys in %s: %s' % (path, ' '.join(map(str, keys))))


def fernet_rotate(args):
    path = _repository(args)
    try:
        keys = fernet.rotate(path, CONF.identity.max_active_keys)
    except OSError as exc:
        raise exception.NubeException('cannot rotate keys in %s: %s'
                                      % (path, exc))
    print('Fernet keys in %s: %s (primary %d)' % (
        path, ' '.join(map(str, keys)), max(keys)))


def register(sub):
    """Add the identity commands to nube-manage's subparsers."""
    p = sub.add_parser('identity_db').add_subparsers(dest='action',
                                                     required=True)
    p.add_parser('sync', help='sync [identity_database]').set_defaults(
        func=identity_db_sync)

    p = sub.add_parser('bootstrap', help='create the default domain, admin '
                       'project, user and roles, and the catalog')
    p.add_argument('--bootstrap-password', help='admin password (default: '
                   '$%s)' % PASSWORD_ENV)
    p.add_argument('--bootstrap-username', default='admin')
    p.add_argument('--bootstrap-project-name', default='admin')
    p.add_argument('--bootstrap-role-name', default='admin')
    p.add_argument('--service-password', help='also create the user '
                   'services validate tokens as, with the service role on '
                   'project "service" (default: $%s; none if unset)'
                   % SERVICE_PASSWORD_ENV)
    p.add_argument('--service-username', default='nube')
    p.add_argument('--region-id', '--bootstrap-region-id',
                   default='RegionOne')
    p.add_argument('--host', help='host in the default endpoint URLs '
                   '(default: [DEFAULT] my_ip)')
    p.add_argument('--services', default=','.join(
        identity_bootstrap.DEFAULT_SERVICES),
        help='service types to put in the catalog (comma separated; empty '
             'for none; known: %s)' % ', '.join(identity_bootstrap.SERVICES))
    for service_type in identity_bootstrap.SERVICES:
        for interface in identity_bootstrap.INTERFACES:
            names = ['--%s-url-%s' % (interface, service_type)]
            if service_type == 'identity':
                names.append('--bootstrap-%s-url' % interface)
            p.add_argument(*names, dest='%s_url_%s' % (interface,
                                                       service_type))
    p.set_defaults(func=bootstrap)

    for name, func, text in (
            ('fernet_setup', fernet_setup, 'create the key repository'),
            ('fernet_rotate', fernet_rotate, 'promote the staged key, '
             'stage a new one, drop the oldest')):
        p = sub.add_parser(name, help=text)
        p.add_argument('--key-repository',
                       help='default: [identity] key_repository')
        p.set_defaults(func=func)
