#!/usr/bin/env python3
"""Allocate, associate, disassociate and release N floating IPs, and
build the NAT state nube-network reads for them.

Everything goes through nube/network/api.py's CellNetworks on a cell DB
(SQLite file by default, or --db-url for MariaDB): an external network
with a pool big enough, N server ports on a private network, then per
floating IP: create (an address from the pool), update port_id
(associate), update port_id None (disassociate), delete (release). The
host side (the NAT rules for N floating IPs, one atomic update) is
tools/bench/firewall.py's. Reported per step: median and p95 per call,
calls per second, and the time of one floating_host_state() read with
all N associated (what each nube-network sync reads).

  python tools/bench/floating_ips.py -n 1000
  python tools/bench/floating_ips.py -n 1000 --db-url mysql+pymysql://...
"""

import argparse
import ipaddress
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..'))

import common  # noqa: E402
import nube.conf  # noqa: E402
from nube import context  # noqa: E402
from nube.db.cell import api as cell_api  # noqa: E402
from nube.db import migration  # noqa: E402
from nube.network import api as network_api  # noqa: E402

CONF = nube.conf.CONF


class _NoCasts:
    """No nube-network listens here."""

    def refresh(self, ctxt, network_ids):
        pass


def _report(name, values):
    total = sum(values)
    print('%-12s %5d calls: median %.2f ms, p95 %.2f ms, %.0f/s' % (
        name, len(values), statistics.median(values) * 1000,
        common.percentile(values, 95) * 1000,
        len(values) / total if total else 0))


def _timed(fn, items):
    times, results = [], []
    for item in items:
        started = time.perf_counter()
        results.append(fn(item))
        times.append(time.perf_counter() - started)
    return times, results


def _pool_cidr(n):
    prefix = 32 - (n + 2).bit_length()
    return str(ipaddress.ip_network('172.30.0.0/%d' % min(prefix, 24)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-n', type=int, default=1000, help='floating IPs')
    parser.add_argument('--db-url', help='cell DB (default: SQLite file)')
    args = parser.parse_args()
    CONF([], project='nube')
    CONF.set_override('floating_ips', -1, group='quota')
    CONF.set_override('max_ports_per_network', 1 << 20, group='network')
    tmp = tempfile.mkdtemp(prefix='nube-bench-fip-')
    url = args.db_url or 'sqlite:///%s' % os.path.join(tmp, 'cell.db')
    db = cell_api.CellDatabase(url)
    migration.db_sync(db, 'cell')
    nets = network_api.CellNetworks(db)
    nets._rpc = _NoCasts()
    admin = context.get_admin_context()
    user = context.RequestContext(user_id='u', project_id='bench')
    public = nets.create_network(admin, {'name': 'bench-public',
                                         'router:external': True},
                                 bridge='nbench-ex')
    nets.create_subnet(admin, {'network_id': public['id'],
                               'cidr': _pool_cidr(args.n),
                               'enable_dhcp': False})
    private = nets.create_network(user, {'name': 'bench-private'},
                                  bridge='nbench-in')
    nets.create_subnet(user, {'network_id': private['id'],
                              'cidr': '10.250.0.0/16'})
    ports = [nets.create_port(user, {
        'network_id': private['id'], 'device_id': 'server-%d' % i,
        'device_owner': 'compute:nova'}) for i in range(args.n)]
    print('%d floating IPs on %s (%s)' % (
        args.n, _pool_cidr(args.n), url.split(':', 1)[0]))

    created_t, fips = _timed(lambda _i: nets.create_floatingip(
        user, {'floating_network_id': public['id']}), range(args.n))
    _report('allocate', created_t)
    pairs = list(zip(fips, ports))
    assoc_t, _ = _timed(lambda pair: nets.update_floatingip(
        user, pair[0]['id'], {'port_id': pair[1]['id']}), pairs)
    _report('associate', assoc_t)
    started = time.perf_counter()
    state = db.floating_host_state()
    read = time.perf_counter() - started
    assert len(state) == args.n, len(state)
    print('%-12s %5d associated read in %.1f ms' % ('host state',
                                                    len(state), read * 1000))
    dis_t, _ = _timed(lambda fip: nets.update_floatingip(
        user, fip['id'], {'port_id': None}), fips)
    _report('disassociate', dis_t)
    rel_t, _ = _timed(lambda fip: nets.delete_floatingip(user, fip['id']),
                      fips)
    _report('release', rel_t)
    assert db.floating_ip_get_all() == []
    print('total %.2f s for %d allocate+associate+disassociate+release' % (
        sum(created_t + assoc_t + dis_t + rel_t), args.n))


if __name__ == '__main__':
    main()
