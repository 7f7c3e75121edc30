"""The cloud the fuzzer talks to: a ``nube-all`` on 127.0.0.1 free ports
(fake virt driver, SQLite, in-process RPC, keystone auth on, as
tests/functional/test_all_in_one.py runs it), its tokens, the resources
the fuzzer aims at, and the checks of its state after the run.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time

import requests

HOST = '127.0.0.1'
COMPUTE_VERSION = '2.47'
# Shorter task deadlines than the defaults, so that "nothing stays in
# BUILD" can be checked within the stage (the conductor's reaper moves
# overdue instances to ERROR).
CONDUCTOR_CONF = """[conductor]
reaper_interval = 2
scheduling_timeout = 20
spawning_timeout = 30
task_timeout = 30
"""
MEMBER_USER = 'fuzz-member'
MEMBER_PROJECT = 'fuzz-second'
TARGET_USER = 'fuzz-target'
TARGET_PROJECT = 'fuzz-target-project'


class CloudError(Exception):
    """The cloud could not be started or set up."""


def free_port():
    """A port nothing listens on (nube-all binds with SO_REUSEPORT, so a
    port in use would be shared, not refused)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) != 0:
                return port
    raise CloudError('no free port on %s' % HOST)


def poll(fn, timeout, interval=0.2):
    """fn() until truthy (returned) or the deadline (returns the last)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def _script(name):
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.path.exists(path):
        raise CloudError('%s is not installed next to %s'
                         % (name, sys.executable))
    return path


class NubeAll:
    """nube-all in ``work_dir``; its log is ``log_path``."""

    def __init__(self, work_dir, fake_hosts=2):
        self.work_dir = work_dir
        self.state_dir = os.path.join(work_dir, 'state')
        self.log_path = os.path.join(work_dir, 'nube-all.log')
        self.ports = {name: free_port() for name in
                      ('api', 'identity', 'image', 'registry')}
        self.password = secrets.token_urlsafe(16)
        conf = os.path.join(work_dir, 'fuzz.conf')
        with open(conf, 'w') as f:
            f.write(CONDUCTOR_CONF)
        self.argv = [
            _script('nube-all'), '--state-dir', self.state_dir,
            '--fake-hosts', str(fake_hosts), '--host', HOST,
            '--api-port', str(self.ports['api']),
            '--identity-port', str(self.ports['identity']),
            '--image-port', str(self.ports['image']),
            '--image-registry-port', str(self.ports['registry']),
            '--config-file', conf]
        self.proc = None
        self.urls = {
            'compute': 'http://%s:%d/v2.1' % (HOST, self.ports['api']),
            'image': 'http://%s:%d' % (HOST, self.ports['image']),
            'identity': 'http://%s:%d' % (HOST, self.ports['identity']),
        }

    def start(self, timeout=90):
        env = dict(os.environ, PYTHONUNBUFFERED='1',
                   NUBE_ADMIN_PASSWORD=self.password)
        with open(self.log_path, 'ab') as log:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=env, start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise CloudError('nube-all exited %s:\n%s'
                                 % (self.proc.returncode, self.tail()))
            try:
                return all(requests.get(url, timeout=2).status_code < 500
                           for url in self.urls.values())
            except requests.RequestException:
                return False
        if not poll(up, timeout):
            raise CloudError('nube-all did not answer in %ds:\n%s'
                             % (timeout, self.tail()))
        return self

    def log_offset(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def read_log(self, start, end=None):
        with open(self.log_path, 'rb') as f:
            f.seek(start)
            data = f.read() if end is None else f.read(max(0, end - start))
        return data.decode('utf-8', 'replace')

    def tail(self, lines=40):
        return '\n'.join(self.read_log(0).splitlines()[-lines:])

    def stop(self, timeout=20):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


class Client:
    """Set-up and check requests (not fuzz cases): JSON, fail loudly."""

    def __init__(self, base_url, token, headers=None):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({'X-Auth-Token': token,
                                     'Accept': 'application/json'})
        self.session.headers.update(headers or {})

    def call(self, method, path, expect=(200,), **kwargs):
        resp = self.session.request(method, self.base_url + path,
                                    timeout=30, **kwargs)
        if resp.status_code not in expect:
            raise CloudError('%s %s -> %d %s' % (method, path,
                                                 resp.status_code,
                                                 resp.text[:500]))
        return resp.json() if resp.content and resp.headers.get(
            'Content-Type', '').startswith('application/json') else None


def issue_token(identity_url, user, password, project, domain='default'):
    body = {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': user, 'domain': {'id': domain}, 'password': password}}},
        'scope': {'project': {'name': project, 'domain': {'id': domain}}}}}
    resp = requests.post(identity_url + '/v3/auth/tokens', json=body,
                         timeout=30)
    if resp.status_code != 201:
        raise CloudError('token for %s: %d %s' % (user, resp.status_code,
                                                  resp.text[:300]))
    return resp.headers['X-Subject-Token'], resp.json()['token']


class Tokens:
    """The admin's token, and a member's of a second project; the
    fuzzer's own identity entities (only these are ever modified)."""

    def __init__(self, cloud):
        self.cloud = cloud
        url = cloud.urls['identity']
        self.admin, admin = issue_token(url, 'admin', cloud.password,
                                        'admin')
        self.admin_user_id = admin['user']['id']
        self.admin_project_id = admin['project']['id']
        self.identity = Client(url, self.admin)
        roles = {r['name']: r['id'] for r in
                 self.identity.call('GET', '/v3/roles')['roles']}
        self.member_role_id = roles['member']
        self.member_password = secrets.token_urlsafe(12)
        self.member_project_id = self._project(MEMBER_PROJECT)
        self.member_user_id = self._user(MEMBER_USER, self.member_password,
                                         self.member_project_id)
        self.member, _ = issue_token(url, MEMBER_USER, self.member_password,
                                     MEMBER_PROJECT)
        # A user and project only the fuzz cases touch.
        self.target_password = secrets.token_urlsafe(12)
        self.target_project_name = TARGET_PROJECT
        self.target_user_name = TARGET_USER
        self.target_project_id = self._project(TARGET_PROJECT)
        self.target_user_id = self._user(TARGET_USER, self.target_password,
                                         self.target_project_id)

    def _project(self, name):
        return self.identity.call('POST', '/v3/projects', expect=(201,),
                                  json={'project': {'name': name}})[
            'project']['id']

    def _user(self, name, password, project_id):
        user_id = self.identity.call(
            'POST', '/v3/users', expect=(201,),
            json={'user': {'name': name, 'password': password,
                           'default_project_id': project_id}})['user']['id']
        self.identity.call('PUT', '/v3/projects/%s/users/%s/roles/%s' % (
            project_id, user_id, self.member_role_id), expect=(204,))
        return user_id

    def ensure_target(self):
        """The target user and project as set up (cases rename, disable,
        re-password or delete them)."""
        client = self.identity
        url = client.base_url + '/v3/projects/' + self.target_project_id
        resp = client.session.patch(url, timeout=30, json={'project': {
            'name': self.target_project_name, 'enabled': True}})
        if resp.status_code == 404:
            self.target_project_name = '%s-%d' % (TARGET_PROJECT,
                                                  time.time() * 1000)
            self.target_project_id = self._project(self.target_project_name)
        url = client.base_url + '/v3/users/' + self.target_user_id
        resp = client.session.patch(url, timeout=30, json={'user': {
            'name': self.target_user_name, 'enabled': True,
            'password': self.target_password,
            'default_project_id': self.target_project_id}})
        if resp.status_code == 404:
            self.target_user_name = '%s-%d' % (TARGET_USER,
                                               time.time() * 1000)
            self.target_user_id = self._user(
                self.target_user_name, self.target_password,
                self.target_project_id)
        else:
            client.call('PUT', '/v3/projects/%s/users/%s/roles/%s' % (
                self.target_project_id, self.target_user_id,
                self.member_role_id), expect=(204,))

    def throwaway(self):
        """A fresh token of the target user (safe to revoke)."""
        try:
            return issue_token(self.cloud.urls['identity'],
                               self.target_user_name, self.target_password,
                               self.target_project_name)[0]
        except CloudError:
            return None


