"""Real targets for generated cases, per API.

Random path ids only ever find 404s, so with some probability a case's
path parameters (and a few body fields) are replaced by ids that exist:
servers, flavors, images, the fuzzer's own identity entities. Each API's
``Aim`` refreshes what exists every few seconds and re-creates what a
case deleted. Nothing aimed at is ever an entity the run depends on (the
admin and member users and projects, the roles, the catalog).
"""

import time

from cloud import Client
from cloud import COMPUTE_VERSION

# Past this many servers POST /servers gets no real flavor and image.
MAX_SERVERS = 30
# min_count/max_count up to [api] max_count (200) pass the schema, and each
# counted server is built for real: clamp them to keep the fuzz cloud small
# (values past the bound are left as they are: they must get a 400).
MAX_COUNT = 3
AIM = 0.7          # how often a path parameter gets a real value
PATH_FORMS = 0.08  # how often each of /v2 and /v2.1/{project_id} is used
VERSIONS = 0.1     # how often a compute case gets another microversion


class Aim:
    refresh_every = 3.0

    def __init__(self, cloud, tokens, rng):
        self.cloud = cloud
        self.tokens = tokens
        self.rng = rng
        self.known = {}
        self._refreshed = 0.0

    def maybe_refresh(self):
        if time.monotonic() - self._refreshed >= self.refresh_every:
            try:
                self.refresh()
            finally:
                self._refreshed = time.monotonic()

    def refresh(self):
        pass

    def pick(self, name):
        values = self.known.get(name) or []
        return self.rng.choice(values) if values else None

    def aim_path(self, case):
        params = case.path_parameters or {}
        for name in list(params):
            if self.rng.random() < AIM:
                value = self.value_for(case.operation.path, name)
                if value is not None:
                    params[name] = value

    def value_for(self, template, name):
        return self.pick(name)

    def fix(self, case, mode):
        """Adjust a generated case in place before it is sent."""
        self.aim_path(case)

    def rewrite(self, url, who):
        """The URL to send the case to (``who``: the token's owner)."""
        return url


