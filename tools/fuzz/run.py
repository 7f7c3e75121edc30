#!/usr/bin/env python3
"""Property-based fuzzing of nube's three APIs (doc/openapi.md).

Starts ``nube-all`` on 127.0.0.1 free ports (fake hosts, SQLite, keystone
auth), takes an admin token and a member's of a second project, and
fuzzes the compute, image and identity APIs from their OpenAPI documents
(nube.openapi) with schemathesis + hypothesis, bounded in time and in
requests. Then it checks the cloud: no server left in BUILD, the
hypervisors' usage equal to the servers' flavors.

Fails (exit 1) on any 5xx, any error not in its API's shape, any request
slower than the deadline, an invalid document, or a broken invariant.

  python tools/fuzz/run.py                      # ~4 minutes in all
  python tools/fuzz/run.py --budget 60 --apis compute --seed 7
  NUBE_FUZZ_BUDGET=120 tox -e fuzz

Talks to 127.0.0.1 only; stops the cloud it started.
"""

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import time
import warnings

warnings.filterwarnings('ignore', message=r'(?s).*[Ee]ventlet')
warnings.filterwarnings('ignore', category=DeprecationWarning)
warnings.filterwarnings('ignore', message=r'DSA is deprecated')

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hypothesis import configuration as hypothesis_configuration  # noqa
import aims  # noqa: E402
import cloud as cloud_mod  # noqa: E402
import engine  # noqa: E402
from nube import openapi  # noqa: E402

SHARES = {'compute': 0.5, 'image': 0.25, 'identity': 0.25}


def _env(name, default, kind=float):
    value = os.environ.get(name)
    return kind(value) if value else default


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog='tools/fuzz/run.py',
        description='Fuzz nube\'s APIs from their OpenAPI documents.')
    parser.add_argument('--budget', type=float,
                        default=_env('NUBE_FUZZ_BUDGET', 240.0),
                        help='seconds of fuzzing in all, shared compute '
                             '50%%, image 25%%, identity 25%% ($NUBE_FUZZ_'
                             'BUDGET, default 240)')
    parser.add_argument('--max-requests', type=int,
                        default=_env('NUBE_FUZZ_MAX_REQUESTS', 10000, int),
                        help='request cap per API ($NUBE_FUZZ_MAX_'
                             'REQUESTS, default 10000)')
    parser.add_argument('--deadline', type=float,
                        default=_env('NUBE_FUZZ_DEADLINE', 5.0),
                        help='a request slower than this fails (s)')
    parser.add_argument('--build-deadline', type=float, default=60.0,
                        help='seconds after the run by which no server '
                             'may be in BUILD')
    parser.add_argument('--apis', default=','.join(openapi.APIS),
                        help='comma-separated subset of %s'
                             % ','.join(openapi.APIS))
    parser.add_argument('--seed', type=int,
                        default=_env('NUBE_FUZZ_SEED', None, int))
    parser.add_argument('--work-dir',
                        help='where the cloud\'s state, its log and '
                             'report.json go (default: a new temporary '
                             'directory, kept)')
    parser.add_argument('--show', type=int, default=12,
                        help='failures to print in full')
    args = parser.parse_args(argv)
    args.apis = [a for a in args.apis.split(',') if a]
    unknown = set(args.apis) - set(openapi.APIS)
    if unknown:
        parser.error('unknown API(s): %s' % ', '.join(sorted(unknown)))
    return args


def build_documents(apis):
    """{api: doc} and a list of validation problems."""
    from openapi_spec_validator import validate
    docs, problems = {}, []
    for api in apis:
        docs[api] = openapi.build(api)
        try:
            validate(docs[api])
        except Exception as exc:
            problems.append('%s: not valid OpenAPI 3.1: %s'
                            % (api, str(exc)[:500]))
    return docs, problems


def fuzz(args, docs, nube, tokens, rng, failures):
    stats, notes = [], []
    start = time.monotonic()
    total = sum(SHARES[a] for a in args.apis)
    for index, api in enumerate(args.apis):
        left = args.budget - (time.monotonic() - start)
        share = SHARES[api] / sum(SHARES[a] for a in args.apis[index:])
        budget = max(0.0, left * share) if index else \
            args.budget * SHARES[api] / total
        aim = aims.AIMS[api](nube, tokens, rng)
        headers = {'OpenStack-API-Version': 'compute %s'
                   % cloud_mod.COMPUTE_VERSION} if api == 'compute' else {}
        fuzzer = engine.Fuzzer(api, nube.urls[api], docs[api], aim, tokens,
                               failures, rng, args.deadline,
                               fixed_headers=headers, log=nube,
                               repro_dir=os.path.join(args.work_dir,
                                                      'repro'))
        print('fuzz: %s: %d operations, %.0fs, at most %d requests'
              % (api, len(fuzzer.operations), budget, args.max_requests),
              flush=True)
        stats.append(fuzzer.run(budget, args.max_requests))
        if api == 'compute':
            # Servers (again) for the usage check after the run.
            fuzzer.refresh_now()
        notes += ['%s: %s' % (api, e) for e in fuzzer.schema_errors]
        notes += ['%s: set-up request failed %dx: %s' % (api, n, e)
                  for e, n in fuzzer.refresh_errors.items()]
        print('fuzz: %s: %d requests, %d 5xx, %d shape errors, %d slow'
              % (api, stats[-1].requests, stats[-1].server_errors,
                 stats[-1].shape_errors, stats[-1].slow), flush=True)
    return stats, notes


