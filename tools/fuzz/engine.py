"""The fuzz loop: schemathesis generates cases from an API's OpenAPI
document (positive: valid for the schemas; negative: not), hypothesis
drives them in small chunks, round-robin over the operations, until the
API's time budget or request cap is spent. Each case is sent once with
``requests`` and checked here (status, error shape, latency)."""

import collections
import json
import os
import re
import time

import hypothesis
from hypothesis import HealthCheck
from hypothesis import Phase
import requests
import schemathesis
from schemathesis import GenerationMode

import shapes

LONG_BODY = 400            # longer bodies go to a file for curl
CHUNK = 8                  # examples per hypothesis run
NO_TOKEN = 0.04            # share of cases sent without a token
MANGLE = 0.05              # share of JSON bodies sent broken
# Not the API's business: the test-case id, and headers that frame the
# HTTP message itself (a random Transfer-Encoding tests the WSGI server).
_DROP_HEADERS = frozenset(h.lower() for h in (
    'X-Schemathesis-TestCaseId', 'Transfer-Encoding', 'Content-Length',
    'Connection', 'Host', 'Expect', 'TE', 'Trailer', 'Upgrade',
    'Keep-Alive', 'Proxy-Connection'))


def _dumps(body):
    return json.dumps(body).encode('utf-8', 'surrogatepass')