# -- the state after the run ------------------------------------------------

def _servers(compute):
    found, marker = [], None
    while True:
        query = '?all_tenants=1&limit=500' + (
            '&marker=%s' % marker if marker else '')
        page = compute.call('GET', '/servers/detail' + query)['servers']
        found += page
        if len(page) < 500:
            return found
        marker = page[-1]['id']


def usage_report(compute):
    """(consistent, text): the hypervisors' recount against the servers."""
    servers = _servers(compute)
    placed = [s for s in servers if s.get('OS-EXT-SRV-ATTR:host')]
    nodes = compute.call('GET', '/os-hypervisors/detail')['hypervisors']
    running = sum(n.get('running_vms') or 0 for n in nodes)
    used = sum(n.get('memory_mb_used') or 0 for n in nodes)
    want = sum((s.get('flavor') or {}).get('ram') or 0 for s in placed)
    busy = [s['id'] for s in servers if s.get('OS-EXT-STS:task_state')]
    text = ('%d servers (%d on hosts, %d with a task); hypervisors: '
            'running_vms %d, memory_mb_used %d; servers\' flavors: %d MB'
            % (len(servers), len(placed), len(busy), running, used, want))
    return (running == len(placed) and used == want), text


def building(compute):
    return [s['id'] for s in _servers(compute) if s['status'] == 'BUILD']


def check_state(cloud, tokens, build_deadline, usage_deadline):
    """[(name, ok, detail)] for the invariants of the compute API."""
    compute = Client(cloud.urls['compute'], tokens.admin,
                     {'OpenStack-API-Version': 'compute %s'
                      % COMPUTE_VERSION})
    results = []
    stuck = poll(lambda: not building(compute), build_deadline, 1.0)
    left = [] if stuck else building(compute)
    results.append(('no server in BUILD after %ds' % build_deadline,
                    not left, 'still BUILD: %s' % ', '.join(left[:10])
                    if left else 'none in BUILD'))
    # Usage is recounted every resource report (5 s in nube-all).
    state = {}

    def consistent():
        state['ok'], state['text'] = usage_report(compute)
        return state['ok']
    poll(consistent, usage_deadline, 1.0)
    results.append(('hypervisor usage matches the servers',
                    state['ok'], state['text']))
    return results
