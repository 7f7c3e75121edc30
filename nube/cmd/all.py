"""nube-all: every nube service in one process, with no configuration.

State (SQLite files, instance files, openrc) lives in ``--state-dir``; RPC
uses the in-process ``inproc://`` transport; computes use the fake driver
(``--fake-hosts K`` of them) or libvirt's ``test:///`` driver.

nube-identity runs in the process too, bootstrapped on every start (admin
password from $NUBE_ADMIN_PASSWORD, else generated once and printed), and
so do the image registry and the image API (file store in the state
directory); the compute and image APIs authenticate with keystonemiddleware
against it, unless ``--auth noauth2``. ``openrc`` and ``clouds.yaml``
(cloud ``nube``) in the state directory hold the admin's credentials.
"""

import argparse
import os
import shlex
import sys

from oslo_log import log as logging
import yaml

from nube.api import auth as api_auth
from nube import service
from nube.cells import targeting
from nube.cmd import api as api_cmd
from nube.cmd import common
from nube.cmd import compute as compute_cmd
from nube.cmd import manage
from nube.cmd import network as network_cmd
from nube.cmd import network_api as network_api_cmd
from nube.conductor import manager as conductor_manager
from nube.conductor import rpcapi as conductor_rpcapi
import nube.conf
from nube.db import migration
from nube.db.api import api as api_db
from nube.db.cell import api as cell_db
from nube.identity import all_in_one as identity_aio
from nube.identity import manage as identity_manage
from nube.image import all_in_one as image_aio
from nube.scheduler import manager as scheduler_manager
from nube.scheduler import rpcapi as scheduler_rpcapi

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

TRANSPORT = 'inproc://'
FAST_REPORTS_UP_TO = 10


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog='nube-all', description='Run a whole nube cloud in one process.')
    parser.add_argument('--state-dir', default=os.path.expanduser(
        '~/.local/share/nube'), help='where databases and files live')
    parser.add_argument('--fake-hosts', type=int, default=0, metavar='K',
                        help='run K fake compute hosts (default: one host '
                             'on libvirt test:/// if libvirt-python is '
                             'installed, else one fake host)')
    parser.add_argument('--fake-vcpus', type=int, metavar='N',
                        help='vCPUs of each fake host')
    parser.add_argument('--fake-ram-mb', type=int, metavar='MB',
                        help='RAM of each fake host')
    parser.add_argument('--fake-disk-gb', type=int, metavar='GB',
                        help='disk of each fake host')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on')
    parser.add_argument('--api-port', type=int, default=8774)
    parser.add_argument('--identity-port', type=int, default=5000)
    parser.add_argument('--image-port', type=int, default=9292)
    parser.add_argument('--image-registry-port', type=int, default=9191)
    parser.add_argument('--network-port', type=int, default=9696)
    parser.add_argument('--no-images', action='store_true',
                        help='run no image service: any image UUID boots '
                             'a blank disk')
    parser.add_argument('--auth', choices=['keystone', 'noauth2'],
                        default='keystone',
                        help='how the compute API authenticates requests '
                             '(noauth2: "user:project" tokens, for '
                             'development)')
    parser.add_argument('--config-file', action='append', default=[],
                        help='extra oslo.config files')
    parser.add_argument('--debug', action='store_true')
    return parser.parse_args(argv)


def _sqlite(state_dir, name):
    return 'sqlite:///' + os.path.join(state_dir, name + '.db')


def configure(args):
    os.makedirs(args.state_dir, exist_ok=True)
    oslo_args = []
    for path in args.config_file:
        oslo_args += ['--config-file', path]
    if args.debug:
        oslo_args.append('--debug')
    common.setup(oslo_args, default_config_files=[])
    CONF.set_override('transport_url', TRANSPORT)
    CONF.set_override('state_path', args.state_dir)
    CONF.set_override('connection', _sqlite(args.state_dir, 'api'),
                      group='api_database')
    CONF.set_override('connection', _sqlite(args.state_dir, 'cell1'),
                      group='database')
    CONF.set_override('listen', args.host, group='api')
    CONF.set_override('port', args.api_port, group='api')
    # One process: faster heartbeats and reports are cheap for a few
    # hosts; many fake hosts keep the production intervals (100 hosts at
    # 2 s / 5 s were 50 heartbeats and 20 usage recounts a second).
    if args.fake_hosts <= FAST_REPORTS_UP_TO:
        CONF.set_override('report_interval', 2)
        CONF.set_override('resource_report_interval', 5, group='compute')
    CONF.set_override('host_refresh_interval', 1, group='scheduler')
    # Networks in the database and the API, nothing on the host (the
    # flat manager with the noop driver): nube-all needs no root.
    CONF.set_default('network_driver', 'noop', group='network')
    CONF.set_override('networks_path', os.path.join(args.state_dir,
                                                    'networks'),
                      group='network')
    CONF.set_override('listen', args.host, group='network_api')
    CONF.set_override('port', args.network_port, group='network_api')
    CONF.set_override('mapping_cache_time', 3600, group='cells')
    CONF.set_default('timing_stats', True)
    for opt, value in (('fake_vcpus', args.fake_vcpus),
                       ('fake_memory_mb', args.fake_ram_mb),
                       ('fake_local_gb', args.fake_disk_gb)):
        if value:
            CONF.set_override(opt, value, group='compute')
    if args.fake_hosts or not _have_libvirt():
        CONF.set_override('compute_driver', 'fake', group='compute')
    else:
        CONF.set_override('compute_driver', 'libvirt', group='compute')
        CONF.set_override('connection_uri', 'test:///default',
                          group='libvirt')


def _have_libvirt():
    try:
        import libvirt  # noqa: F401
    except ImportError:
        return False
    return True


