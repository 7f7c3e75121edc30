#!/usr/bin/env python3
"""What the input guards cost, and what a hostile request costs the cloud.

Starts one ``nube-all`` (fake host, free ports on 127.0.0.1) and times,
over keep-alive HTTP:

  GET /servers           an authenticated read (token checks, routing)
  GET /flavors/detail    a read that renders more
  POST /servers 400      a 60 KiB create body (user_data) with a flavor
                         that does not exist: parsing, the input checks
                         and schema validation, then the 400
  POST /servers 202      a one-server create, then its DELETE

and then, unless ``--no-hostile``, the requests that once stopped the
cloud, each while another thread keeps reading ``GET /flavors`` (its
slowest answer meanwhile is "others' worst"):

  max_count 2^31, max_count 2000, JSON nested 5,000 deep

``--config users`` (default) is what users run: keystone tokens (a
cached validation per request) and the image service on;
``--config stripped`` is noauth2 without images, as the other tools.
Run it from two checkouts to A/B them (see doc/performance.md):

  python tools/bench/request_guard.py --repeat 300
"""

import argparse
import json
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

PASSWORD = 'bench-' + uuid.uuid4().hex[:12]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--config', choices=('users', 'stripped'),
                   default='users')
    p.add_argument('--repeat', type=int, default=300,
                   help='requests per timed kind (default 300)')
    p.add_argument('--no-hostile', action='store_true',
                   help='skip the hostile requests (a checkout without '
                        'the guards hangs on max_count 2^31)')
    p.add_argument('--hostile-timeout', type=float, default=5.0,
                   help='seconds a hostile request may take before it '
                        'counts as a hang (default 5)')
    p.add_argument('--json', metavar='FILE')
    p.add_argument('--keep', action='store_true')
    return p.parse_args(argv)


def keystone_token(identity_port):
    client = common.Client('http://127.0.0.1:%d' % identity_port, token='')
    client.headers.pop('X-Auth-Token')
    body = {'auth': {'identity': {'methods': ['password'], 'password': {
        'user': {'name': 'admin', 'domain': {'id': 'default'},
                 'password': PASSWORD}}},
        'scope': {'project': {'name': 'admin',
                              'domain': {'id': 'default'}}}}}
    conn = client._conn()
    conn.request('POST', '/v3/auth/tokens', body=json.dumps(body),
                 headers={'Content-Type': 'application/json'})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 201:
        raise common.BenchError('token request -> %s' % resp.status)
    return resp.getheader('X-Subject-Token')


def upload_image(image_port, token):
    """A 1 MiB raw image in the image service; its id."""
    client = common.Client('http://127.0.0.1:%d' % image_port, token=token)
    status, body, _t = client.request('POST', '/v2/images', {
        'name': 'bench-guard', 'disk_format': 'raw',
        'container_format': 'bare', 'visibility': 'public'})
    if status != 201:
        raise common.BenchError('image create -> %s %s' % (status, body))
    conn = client._conn()
    conn.request('PUT', '/v2/images/%s/file' % body['id'],
                 body=b'\0' * 2 ** 20,
                 headers={'X-Auth-Token': token,
                          'Content-Type': 'application/octet-stream'})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 204:
        raise common.BenchError('image upload -> %s' % resp.status)
    return body['id']


def start_cloud(state_dir, config):
    """(process, compute API client, its URL, an image id)."""
    api_port, identity_port = common.free_port(), common.free_port()
    image_port = common.free_port()
    argv = common.script('nube-all') + [
        '--state-dir', state_dir, '--fake-hosts', '1',
        '--api-port', str(api_port), '--identity-port', str(identity_port)]
    if config == 'users':
        argv += ['--auth', 'keystone', '--image-port',
                 str(image_port), '--image-registry-port',
                 str(common.free_port())]
    else:
        argv += ['--auth', 'noauth2', '--no-images']
    process = common.Process(
        'nube-all', argv, os.path.join(state_dir, 'nube-all.log'),
        env={'NUBE_ADMIN_PASSWORD': PASSWORD})
    process.start()
    url = 'http://127.0.0.1:%d/v2.1' % api_port
    client = common.Client(url)

    def ready():
        process.check()
        if config == 'users':
            try:
                client.headers['X-Auth-Token'] = keystone_token(
                    identity_port)
            except (OSError, common.BenchError):
                return False
        return client.up()
    common.poll(ready, 120, interval=0.2, message='nube-all not up')
    image = str(uuid.uuid4())
    if config == 'users':
        image = upload_image(image_port, client.headers['X-Auth-Token'])
    return process, client, url, image


