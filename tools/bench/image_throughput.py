#!/usr/bin/env python3
"""Image data throughput: nube-image-api (file store) against cp and a
plain loopback HTTP transfer of the same file. Prints numbers; not a test.

    tools/bench/image_throughput.py [--size-mib 1024] [--runs 3]
        [--chunk-size BYTES] [--no-fsync] [--workdir DIR]

What runs, each --runs times (the median is reported):
  cp         cp SRC DST in the work dir (page cache; no sync)
  loopback   curl -T / curl -o /dev/null against a minimal Python
             http.server that writes PUT bodies to a file in 1 MiB pieces
             and serves them back (no hashing, no metadata, no fsync);
             once more with md5 + sha512 computed inline, as a reference
             for what the hashing alone costs
  image API  nube-image-registry (SQLite) + nube-image-api (file store
             under the work dir) as processes; curl -T to
             /v2/images/ID/file (Content-Length) and again chunked, curl
             -o /dev/null to download; the API's VmRSS is sampled every
             10 ms during the transfers for its peak
The image API must also compute md5 and sha512 of every upload and (by
default) fsync the file before renaming it into place.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

MiB = 1024 * 1024
TOKEN = 'admin:admin'

SINK = r'''
import hashlib, http.server, os, sys
PATH = sys.argv[2]
HASH = sys.argv[3] == 'hash'
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_PUT(self):
        left = int(self.headers['Content-Length'])
        md5, sha = hashlib.md5(), hashlib.sha512()
        with open(PATH + '.part', 'wb', buffering=0) as f:
            while left:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                if HASH:
                    md5.update(chunk)
                    sha.update(chunk)
                f.write(chunk)
                left -= len(chunk)
        os.rename(PATH + '.part', PATH)
        self.send_response(204)
        self.end_headers()
    def do_GET(self):
        if not os.path.exists(PATH):
            self.send_response(404)
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        self.send_response(200)
        self.send_header('Content-Length', str(os.path.getsize(PATH)))
        self.end_headers()
        with open(PATH, 'rb') as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                self.wfile.write(chunk)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])),
                                Handler).serve_forever()
'''


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def script(name):
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.access(path, os.X_OK):
        sys.exit('%s not found beside %s: install nube in this venv'
                 % (name, sys.executable))
    return path


def wait_http(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    sys.exit('no answer from %s' % url)


def curl(*args):
    """Run curl; return (seconds, http code)."""
    started = time.monotonic()
    out = subprocess.run(['curl', '-s', '-S', '-o', '/dev/null', '-w',
                          '%{http_code}', *args], check=True,
                         capture_output=True, text=True).stdout
    return time.monotonic() - started, out.strip()


class Rss:
    def __init__(self, pid):
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            with open('/proc/%d/status' % self.pid) as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        self.peak = max(self.peak, int(line.split()[1]))
            self._stop.wait(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def rate(size, seconds):
    return size / MiB / seconds


def bench_cp(src, work, runs):
    times = []
    for _ in range(runs):
        dst = os.path.join(work, 'cp.out')
        started = time.monotonic()
        subprocess.run(['cp', src, dst], check=True)
        times.append(time.monotonic() - started)
        os.unlink(dst)
    return statistics.median(times)


def bench_loopback(src, work, runs, hashing=False):
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-c', SINK, str(port),
                             os.path.join(work, 'sink.out'),
                             'hash' if hashing else 'plain'])
    try:
        wait_http('http://127.0.0.1:%d/' % port)
        url = 'http://127.0.0.1:%d/obj' % port
        up, down = [], []
        for _ in range(runs):
            up.append(curl('-T', src, url)[0])
            down.append(curl(url)[0])
            os.unlink(os.path.join(work, 'sink.out'))
        return statistics.median(up), statistics.median(down)
    finally:
        proc.terminate()
        proc.wait()


def api_request(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        'X-Auth-Token': TOKEN, 'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read()
        return json.loads(text) if text else None


def bench_api(src, size, work, runs, chunk_size, fsync):
    registry_port, api_port = free_port(), free_port()
    conf = os.path.join(work, 'image.conf')
    with open(conf, 'w') as f:
        f.write('\n'.join([
            '[DEFAULT]', 'state_path = %s' % work,
            '[image_database]',
            'connection = sqlite:///%s' % os.path.join(work, 'image.db'),
            '[image_registry]', 'listen = 127.0.0.1',
            'port = %d' % registry_port,
            'url = http://127.0.0.1:%d' % registry_port,
            '[image_api]', 'listen = 127.0.0.1', 'port = %d' % api_port,
            '[image_store]', 'default_store = file',
            'filesystem_store_datadir = %s' % os.path.join(work, 'images'),
            'filesystem_store_fsync = %s' % ('true' if fsync else 'false'),
        ] + (['chunk_size = %d' % chunk_size] if chunk_size else []) + ['']))
    subprocess.run([script('nube-manage'), '--config-file', conf, 'image_db',
                    'sync'], check=True, capture_output=True)
    logs = open(os.path.join(work, 'services.log'), 'ab')
    procs = [subprocess.Popen([script(name), '--config-file', conf],
                              stdout=logs, stderr=subprocess.STDOUT,
                              start_new_session=True)
             for name in ('nube-image-registry', 'nube-image-api')]
    base = 'http://127.0.0.1:%d' % api_port
    try:
        wait_http('http://127.0.0.1:%d/images' % registry_port)
        wait_http(base + '/versions')
        idle_rss = Rss(procs[1].pid)
        with idle_rss:
            time.sleep(0.05)
        results = {'up': [], 'chunked': [], 'down': []}
        with Rss(procs[1].pid) as rss:
            for _ in range(runs):
                for kind in ('up', 'chunked'):
                    image = api_request('POST', base + '/v2/images',
                                        {'name': 'bench'})
                    file_url = '%s/v2/images/%s/file' % (base, image['id'])
                    extra = (['-H', 'Transfer-Encoding: chunked']
                             if kind == 'chunked' else [])
                    seconds, code = curl(
                        '-T', src, '-H', 'X-Auth-Token: ' + TOKEN, '-H',
                        'Content-Type: application/octet-stream', *extra,
                        file_url)
                    assert code == '204', code
                    results[kind].append(seconds)
                    shown = api_request('GET', base + '/v2/images/'
                                        + image['id'])
                    assert shown['size'] == size, shown
                    if kind == 'up':
                        seconds, code = curl('-H', 'X-Auth-Token: ' + TOKEN,
                                             file_url)
                        assert code == '200', code
                        results['down'].append(seconds)
                    api_request('DELETE', base + '/v2/images/'
                                + image['id'])
        return ({k: statistics.median(v) for k, v in results.items()},
                rss.peak, idle_rss.peak)
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(10)
        logs.close()


def bench_hash(name, runs, size=256 * MiB):
    """Seconds one core needs to hash ``size`` bytes (the ceiling of an
    upload that must compute this digest in-stream)."""
    import hashlib
    block = os.urandom(MiB)
    times = []
    for _ in range(runs):
        digest = hashlib.new(name)
        started = time.monotonic()
        for _ in range(size // MiB):
            digest.update(block)
        times.append(time.monotonic() - started)
    return size / MiB / statistics.median(times)


def make_source(path, size):
    with open(path, 'wb') as f:
        for _ in range(size // MiB):
            f.write(os.urandom(MiB))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size-mib', type=int, default=1024)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--chunk-size', type=int,
                        help='[image_store] chunk_size (default: nube\'s)')
    parser.add_argument('--no-fsync', action='store_true',
                        help='filesystem_store_fsync = false')
    parser.add_argument('--workdir', help='default: a temporary directory')
    args = parser.parse_args()
    if shutil.which('curl') is None:
        sys.exit('curl is needed')
    work = args.workdir or tempfile.mkdtemp(prefix='nube-image-bench-')
    os.makedirs(work, exist_ok=True)
    size = args.size_mib * MiB
    src = os.path.join(work, 'source.img')
    load = os.getloadavg()[0]
    if load > 1:
        print('warning: load average %.2f: other work on this machine '
              'skews the numbers' % load, file=sys.stderr)
    try:
        make_source(src, size)
        md5_rate = bench_hash('md5', args.runs)
        sha_rate = bench_hash('sha512', args.runs)
        cp = bench_cp(src, work, args.runs)
        loop_up, loop_down = bench_loopback(src, work, args.runs)
        hash_up, _down = bench_loopback(src, work, args.runs, hashing=True)
        api, peak, idle = bench_api(src, size, work, args.runs,
                                    args.chunk_size, not args.no_fsync)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    print('image throughput: %d MiB, median of %d runs, %d CPUs, load '
          '%.2f, chunk_size=%s, fsync=%s' % (
              args.size_mib, args.runs, os.cpu_count(), load,
              args.chunk_size or 'default', not args.no_fsync))
    rows = [('md5 alone, one core', md5_rate, None),
            ('sha512 alone, one core', sha_rate, None),
            ('cp (page cache)', rate(size, cp), None),
            ('loopback HTTP upload', rate(size, loop_up), None),
            ('loopback HTTP download', rate(size, loop_down), None),
            ('loopback upload + md5/sha512 inline', rate(size, hash_up),
             None),
            ('image API upload (Content-Length)', rate(size, api['up']),
             loop_up / api['up']),
            ('image API upload (chunked)', rate(size, api['chunked']),
             loop_up / api['chunked']),
            ('image API download', rate(size, api['down']),
             loop_down / api['down'])]
    for name, mibs, ratio in rows:
        line = '  %-36s %8.1f MiB/s' % (name, mibs)
        if ratio is not None:
            line += '   %5.1f%% of loopback' % (100 * ratio)
        print(line)
    print('  %-36s %8.1f MiB (idle %.1f MiB)' % (
        'image API peak RSS', peak / 1024, idle / 1024))


if __name__ == '__main__':
    main()