class ComputeAim(Aim):

    def __init__(self, cloud, tokens, rng):
        super().__init__(cloud, tokens, rng)
        headers = {'OpenStack-API-Version': 'compute %s' % COMPUTE_VERSION}
        self.admin = Client(cloud.urls['compute'], tokens.admin, headers)
        self.member = Client(cloud.urls['compute'], tokens.member, headers)
        self.images = Client(cloud.urls['image'], tokens.admin)
        self.image_id = None

    def _image(self):
        if self.image_id:
            found = self.images.session.get(
                self.images.base_url + '/v2/images/' + self.image_id,
                timeout=30)
            if found.status_code == 200 and \
                    found.json().get('status') == 'active':
                return self.image_id
        image = self.images.call('POST', '/v2/images', expect=(201,), json={
            'name': 'fuzz-boot', 'disk_format': 'raw',
            'container_format': 'bare', 'visibility': 'public'})
        self.images.call('PUT', '/v2/images/%s/file' % image['id'],
                         expect=(204,), data=b'fuzz' * 256,
                         headers={'Content-Type': 'application/octet-stream'})
        self.image_id = image['id']
        return self.image_id

    def _flavor(self, flavors):
        small = [f for f in flavors if f.get('ram', 0) <= 512]
        if small:
            return small
        flavor = self.admin.call('POST', '/flavors', json={'flavor': {
            'name': 'fuzz-%d' % int(time.time() * 1000), 'ram': 64,
            'vcpus': 1, 'disk': 0}})['flavor']
        return [flavor]

    def refresh(self):
        known = self.known
        flavors = self.admin.call('GET', '/flavors/detail')['flavors']
        known['small_flavors'] = [f['id'] for f in self._flavor(flavors)]
        known['flavor_id'] = [f['id'] for f in flavors] or \
            known['small_flavors']
        known['image'] = [self._image()]
        servers = self.admin.call(
            'GET', '/servers/detail?all_tenants=1&limit=200')['servers']
        if not any(s['tenant_id'] == self.tokens.member_project_id
                   for s in servers):
            self.member.call('POST', '/servers', expect=(202,), json={
                'server': {'name': 'fuzz-member',
                           'flavorRef': known['small_flavors'][0],
                           'imageRef': known['image'][0],
                           'networks': 'none',
                           'metadata': {'role': 'target'}}})
        known['server_id'] = [s['id'] for s in servers]
        known['server_count'] = len(servers)
        known['key'] = sorted({k for s in servers
                               for k in (s.get('metadata') or {})}) or \
            ['role']
        nodes = self.admin.call('GET', '/os-hypervisors')['hypervisors']
        known['hypervisor_id'] = [str(n['id']) for n in nodes]
        known['pattern'] = [n['hypervisor_hostname'] for n in nodes]
        keypairs = self.admin.call('GET', '/os-keypairs')['keypairs'] + \
            self.member.call('GET', '/os-keypairs')['keypairs']
        known['keypair_name'] = [k['keypair']['name'] for k in keypairs]

    def rewrite(self, url, who):
        """Now and then the legacy /v2 prefix, or the project in the path
        (/v2.1/{project_id}/...), as older catalogs and scripts use."""
        base = self.cloud.urls['compute']
        draw = self.rng.random()
        if not url.startswith(base + '/') or draw >= 2 * PATH_FORMS:
            return url
        rest = url[len(base):]
        if draw < PATH_FORMS:
            return base[:-len('/v2.1')] + '/v2' + rest
        project = self.tokens.member_project_id if who == 'member' else \
            self.tokens.admin_project_id
        return base + '/' + project + rest

    def value_for(self, template, name):
        if name == 'key' and 'extra_specs' in template:
            return self.rng.choice(['hw:cpu_policy', 'quota:cpu_shares'])
        return self.pick(name)

    def fix(self, case, mode):
        super().fix(case, mode)
        if case.headers is not None and self.rng.random() < VERSIONS:
            # Now and then another microversion (bodies are 2.47's).
            minor = self.rng.randint(1, int(COMPUTE_VERSION.split('.')[1]))
            case.headers['OpenStack-API-Version'] = self.rng.choice(
                ['compute 2.%d' % minor, 'compute latest'])
        body = case.body
        if not isinstance(body, dict):
            return
        label = '%s %s' % (case.method.upper(), case.operation.path)
        if label.endswith('/os-extra_specs/{key}') and len(body) == 1 and \
                self.rng.random() < AIM:
            # The path's key must be the body's.
            case.path_parameters['key'] = next(iter(body))
        server = body.get('server')
        if label == 'POST /servers' and isinstance(server, dict):
            for key in ('min_count', 'max_count'):
                n = _int(server.get(key), 0)
                if MAX_COUNT < n <= 200:
                    server[key] = MAX_COUNT
            if self.rng.random() < AIM and \
                    self.known.get('server_count', 0) < MAX_SERVERS:
                server['flavorRef'] = self.pick('small_flavors')
                server['imageRef'] = self.pick('image')
        rebuild = body.get('rebuild')
        if isinstance(rebuild, dict) and self.rng.random() < AIM:
            rebuild['imageRef'] = self.pick('image')


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default if isinstance(value, str) and value.isdigit() else 0


class ImageAim(Aim):

    def __init__(self, cloud, tokens, rng):
        super().__init__(cloud, tokens, rng)
        self.admin = Client(cloud.urls['image'], tokens.admin)
        self.member = Client(cloud.urls['image'], tokens.member)

    def refresh(self):
        known = self.known
        images = self.admin.call('GET', '/v2/images?limit=100')['images']
        mine = [i for i in images if i['name'] == 'fuzz-image']
        if not mine:
            image = self.member.call('POST', '/v2/images', expect=(201,),
                                     json={'name': 'fuzz-image',
                                           'disk_format': 'qcow2',
                                           'container_format': 'bare',
                                           'tags': ['fuzz']})
            images.append(image)
        known['image_id'] = [i['id'] for i in images]
        known['tag'] = sorted({t for i in images for t in i['tags']}) or \
            ['fuzz']
        known['member_id'] = [self.tokens.member_project_id,
                              self.tokens.target_project_id]
        known['name'] = ['image', 'images', 'member', 'members']

    def fix(self, case, mode):
        super().fix(case, mode)
        method = (case.body or {}).get('method') if isinstance(
            case.body, dict) else None
        if isinstance(method, dict) and self.rng.random() < AIM:
            method['name'] = 'glance-direct'