# Bodies no JSON-schema generator makes: each must be a 400, never a 500.
_MANGLES = (
    lambda body: _dumps(body)[:max(1, len(_dumps(body)) // 2)],
    lambda body: b'[' * 5000 + b']' * 5000,
    lambda body: b'{"a": ' * 3000 + b'1' + b'}' * 3000,
    lambda body: b'{"\xff\xfe": "\xc3\x28"}',
    lambda body: b'{"a": ' + b'9' * 5000 + b'}',
    lambda body: b'null',
    lambda body: b'[' + _dumps(body) + b']',
)


@schemathesis.serializer('application/openstack-images-v2.0-json-patch',
                         'application/openstack-images-v2.1-json-patch')
def _json_patch(ctx, value):
    return json.dumps(value).encode('utf-8')


class Failure:
    """One kind of failure: its first and its smallest example."""

    def __init__(self, kind, api, label, status, detail):
        self.kind, self.api, self.label = kind, api, label
        self.status, self.detail = status, detail
        self.count = 0
        self.curl = self.body = self.log = None
        self._size = None

    def add(self, prepared, secrets, log=None, repro_dir=None):
        self.count += 1
        body = prepared.body or b''
        if isinstance(body, str):
            body = body.encode('utf-8', 'surrogatepass')
        size = len(body) + len(prepared.url)
        if self._size is None or size < self._size:
            self._size = size
            path = None
            if repro_dir and len(body) > LONG_BODY:
                os.makedirs(repro_dir, exist_ok=True)
                path = os.path.join(repro_dir, '%s-%s-%d.body' % (
                    self.kind, self.api, id(self)))
                with open(path, 'wb') as f:
                    f.write(body)
            self.curl = shapes.curl(prepared, secrets, path)
            self.body = shapes.body_text(prepared, limit=120)
            if log or self.log is None:
                self.log = log

    def as_dict(self):
        return {k: getattr(self, k) for k in (
            'kind', 'api', 'label', 'status', 'detail', 'count', 'curl',
            'body', 'log')}


class Stats:
    def __init__(self, api):
        self.api = api
        self.requests = 0
        self.statuses = collections.Counter()
        self.server_errors = 0
        self.shape_errors = 0
        self.slow = 0
        self.transport_errors = 0
        self.seconds = 0.0
        self.operations = collections.Counter()
        self.by_operation = collections.defaultdict(collections.Counter)
        self.max_latency = 0.0

    def as_dict(self):
        return {'api': self.api, 'requests': self.requests,
                'statuses': dict(sorted(self.statuses.items())),
                '5xx': self.server_errors, 'shape_errors': self.shape_errors,
                'slow': self.slow, 'transport_errors': self.transport_errors,
                'seconds': round(self.seconds, 1),
                'max_latency': round(self.max_latency, 3),
                'operations': {op: dict(sorted(c.items())) for op, c in
                               sorted(self.by_operation.items())}}


def load_operations(doc):
    schema = schemathesis.openapi.from_dict(doc)
    operations, errors = [], []
    for result in schema.get_all_operations():
        try:
            operations.append(result.ok())
        except Exception as exc:
            errors.append(str(exc)[:300])
    return operations, errors


class Fuzzer:
    """Fuzzes one API of a cloud."""

    def __init__(self, api, base_url, doc, aim, tokens, failures, rng,
                 deadline, fixed_headers=None, log=None, repro_dir=None):
        self.api = api
        self.base_url = base_url.rstrip('/')
        self.doc = doc
        self.aim = aim
        self.tokens = {'admin': tokens.admin, 'member': tokens.member}
        self.secrets = {tokens.admin: '$ADMIN_TOKEN',
                        tokens.member: '$MEMBER_TOKEN'}
        self.failures = failures
        self.rng = rng
        self.deadline = deadline
        self.fixed_headers = fixed_headers or {}
        self.log = log
        self.repro_dir = repro_dir
        self.session = requests.Session()
        self.stats = Stats(api)
        self.operations, self.schema_errors = load_operations(doc)
        self._seen = collections.defaultdict(set)
        self._stop_at = 0.0
        self._max_requests = 0
        self._strategies = {}
        self.refresh_errors = collections.Counter()

    # -- one case ----------------------------------------------------------

    def _prepare(self, case):
        kwargs = case.as_transport_kwargs(base_url=self.base_url)
        headers = {k: str(v) for k, v in (kwargs.get('headers') or {}).items()
                   if k.lower() not in _DROP_HEADERS}
        headers['User-Agent'] = 'nube-fuzz'
        headers['Accept'] = 'application/json'
        headers.pop('X-Auth-Token', None)
        who = None
        if self.rng.random() >= NO_TOKEN:
            who = 'member' if self.rng.random() < 0.35 else 'admin'
            headers['X-Auth-Token'] = self.tokens[who]
        data, body = kwargs.get('data'), kwargs.get('json')
        if body is not None and self.rng.random() < MANGLE:
            data, body = self.rng.choice(_MANGLES)(body), None
            headers.setdefault('Content-Type', 'application/json')
        request = requests.Request(
            kwargs['method'], self.aim.rewrite(kwargs['url'], who),
            headers=headers, params=kwargs.get('params'), json=body,
            data=data)
        return self.session.prepare_request(request)

    def _send(self, case, mode):
        self.aim.fix(case, mode)
        try:
            prepared = self._prepare(case)
        except (ValueError, TypeError, UnicodeError):
            return      # not sendable over HTTP at all (e.g. NUL in URL)
        label = '%s %s' % (case.method.upper(), case.operation.path)
        signature = hash((prepared.method, prepared.url, prepared.body))
        if signature in self._seen[label]:
            return
        self._seen[label].add(signature)
        offset = self.log.log_offset() if self.log else 0
        start = time.monotonic()
        try:
            response = self.session.send(prepared,
                                         timeout=self.deadline * 3 + 5)
        except requests.RequestException as exc:
            elapsed = time.monotonic() - start
            self._count(label, elapsed, None)
            self.stats.transport_errors += 1
            self._fail('transport', label, None, type(exc).__name__,
                       prepared, offset)
            return
        except (ValueError, UnicodeError):
            return      # http.client refused to send it (header encoding)
        elapsed = time.monotonic() - start
        self._count(label, elapsed, response.status_code)
        self._check(label, prepared, response, elapsed, offset)

    def _count(self, label, elapsed, status):
        stats = self.stats
        stats.requests += 1
        stats.seconds += elapsed
        stats.max_latency = max(stats.max_latency, elapsed)
        stats.operations[label] += 1
        if status is not None:
            stats.statuses['%dxx' % (status // 100)] += 1
            stats.by_operation[label][str(status)] += 1

    def _check(self, label, prepared, response, elapsed, offset):
        status = response.status_code
        if status >= 500:
            self.stats.server_errors += 1
            self._fail('5xx', label, status, _snippet(response), prepared,
                       offset)
        problem = shapes.shape_problem(self.api, prepared.method, response)
        if problem:
            self.stats.shape_errors += 1
            self._fail('shape', label, status, problem, prepared, None)
        if elapsed > self.deadline:
            self.stats.slow += 1
            self._fail('slow', label, status, '%.1fs > %.1fs' % (
                elapsed, self.deadline), prepared, None)

    def _fail(self, kind, label, status, detail, prepared, offset):
        where = exc = None
        if offset is not None and self.log is not None:
            where, exc = _traceback(self.log.read_log(offset))
        cause = detail if kind == 'shape' else (
            exc.split(':')[0] if exc else None)
        key = (kind, self.api, label, status, cause)
        failure = self.failures.get(key)
        if failure is None:
            failure = self.failures[key] = Failure(kind, self.api, label,
                                                   status, detail)
        log = '\n'.join(x for x in (where, exc) if x) or None
        failure.add(prepared, self.secrets, log, self.repro_dir)

    # -- the loop ----------------------------------------------------------

    def _strategy(self, operation, mode):
        key = (operation.label, mode)
        if key not in self._strategies:
            self._strategies[key] = operation.as_strategy(
                generation_mode=mode, headers=dict(self.fixed_headers))
        return self._strategies[key]

    def _chunk(self, operation, mode, seed):
        def body(case):
            if time.monotonic() >= self._stop_at or \
                    self.stats.requests >= self._max_requests:
                return
            self._send(case, mode)

        test = hypothesis.given(self._strategy(operation, mode))(body)
        test = hypothesis.settings(
            max_examples=CHUNK, deadline=None, database=None,
            derandomize=False, phases=[Phase.generate],
            suppress_health_check=list(HealthCheck), print_blob=False,
            verbosity=hypothesis.Verbosity.quiet)(test)
        test = hypothesis.seed(seed)(test)
        before = self.stats.requests
        try:
            test()
        except hypothesis.errors.Unsatisfiable:
            pass
        except Exception as exc:
            # The strategy itself failed: note it, drop the operation.
            self.schema_errors.append('%s (%s): %s: %s' % (
                operation.label, mode.value, type(exc).__name__,
                str(exc)[:300]))
            return 0
        return self.stats.requests - before

    def refresh_now(self):
        self.aim._refreshed = 0.0
        self._refresh()

    def _refresh(self):
        try:
            self.aim.maybe_refresh()
        except Exception as exc:
            self.refresh_errors[type(exc).__name__ + ': ' +
                                str(exc)[:300]] += 1

    def run(self, budget, max_requests):
        """Fuzz for ``budget`` seconds or ``max_requests`` requests."""
        self._stop_at = time.monotonic() + budget
        self._max_requests = max_requests
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        active = [(op, mode) for op in self.operations for mode in modes]
        while active and time.monotonic() < self._stop_at and \
                self.stats.requests < max_requests:
            still = []
            for operation, mode in active:
                if time.monotonic() >= self._stop_at or \
                        self.stats.requests >= max_requests:
                    break
                self._refresh()
                sent = self._chunk(operation, mode, self.rng.getrandbits(32))
                # An operation with nothing new to try (a GET without
                # parameters) drops out after a quiet chunk.
                if sent:
                    still.append((operation, mode))
            else:
                active = still
        return self.stats


def _snippet(response, limit=200):
    text = response.content[:limit].decode('utf-8', 'replace')
    return ' '.join(text.split())


_LOG_PREFIX = re.compile(
    r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \d+ [A-Z]+ \S+ ')


def _traceback(text):
    """(where, exception) of the last traceback in a log excerpt: the
    innermost nube frame and the exception line; or the last ERROR."""
    lines = [_LOG_PREFIX.sub('', line, count=1)
             for line in text.splitlines()]
    starts = [i for i, line in enumerate(lines)
              if line.startswith('Traceback (most recent call last)')]
    if not starts:
        errors = [line for line in text.splitlines() if ' ERROR ' in line]
        return (None, _LOG_PREFIX.sub('', errors[-1])[:300]) if errors \
            else (None, None)
    where, exc = None, None
    for index in range(starts[-1] + 1, len(lines)):
        line = lines[index]
        if line.startswith('  File ') and '/nube/' in line and \
                'site-packages' not in line:
            code = lines[index + 1].strip() if index + 1 < len(lines) \
                else ''
            where = '%s: %s' % (line.strip().replace('File ', ''), code)
        elif line and not line.startswith(' '):
            exc = line.strip()
            break
    return where, exc and exc[:300]
