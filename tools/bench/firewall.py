#!/usr/bin/env python3
"""Time security group and floating IP updates of the linux_net driver.

Inside a network namespace this benchmark makes and always removes
(root; nothing outside it is touched), with the real iptables-restore,
iptables-save and ipset:
  - apply_filters for --ports ports on one host, all in one group with a
    remote-group rule (ingress from the group) and two TCP rules, as one
    atomic update from nothing;
  - with them in place: one rule added or removed, one port added or
    removed, one member added to the group, and an apply with nothing
    to change (the cost of reading the state back);
  - apply_nat with --fips floating IPs from nothing, one floating IP
    moved to another fixed address, nothing to change.
Each figure is the median (and max) of --runs runs; "wrote" is what the
last run sent to iptables-restore and ipset restore.

  python tools/bench/firewall.py
  python tools/bench/firewall.py --ports 2000 --fips 5000 --runs 9
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..'))

from nube.network.drivers import linux_net  # noqa: E402

SG = '0de1a017-0000-4000-8000-000000000001'
BRIDGE = 'brbench'


def _ports(n):
    return [{'id': '%08x-0000-4000-8000-000000000000' % (i + 1),
             'bridge': BRIDGE,
             'addresses': ['10.%d.%d.%d' % (100 + i // 62500,
                                            i // 250 % 250, i % 250 + 2)],
             'security_groups': [SG]} for i in range(n)]


def _groups(ports, extra_rules=()):
    rules = [{'direction': 'egress', 'ethertype': 'IPv4', 'protocol': None},
             {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': None,
              'remote_group_id': SG},
             {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'tcp',
              'port_range_min': 22, 'port_range_max': 22},
             {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'tcp',
              'port_range_min': 80, 'port_range_max': 80}]
    return {SG: {'id': SG, 'rules': rules + list(extra_rules),
                 'members': [p['addresses'][0] for p in ports]}}


def _fips(n, shift=0):
    return [{'floating_ip_address': '172.%d.%d.%d' % (
        16 + i // 62500, i // 250 % 250, i % 250 + 2),
        'fixed_ip_address': '10.%d.%d.%d' % (
            100 + (i + shift) // 62500, (i + shift) // 250 % 250,
            (i + shift) % 250 + 2),
        'bridge': BRIDGE} for i in range(n)]


class Writes:
    """Wraps the driver's _run: keeps what the last run wrote."""

    def __init__(self, driver):
        self.real, self.last, self.sets = driver._run, '', ''
        driver._run = self

    def __call__(self, argv, input=None, check=True):
        if argv[0] == 'iptables-restore':
            self.last = input
        elif argv[1:] == ['-exist', 'restore']:
            self.sets = input
        return self.real(argv, input=input, check=check)


def _timed(runs, prepare, action, writes):
    """Median and max of ``action()`` over ``runs`` runs, each after an
    untimed ``prepare()``; the size of what the last run wrote."""
    times = []
    for _ in range(runs):
        prepare()
        writes.last = writes.sets = ''
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    text, sets = writes.last, writes.sets
    written = []
    if text:
        written.append('iptables %d lines (%d chains)' % (
            text.count('\n'), text.count('\n:')))
    if sets:
        written.append('ipset %d lines' % sets.count('\n'))
    return statistics.median(times), max(times), ', '.join(
        written) or 'nothing'



def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--ports', type=int, default=500)
    parser.add_argument('--fips', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit('needs root (a network namespace, iptables, ipset)')

    namespace = 'nubeb-fw-%s' % uuid.uuid4().hex[:6]
    subprocess.run(['ip', 'netns', 'add', namespace], check=True)
    driver = None
    try:
        driver = linux_net.LinuxNetDriver(namespace=namespace,
                                          networks_path='/nonexistent')
        writes = Writes(driver)
        ports = _ports(args.ports)
        groups = _groups(ports)
        more = _ports(args.ports + 1)
        rule = {'direction': 'ingress', 'ethertype': 'IPv4',
                'protocol': 'tcp', 'port_range_min': 443,
                'port_range_max': 443}
        joined = _groups(ports)
        joined[SG]['members'].append('10.250.0.2')
        results = []

        def row(what, prepare, action):
            results.append((what,) + _timed(args.runs, prepare, action,
                                            writes))

        base = lambda: driver.apply_filters(ports, groups)
        row('filters: %d ports from nothing' % args.ports,
            driver._cleanup_firewall, base)
        row('filters: one rule added', base,
            lambda: driver.apply_filters(ports, _groups(ports, [rule])))
        row('filters: one rule removed',
            lambda: driver.apply_filters(ports, _groups(ports, [rule])), base)
        row('filters: one port added', base,
            lambda: driver.apply_filters(more, groups))
        row('filters: one port removed',
            lambda: driver.apply_filters(more, groups), base)
        row('filters: one member joins (ipset)', base,
            lambda: driver.apply_filters(ports, joined))
        row('filters: nothing changed', base, base)

        floating, moved = _fips(args.fips), _fips(args.fips)
        moved[0]['fixed_ip_address'] = '10.250.0.9'
        nat = lambda: driver.apply_nat(floating)
        row('nat: %d floating IPs from nothing' % args.fips,
            driver._cleanup_firewall, nat)
        row('nat: one floating IP moved', nat,
            lambda: driver.apply_nat(moved))
        row('nat: nothing changed', nat, nat)

        print('linux_net in netns %s, %d runs each (median / max)' % (
            namespace, args.runs))
        width = max(len(r[0]) for r in results)
        for what, median, worst, written in results:
            print('%-*s  %8.1f ms / %8.1f ms   wrote %s' % (
                width, what, median * 1000, worst * 1000, written))
    finally:
        try:
            if driver is not None:
                driver.close()
        finally:
            subprocess.run(['ip', 'netns', 'delete', namespace])


if __name__ == '__main__':
    main()