def count_tracebacks(nube):
    return nube.read_log(0).count('Traceback (most recent call last)')


def _cause(failure):
    """Where and what (the exception's class) broke, from the log."""
    if not failure.log:
        return failure.detail
    lines = failure.log.splitlines()
    exc = lines[-1].split(':')[0]
    return '\n'.join(lines[:-1] + [exc])


def print_report(args, stats, failures, invariants, problems, notes,
                 nube, tracebacks):
    print('\n==== nube fuzz report (seed %s) ====' % args.seed)
    print('%-9s %8s %6s %6s %6s %6s %6s %6s %7s' % (
        'api', 'requests', '2xx', '4xx', '5xx', 'shape', 'slow', 'ops',
        'max s'))
    for s in stats:
        print('%-9s %8d %6d %6d %6d %6d %6d %6d %7.2f' % (
            s.api, s.requests, s.statuses.get('2xx', 0),
            s.statuses.get('4xx', 0), s.server_errors, s.shape_errors,
            s.slow, len(s.operations), s.max_latency))
    print('\ninvariants:')
    for name, ok, detail in invariants:
        print('  [%s] %s: %s' % ('ok' if ok else 'FAIL', name, detail))
    for problem in problems:
        print('  [FAIL] %s' % problem)
    if notes:
        print('\nnotes (not failures):')
        for note in notes[:20]:
            print('  - %s' % note)
    print('\ntracebacks in the nube-all log: %d (%s)' % (tracebacks,
                                                         nube.log_path))
    ordered = sorted(failures.values(), key=lambda f: (
        ('5xx', 'transport', 'shape', 'slow').index(f.kind), f.api,
        f.label, str(f.status)))
    causes = {}
    for f in ordered:
        causes.setdefault((f.kind, f.api, _cause(f)), []).append(
            '%s -> %s' % (f.label, f.status))
    print('\ndistinct failures: %d, by cause: %d' % (len(ordered),
                                                    len(causes)))
    for (kind, api, cause), labels in causes.items():
        print('\n  [%s] %s: %s' % (kind, api, (cause or '?').replace(
            '\n', '\n      ')))
        for label in labels:
            print('      %s' % label)
    for f in ordered[:args.show]:
        print('\n[%s] %s %s -> %s (x%d): %s' % (
            f.kind, f.api, f.label, f.status, f.count, f.detail))
        if f.body:
            print('  body: %s' % f.body)
        if f.log:
            print('  log:  ' + f.log.replace('\n', '\n        '))
        print('  ' + f.curl)
    if len(ordered) > args.show:
        print('\n... %d more in %s' % (len(ordered) - args.show,
                                      os.path.join(args.work_dir,
                                                   'report.json')))
    if ordered:
        print('\nTo replay: start nube-all as below with '
              'NUBE_ADMIN_PASSWORD set, set ADMIN_TOKEN and MEMBER_TOKEN '
              '(openstack token issue), and adjust the ports:\n  %s'
              % ' '.join(nube.argv))


def _terminated(signum, frame):
    raise SystemExit('fuzz: terminated (signal %d)' % signum)


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 30)
    rng = random.Random(args.seed)
    args.work_dir = args.work_dir or tempfile.mkdtemp(prefix='nube-fuzz-')
    os.makedirs(args.work_dir, exist_ok=True)
    # hypothesis keeps its files in the work directory, not the checkout.
    hypothesis_configuration.set_hypothesis_home_dir(
        os.path.join(args.work_dir, '.hypothesis'))
    # A stage timeout (SIGTERM) still stops the cloud (finally below).
    signal.signal(signal.SIGTERM, _terminated)
    docs, problems = build_documents(args.apis)
    nube = cloud_mod.NubeAll(args.work_dir)
    failures, stats, invariants, notes = {}, [], [], []
    started = time.monotonic()
    print('fuzz: nube-all in %s (log %s)' % (args.work_dir, nube.log_path),
          flush=True)
    try:
        nube.start()
        tokens = cloud_mod.Tokens(nube)
        stats, notes = fuzz(args, docs, nube, tokens, rng, failures)
        if 'compute' in args.apis:
            invariants = cloud_mod.check_state(
                nube, tokens, args.build_deadline, usage_deadline=30)
    except cloud_mod.CloudError as exc:
        problems.append('cloud: %s' % exc)
    finally:
        nube.stop()
    tracebacks = count_tracebacks(nube)
    print_report(args, stats, failures, invariants, problems, notes, nube,
                 tracebacks)
    report = {
        'seed': args.seed, 'budget': args.budget,
        'seconds': round(time.monotonic() - started, 1),
        'stats': [s.as_dict() for s in stats],
        'invariants': [{'name': n, 'ok': ok, 'detail': d}
                       for n, ok, d in invariants],
        'problems': problems, 'notes': notes, 'tracebacks': tracebacks,
        'failures': [f.as_dict() for f in failures.values()],
        'log': nube.log_path,
    }
    with open(os.path.join(args.work_dir, 'report.json'), 'w') as f:
        json.dump(report, f, indent=2)
    failed = bool(failures or problems or
                  not all(ok for _n, ok, _d in invariants))
    print('\nfuzz: %s in %.0fs' % ('FAILED' if failed else 'passed',
                                   time.monotonic() - started))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