def timed(client, repeat, method, path, body=None, expect=None, after=None):
    seconds = []
    for _ in range(repeat):
        status, answer, elapsed = client.request(method, path, body)
        if expect is not None and status != expect:
            raise common.BenchError('%s %s -> %s %s' % (
                method, path, status, answer))
        seconds.append(elapsed)
        if after is not None:
            after(answer)
    return seconds


def normal_requests(client, repeat, image):
    flavor = common.ensure_flavor(client, 'bench.guard', 1, 64, 1)
    big = {'server': {'name': 'guard', 'flavorRef': 'no-such-flavor',
                      'imageRef': image, 'networks': 'none',
                      'user_data': 'QUJD' * 15000,
                      'metadata': {'k%d' % i: 'v' * 200
                                   for i in range(20)}}}
    one = {'server': {'name': 'guard', 'flavorRef': flavor,
                      'imageRef': image, 'networks': 'none'}}

    def delete(answer):
        client.request('DELETE', '/servers/%s' % answer['server']['id'])

    rows = {}
    timed(client, 20, 'GET', '/servers')   # warm-up
    rows['GET /servers'] = timed(client, repeat, 'GET', '/servers',
                                 expect=200)
    rows['GET /flavors/detail'] = timed(client, repeat, 'GET',
                                        '/flavors/detail', expect=200)
    rows['POST /servers 400 (60 KiB)'] = timed(
        client, repeat, 'POST', '/servers', big, expect=400)
    rows['POST /servers 202 + DELETE'] = timed(
        client, max(repeat // 5, 10), 'POST', '/servers', one, expect=202,
        after=delete)
    return rows


def hostile_requests(url, client, timeout, image):
    flavor = common.ensure_flavor(client, 'bench.guard', 1, 64, 1)

    def create(count):
        return {'server': {'name': 'h', 'flavorRef': flavor,
                           'imageRef': image, 'networks': 'none',
                           'min_count': 1, 'max_count': count}}
    deep = '[' * 5000 + ']' * 5000
    cases = [('max_count 2^31', create(2 ** 31)),
             ('max_count 2000', create(2000)),
             ('JSON 5,000 deep', deep)]
    rows = []
    for label, body in cases:
        other = common.Client(url, token=client.headers['X-Auth-Token'],
                              timeout=timeout)
        stop = threading.Event()
        worst = [0.0]

        def reader():
            while not stop.is_set():
                try:
                    _s, _b, elapsed = other.request('GET', '/flavors')
                except OSError:
                    worst[0] = float('inf')
                    return
                worst[0] = max(worst[0], elapsed)
        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        time.sleep(0.2)     # the reader is running before the request
        hostile = common.Client(url, token=client.headers['X-Auth-Token'],
                                timeout=timeout)
        started = time.perf_counter()
        try:
            if isinstance(body, str):
                conn = hostile._conn()
                conn.request('POST', hostile.prefix + '/servers',
                             body=body.encode(),
                             headers=hostile.headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            else:
                status, _b, _t = hostile.request('POST', '/servers', body)
        except OSError:
            status = 'hang (> %.0f s)' % timeout
        elapsed = time.perf_counter() - started
        time.sleep(0.2)
        stop.set()
        thread.join(timeout)
        rows.append((label, status, elapsed * 1000, worst[0] * 1000))
        if isinstance(status, str):
            break           # the cloud is stuck: the rest says nothing
    return rows


def main(argv=None):
    args = parse_args(argv)
    machine = common.machine()
    print('machine: %(cpus)s cpus, load %(loadavg)s' % machine)
    result = {'machine': machine, 'config': args.config}
    with common.TempDir('nube-bench-guard-', args.keep) as state_dir:
        process, client, url, image = start_cloud(state_dir,
                                                  args.config)
        try:
            rows = normal_requests(client, args.repeat, image)
            common.print_table(
                'Requests (%s config), ms' % args.config,
                ['request', 'n', 'p50', 'p95', 'p99'],
                [[name, len(s)] + [common.fmt(common.percentile(s, p) * 1000,
                                              2) for p in (50, 95, 99)]
                 for name, s in rows.items()])
            result['requests_ms'] = {
                name: {str(p): common.percentile(s, p) * 1000
                       for p in (50, 95, 99)} for name, s in rows.items()}
            if not args.no_hostile:
                hostile = hostile_requests(url, client, args.hostile_timeout,
                                           image)
                common.print_table(
                    'Hostile requests', ['request', 'status', 'ms',
                                         "others' worst ms"],
                    [[label, status, common.fmt(ms, 1), common.fmt(w, 1)]
                     for label, status, ms, w in hostile])
                result['hostile'] = hostile
        finally:
            process.stop()
    common.write_json(args.json, result)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except common.BenchError as exc:
        print('error: %s' % exc, file=sys.stderr)
        sys.exit(1)
