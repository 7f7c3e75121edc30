"""nube-all: every nube service in one process, with no configuration.

State (SQLite files, instance files, openrc) lives in ``--state-dir``; RPC
uses the in-process ``inproc://`` transport; computes use the fake driver
(``--fake-hosts K`` of them) or libvirt's ``test:///`` driver.
"""

import argparse
import os
import sys

from oslo_log import log as logging

from nube import service
from nube.cells import targeting
from nube.cmd import api as api_cmd
from nube.cmd import common
from nube.cmd import compute as compute_cmd
from nube.cmd import manage
from nube.conductor import manager as conductor_manager
from nube.conductor import rpcapi as conductor_rpcapi
import nube.conf
from nube.db import migration
from nube.db.api import api as api_db
from nube.db.cell import api as cell_db
from nube.scheduler import manager as scheduler_manager
from nube.scheduler import rpcapi as scheduler_rpcapi

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

TRANSPORT = 'inproc://'


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog='nube-all', description='Run a whole nube cloud in one process.')
    parser.add_argument('--state-dir', default=os.path.expanduser(
        '~/.local/share/nube'), help='where databases and files live')
    parser.add_argument('--fake-hosts', type=int, default=0, metavar='K',
                        help='run K fake compute hosts (default: one host '
                             'on libvirt test:/// if libvirt-python is '
                             'installed, else one fake host)')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on')
    parser.add_argument('--api-port', type=int, default=8774)
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
    # One process: faster heartbeats and reports cost nothing.
    CONF.set_override('report_interval', 2)
    CONF.set_override('resource_report_interval', 5, group='compute')
    CONF.set_override('host_refresh_interval', 1, group='scheduler')
    CONF.set_override('mapping_cache_time', 3600, group='cells')
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


def write_openrc(state_dir, url):
    path = os.path.join(state_dir, 'openrc')
    with open(path, 'w') as f:
        f.write('# nube-all: source this file, then use curl or the clients\n'
                'export NUBE_COMPUTE_URL=%s\n'
                'export OS_AUTH_TYPE=noauth\n'
                'export OS_COMPUTE_API_VERSION=2.47\n'
                'export OS_TOKEN=admin:admin\n'
                'export OS_PROJECT_ID=admin\n' % url)
    return path


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
    ]
    services += compute_cmd.build_services(compute_hosts(args.fake_hosts))
    services.append(api_cmd.ApiService())
    url = 'http://%s:%d/v2.1' % (args.host, args.api_port)
    openrc = write_openrc(args.state_dir, url)
    print('nube-all: compute API %s (token "admin:admin" is an admin)\n'
          'nube-all: %d compute host(s), state in %s, openrc at %s'
          % (url, len(services) - 3, args.state_dir, openrc), flush=True)
    common.run_until_signalled(services)
    return 0


if __name__ == '__main__':
    sys.exit(main())