def bootstrap(state_dir):
    """Create and map the databases and default flavors (first start)."""
    db = api_db.get_database()
    migration.db_sync(db, 'api')
    cells = {c['name']: c for c in db.cell_mapping_get_all()}
    if 'cell0' not in cells:
        db.cell_mapping_create('cell0', 'none:///',
                               _sqlite(state_dir, 'cell0'),
                               uuid=api_db.CELL0_UUID)
    if 'cell1' not in cells:
        db.cell_mapping_create('cell1', TRANSPORT,
                               CONF.database.connection)
    for cell in targeting.get_cells(include_cell0=True, refresh=True):
        migration.db_sync(targeting.cell_database(cell), 'cell')
    manage.create_default_flavors(db)


def compute_hosts(count):
    if not count:
        return [CONF.host]
    return ['fake-host-%d' % i for i in range(1, count + 1)]


REGION = 'RegionOne'


def _private_file(path, text):
    """Write a file only its owner may read (it holds a password)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def admin_credentials(auth_url, password):
    return {'auth_url': auth_url, 'username': 'admin', 'password': password,
            'project_name': 'admin', 'user_domain_name': 'Default',
            'project_domain_name': 'Default'}


def write_openrc(state_dir, url, credentials):
    """openrc for the clients (keystone password auth as the admin)."""
    lines = ['# nube-all: source this file, then use the openstack client',
             'export NUBE_COMPUTE_URL=%s' % url,
             'export OS_COMPUTE_API_VERSION=2.47']
    for name in ('auth_url', 'username', 'password', 'project_name',
                 'user_domain_name', 'project_domain_name'):
        lines.append('export OS_%s=%s' % (name.upper(),
                                          shlex.quote(credentials[name])))
    lines += ['export OS_IDENTITY_API_VERSION=3',
              'export OS_REGION_NAME=%s' % REGION, '']
    return _private_file(os.path.join(state_dir, 'openrc'),
                         '\n'.join(lines))


def write_clouds_yaml(state_dir, credentials):
    """clouds.yaml with cloud ``nube`` (openstacksdk, OS_CLOUD=nube)."""
    clouds = {'clouds': {'nube': {'auth': dict(credentials),
                                  'region_name': REGION,
                                  'identity_api_version': 3}}}
    return _private_file(os.path.join(state_dir, 'clouds.yaml'),
                         yaml.safe_dump(clouds, default_flow_style=False))


def start_identity(args):
    """The in-process identity service; sets up the keystone strategy.

    Returns (identity service, whether its admin password was generated).
    """
    state_dir = os.path.join(args.state_dir, 'identity')
    generated = not os.environ.get(identity_manage.PASSWORD_ENV) and \
        not os.path.exists(os.path.join(state_dir,
                                        identity_aio.PASSWORD_FILE))
    identity = identity_aio.prepare(
        state_dir, host=args.host, port=args.identity_port,
        compute_port=args.api_port, image_port=args.image_port,
        network_port=args.network_port, region_id=REGION)
    if args.auth == 'keystone':
        CONF.set_override('auth_strategy', 'keystone', group='api')
        CONF.set_override('auth_strategy', 'keystone', group='image_api')
        CONF.set_override('auth_strategy', 'keystone', group='network_api')
        api_auth.set_authtoken_options(dict(identity.authtoken_config(),
                                            region_name=REGION))
    return identity, generated


def image_services(args):
    """[registry, image API]; computes and the compute API use them. The
    registry listens on loopback only and trusts its callers."""
    CONF.set_override('api_endpoint', 'http://%s:%d' % (
        args.host, args.image_port), group='glance')
    return image_aio.services(args.state_dir, host=args.host,
                              registry_port=args.image_registry_port,
                              api_port=args.image_port)


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    configure(args)
    bootstrap(args.state_dir)
    cell1 = cell_db.CellDatabase(CONF.database.connection)
    services = [
        service.Service('nube-conductor', conductor_rpcapi.TOPIC,
                        conductor_manager.ConductorManager(cell1)),
        service.Service('nube-scheduler', scheduler_rpcapi.TOPIC,
                        scheduler_manager.SchedulerManager()),
        network_cmd.build_service(cell1),
    ]
    hosts = compute_hosts(args.fake_hosts)
    services += compute_cmd.build_services(hosts)
    identity, generated = start_identity(args)
    services[0:0] = [identity] + (
        [] if args.no_images else image_services(args))
    services.append(api_cmd.ApiService())
    services.append(network_api_cmd.NetworkApiService())
    url = 'http://%s:%d/v2.1' % (args.host, args.api_port)
    credentials = admin_credentials(identity.auth_url,
                                    identity.admin_password)
    openrc = write_openrc(args.state_dir, url, credentials)
    write_clouds_yaml(args.state_dir, credentials)
    print('nube-all: identity %s (user admin, project admin)'
          % identity.auth_url, flush=True)
    if generated:
        print('nube-all: generated admin password: %s (kept in %s)'
              % (identity.admin_password,
                 os.path.join(args.state_dir, 'identity',
                              identity_aio.PASSWORD_FILE)), flush=True)
    if args.auth == 'noauth2':
        print('nube-all: noauth2: token "admin:admin" is an admin',
              flush=True)
    print('nube-all: network API http://%s:%d'
          % (args.host, args.network_port), flush=True)
    print('nube-all: compute API %s, image API %s\n'
          'nube-all: %d compute host(s), state in %s, openrc and '
          'clouds.yaml at %s'
          % (url, CONF.glance.api_endpoint or 'none', len(hosts),
             args.state_dir, os.path.dirname(openrc)), flush=True)
    common.run_until_signalled(services)
    return 0


if __name__ == '__main__':
    sys.exit(main())
