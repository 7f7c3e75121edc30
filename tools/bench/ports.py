#!/usr/bin/env python3
"""Create and delete N ports on one FlatDHCP network, and time the dnsmasq
updates they cause.

The ports go through nube/network/api.py's CellNetworks on a cell DB
(SQLite file by default, or --db-url for MariaDB). The host side is the
FlatDHCP manager with the linux_net driver inside a network namespace this
benchmark makes and removes (root; nothing outside it is touched), or the
noop driver with --noop. Reported:
  - port create and delete: per port (median, p95) and per second;
  - one sync after every --sync-every port changes (what nube-network
    does when refreshes arrive one by one): median and p95 per sync, how
    many times dnsmasq was signalled, whether its pid stayed the same;
  - one sync with all N ports (what a restart rebuilds).

  python tools/bench/ports.py -n 1000
  python tools/bench/ports.py -n 1000 --sync-every 10
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..'))

import common  # noqa: E402
import nube.conf  # noqa: E402
from nube import context  # noqa: E402
from nube.db.cell import api as cell_api  # noqa: E402
from nube.db import migration  # noqa: E402
from nube.network import api as network_api  # noqa: E402
from nube.network import manager as network_manager  # noqa: E402
from nube.network.managers import flat_dhcp  # noqa: E402

CONF = nube.conf.CONF


class _NoCasts:
    """No nube-network listens here: the benchmark syncs by itself."""

    def refresh(self, ctxt, network_ids):
        pass


def _ms(values):
    return 'median %.2f ms, p95 %.2f ms' % (
        statistics.median(values) * 1000,
        common.percentile(values, 95) * 1000)


def _dnsmasq_pid(networks_path, net_id):
    try:
        with open(os.path.join(networks_path, net_id, 'pid')) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-n', type=int, default=1000, help='ports')
    parser.add_argument('--sync-every', type=int, default=1,
                        help='port changes between two syncs')
    parser.add_argument('--db-url', help='cell DB (default: SQLite file)')
    parser.add_argument('--noop', action='store_true',
                        help='noop driver: no namespace, no dnsmasq')
    args = parser.parse_args()

    CONF([], project='nube', default_config_files=[])
    work = tempfile.mkdtemp(prefix='nube-bench-ports-')
    os.chmod(work, 0o755)
    namespace = None
    try:
        networks_path = os.path.join(work, 'networks')
        CONF.set_override('networks_path', networks_path, group='network')
        CONF.set_override('network_manager', 'flat_dhcp', group='network')
        if args.noop:
            CONF.set_override('network_driver', 'noop', group='network')
        else:
            namespace = 'nubeb-%s' % uuid.uuid4().hex[:6]
            subprocess.run(['ip', 'netns', 'add', namespace], check=True)
            CONF.set_override('host_namespace', namespace, group='network')
        db = cell_api.CellDatabase(args.db_url or 'sqlite:///%s' %
                                   os.path.join(work, 'cell.db'))
        migration.db_sync(db, 'cell')
        nets = network_api.CellNetworks(db)
        nets._rpc = _NoCasts()
        admin = context.RequestContext(user_id='bench', project_id='bench',
                                       is_admin=True)
        net = nets.create_network(admin, {'name': 'bench',
                                          'shared': True})
        nets.create_subnet(admin, {'network_id': net['id'],
                                   'cidr': '10.199.0.0/20'})
        plugin = flat_dhcp.FlatDHCPManager()

        def sync():
            started = time.perf_counter()
            plugin.sync(network_manager.host_networks(
                db.network_host_state(), CONF.host, False))
            return time.perf_counter() - started

        sync()
        first_pid = _dnsmasq_pid(networks_path, net['id'])
        creates, deletes, syncs, ports = [], [], [], []
        for i in range(args.n):
            started = time.perf_counter()
            ports.append(nets.create_port(admin, {'network_id': net['id']}))
            creates.append(time.perf_counter() - started)
            if (i + 1) % args.sync_every == 0:
                syncs.append(sync())
        full = sync()
        for port in ports:
            started = time.perf_counter()
            nets.delete_port(admin, port['id'])
            deletes.append(time.perf_counter() - started)
            if len(deletes) % args.sync_every == 0:
                syncs.append(sync())
        last_pid = _dnsmasq_pid(networks_path, net['id'])
        print('ports: %d on one FlatDHCP network (%s driver, %s)' % (
            args.n, 'noop' if args.noop else 'linux_net in netns ' +
            namespace, 'MariaDB' if args.db_url else 'SQLite'))
        print('create: %s, %.0f/s' % (_ms(creates), len(creates) /
                                       sum(creates)))
        print('delete: %s, %.0f/s' % (_ms(deletes), len(deletes) /
                                       sum(deletes)))
        print('sync after every %d change(s): %d syncs, %s, total %.2f s'
              % (args.sync_every, len(syncs), _ms(syncs), sum(syncs)))
        print('one sync with %d ports: %.1f ms' % (args.n, full * 1000))
        if not args.noop:
            print('dnsmasq pid %s -> %s (%s)' % (
                first_pid, last_pid, 'kept, updated by SIGHUP'
                if first_pid == last_pid else 'restarted'))
    finally:
        try:
            if not args.noop:
                flat_dhcp.FlatDHCPManager().driver.cleanup_all()
        finally:
            if namespace:
                subprocess.run(['ip', 'netns', 'pids', namespace],
                               capture_output=True)
                subprocess.run(['ip', 'netns', 'delete', namespace])
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
