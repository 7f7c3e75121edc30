"""How fast a revocation reaches the APIs, and what the check costs.

    python tools/bench/revocation.py [--rounds 30] [--events 1000]
        [--gets 2000]

Starts nube-identity, the image registry, the compute API and two image
APIs as processes (MariaDB + RabbitMQ, tests/functional/keystone_cloud.py,
auth_strategy keystone, token_cache_time 300): one image API with
``[revocation] enabled`` (the default), one without.

1. Latency: ``--rounds`` times, a token is used once at the compute and
   the image API (cached there), revoked with DELETE /v3/auth/tokens, and
   both are polled until they answer 401; the time from sending the DELETE.
2. Cost per request: ``--gets`` authenticated GET /v2/schemas/image (no
   registry call behind it) on each image API, interleaved in blocks of
   100, with the events of step 1 and then ``--events`` more in the index.
3. The check alone, in this process: Revocations.is_revoked per call.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import timeit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
import common  # noqa: E402

import requests  # noqa: E402


def _ms(seconds):
    return '%.1f' % (seconds * 1000.0)


def start_cloud(workdir):
    from tests.functional import fixtures
    from tests.functional import keystone_cloud
    db_server, rabbit = fixtures.DatabaseServer(), fixtures.RabbitServer()
    db_server.check()
    rabbit.check()
    c = keystone_cloud.KeystoneCloud(workdir, db_server, rabbit)
    c.prepare()
    for config in (c.keystone, c.image_config):
        config['keystone_authtoken']['token_cache_time'] = 300
    for config in (c.db_config, c.image_config):
        config['DEFAULT']['debug'] = False
    c.start_identity()
    c.start_image_services()
    c.off_port = fixtures.free_tcp_port()
    c.start('image-api-off', 'nube-image-api', keystone_cloud.merge(
        c.image_config, {'image_api': {'port': c.off_port},
                         'revocation': {'enabled': False}}))
    c.start_api(wait=False)
    c.wait_for_identity()
    c.wait_for_image_services()
    c.services['image-api-off'].wait_for_http(
        'http://127.0.0.1:%d/versions' % c.off_port, timeout=30)
    c.wait_for_api()
    for name in ('api', 'image-api'):
        c.services[name].wait_for_log('Listening for revocation events',
                                      timeout=30)
    return c


def new_token(c, admin_token):
    """A token from the admin's (token method: no password hash)."""
    resp = requests.post(c.auth_url + '/auth/tokens', timeout=30, json={
        'auth': {'identity': {'methods': ['token'],
                              'token': {'id': admin_token}}}})
    assert resp.status_code == 201, resp.text
    return resp.headers['X-Subject-Token']


def revoke(c, admin_token, token):
    resp = requests.delete(c.auth_url + '/auth/tokens', timeout=30, headers={
        'X-Auth-Token': admin_token, 'X-Subject-Token': token})
    assert resp.status_code == 204, resp.text


def latency(c, rounds):
    http = requests.Session()
    admin = c.admin.get_token()
    urls = {'compute': c.url('/v2.1/flavors'),
            'image': c.image_url + '/v2/images'}
    found = {name: [] for name in urls}
    for _ in range(rounds):
        token = new_token(c, admin)
        for url in urls.values():
            assert http.get(url, headers={'X-Auth-Token': token},
                            timeout=10).status_code == 200
        started = time.monotonic()
        revoke(c, admin, token)
        pending = dict(urls)

        def refused():
            for name, url in list(pending.items()):
                code = http.get(url, headers={'X-Auth-Token': token},
                                timeout=10).status_code
                if code == 401:
                    found[name].append(time.monotonic() - started)
                    del pending[name]
            return not pending
        common.poll(refused, 10, interval=0.002)
    return found


def cost(c, gets, block=100):
    http = requests.Session()
    token = c.admin.get_token()
    urls = {'events on': c.image_url + '/v2/schemas/image',
            'events off': 'http://127.0.0.1:%d/v2/schemas/image' % c.off_port}
    times = {name: [] for name in urls}
    for _ in range(max(1, gets // block)):
        for name, url in urls.items():
            for _ in range(block):
                t0 = time.perf_counter()
                resp = http.get(url, headers={'X-Auth-Token': token},
                                timeout=10)
                times[name].append(time.perf_counter() - t0)
                assert resp.status_code == 200, resp.status_code
    return times


def check_alone(events):
    from nube.api import revocation
    revs = revocation.Revocations()
    info = {'token': {'audit_ids': ['a'], 'user': {'id': 'u'},
                      'project': {'id': 'p'},
                      'issued_at': '2030-01-01T12:00:00.000000Z'}}
    rows = []
    for size in (0, events):
        revs.push([{'audit_id': 'x%d' % i,
                    'issued_before': '2030-01-01T12:00:00.000000Z'}
                   for i in range(size)])
        n = 200000
        rows.append(['%d events, no match' % len(revs),
                     '%.2f' % (timeit.timeit(lambda: revs.is_revoked(info),
                                             number=n) / n * 1e6)])
    revs.push([{'user_id': 'u',
                'issued_before': '2031-01-01T00:00:00.000000Z'}])
    n = 100000
    rows.append(['%d events, revoked (time parsed)' % len(revs),
                 '%.2f' % (timeit.timeit(lambda: revs.is_revoked(info),
                                         number=n) / n * 1e6)])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=30)
    parser.add_argument('--events', type=int, default=1000)
    parser.add_argument('--gets', type=int, default=2000)
    args = parser.parse_args()
    print('machine: %s' % common.machine())
    with tempfile.TemporaryDirectory(prefix='nube-bench-revocation-') as d:
        c = start_cloud(d)
        try:
            found = latency(c, args.rounds)
            common.print_table(
                'Revocation latency, DELETE sent -> 401 (ms), %d rounds, '
                'token_cache_time 300 s' % args.rounds,
                ['API', 'p50', 'p95', 'max'],
                [[name, _ms(statistics.median(v)),
                  _ms(common.percentile(v, 95)), _ms(max(v))]
                 for name, v in found.items()])
            rows = []
            for label, extra in (('%d events' % args.rounds, 0),
                                 ('+%d events' % args.events, args.events)):
                admin = c.admin.get_token()
                for _ in range(extra):
                    revoke(c, admin, new_token(c, admin))
                for name, v in cost(c, args.gets).items():
                    rows.append([label, name, _ms(statistics.median(v)),
                                 _ms(statistics.mean(v)),
                                 _ms(common.percentile(v, 95))])
            common.print_table(
                'GET /v2/schemas/image, authenticated (cached token), ms',
                ['index', 'image API', 'p50', 'mean', 'p95'], rows)
        finally:
            c.stop()
    common.print_table('Revocations.is_revoked alone (us per call)',
                       ['index', 'us'], check_alone(args.events))


if __name__ == '__main__':
    main()