class IdentityAim(Aim):
    """Only the fuzzer's target user and project, and entities the cases
    created themselves, are aimed at."""

    def __init__(self, cloud, tokens, rng):
        super().__init__(cloud, tokens, rng)
        self.admin = tokens.identity
        self.subject = None

    def refresh(self):
        self.tokens.ensure_target()
        known = self.known
        protected = {self.tokens.admin_user_id, self.tokens.member_user_id,
                     self.tokens.admin_project_id,
                     self.tokens.member_project_id}
        for collection in ('users', 'projects', 'roles', 'regions',
                           'services', 'endpoints'):
            body = self.admin.call('GET', '/v3/' + collection)
            known[collection] = [e['id'] for e in body[collection]
                                 if e['id'] not in protected]
        builtin = {'admin', 'member', 'reader', 'service'}
        roles = self.admin.call('GET', '/v3/roles')['roles']
        known['roles'] = [r['id'] for r in roles
                          if r['name'] not in builtin]
        known['grant_roles'] = known['roles'] + [self.tokens.member_role_id]
        created = self.admin.call('GET', '/v3/services')['services']
        known['services'] = [s['id'] for s in created
                             if s['type'] not in ('identity', 'compute',
                                                  'image')]
        endpoints = self.admin.call('GET', '/v3/endpoints')['endpoints']
        known['endpoints'] = [e['id'] for e in endpoints
                              if e['service_id'] in known['services']]
        known['regions'] = [r for r in known['regions'] if r != 'RegionOne']
        known['users'] = [u for u in known['users']
                          if u != self._service_user_id()] or \
            [self.tokens.target_user_id]
        known['projects'] = [p for p in known['projects']
                             if p not in self._service_projects()] or \
            [self.tokens.target_project_id]
        self.subject = self.tokens.throwaway()

    def _service_user_id(self):
        if 'service_user' not in self.known:
            users = self.admin.call('GET', '/v3/users?name=nube')['users']
            self.known['service_user'] = users[0]['id'] if users else None
        return self.known['service_user']

    def _service_projects(self):
        if 'service_projects' not in self.known:
            projects = self.admin.call('GET', '/v3/projects')['projects']
            self.known['service_projects'] = {
                p['id'] for p in projects if p['name'] in ('service',
                                                           'admin')}
        return self.known['service_projects']

    def _credentials(self, body):
        """Now and then the target user's real password, so that token
        issue gets past authentication (with whatever scope was made)."""
        identity = _get(body, 'auth', 'identity')
        if isinstance(identity, dict) and self.rng.random() < AIM:
            _set_credentials(identity, self.tokens.target_user_name,
                             self.tokens.target_password)

    def value_for(self, template, name):
        if name == 'entity_id':
            collection = template.split('/')[2]
            if collection == 'domains':
                return 'default'
            return self.pick(collection)
        if name == 'project_id':
            return self.pick('projects')
        if name == 'user_id':
            return self.pick('users')
        if name == 'role_id':
            return self.pick('grant_roles')
        return None

    def fix(self, case, mode):
        super().fix(case, mode)
        body = case.body if isinstance(case.body, dict) else {}
        endpoint = body.get('endpoint')
        if isinstance(endpoint, dict) and 'service_id' in endpoint and \
                self.rng.random() < AIM:
            endpoint['service_id'] = self.pick('services')
            endpoint.pop('region_id', None)
        self._credentials(body)
        headers = case.headers
        if headers is not None and 'X-Subject-Token' in headers and \
                self.subject and self.rng.random() < AIM:
            headers['X-Subject-Token'] = self.subject


def _get(value, *keys):
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _set_credentials(identity, user, password):
    """Real credentials into a generated password-method body."""
    ref = _get(identity, 'password', 'user')
    if not isinstance(ref, dict):
        return False
    ref.pop('id', None)
    ref.update(name=user, password=password, domain={'id': 'default'})
    identity['methods'] = ['password']
    return True


AIMS = {'compute': ComputeAim, 'image': ImageAim, 'identity': IdentityAim}
