"""A tiny in-process cloud for the client library's unit tests.

``FakeCloud`` is a WSGI app answering identity (token with a catalog of
two regions), compute (Nova shapes, microversion checks, paging) and
image (Glance v2 shapes, data, paging). ``WSGIAdapter`` mounts it under
a requests session, so a real keystoneauth1 Session talks to it without
a socket. Every request is recorded for the tests to inspect.
"""

import hashlib
import io
import itertools
import json
import re
import urllib.parse

from keystoneauth1 import fixture
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import requests
import requests.adapters
import webob

BASE = 'http://cloud.test'
AUTH_URL = BASE + '/identity/v3'
COMPUTE_URL = BASE + '/compute/v2.1'
IMAGE_URL = BASE + '/image'
OTHER_REGION = 'http://other.test'
PROJECT = 'p-1'


class Recorded:
    def __init__(self, method, url, headers, body, chunked):
        self.method = method
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.path = parts.path
        self.query = dict(urllib.parse.parse_qsl(parts.query))
        self.headers = headers
        self.body = body
        self.chunked = chunked

    def json(self):
        return json.loads(self.body)


class WSGIAdapter(requests.adapters.BaseAdapter):
    """requests transport that calls a WSGI app instead of a socket."""

    def __init__(self, app):
        super().__init__()
        self.app = app
        self.connect_failures = 0

    def send(self, request, stream=False, timeout=None, verify=True,
             cert=None, proxies=None):
        if self.connect_failures:
            self.connect_failures -= 1
            raise requests.exceptions.ConnectionError('refused (fake)')
        body = request.body
        chunked = False
        if body is None:
            data = b''
        elif isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        elif hasattr(body, 'read'):
            data = body.read()
        else:
            chunked = True
            data = b''.join(body)
        headers = dict(request.headers)
        self.app.requests.append(Recorded(request.method, request.url,
                                          headers, data, chunked))
        wreq = webob.Request.blank(request.url, method=request.method,
                                   headers=headers, body=data)
        wresp = wreq.get_response(self.app)
        response = requests.Response()
        response.status_code = wresp.status_code
        response.reason = wresp.status.split(' ', 1)[1]
        response.headers = requests.structures.CaseInsensitiveDict(
            wresp.headerlist)
        response.raw = io.BytesIO(wresp.body)
        response.url = request.url
        response.request = request
        response.encoding = 'utf-8'
        return response

    def close(self):
        pass


def _json(status, body, headers=None):
    resp = webob.Response(status=status, content_type='application/json',
                          charset=None)
    resp.headers.update(headers or {})
    resp.body = json.dumps(body).encode()
    return resp


def nova_error(status, name, message):
    return _json(status, {name: {'code': status, 'message': message}})


def glance_error(status, title, message):
    return _json(status, {'message': message, 'code': '%d %s' % (
        status, title), 'title': title})


class FakeCloud:
    """Identity + compute + image, state in dicts."""

    def __init__(self, max_microversion='2.90', page_size=2):
        self.requests = []
        self.max_microversion = max_microversion
        self.page_size = page_size
        self.ids = itertools.count(1)
        self.servers = {}
        self.flavors = {'1': {'id': '1', 'name': 'm1.tiny', 'ram': 512,
                              'vcpus': 1, 'disk': 1}}
        self.images = {}
        self.image_data = {}
        self.keypairs = {}        # (user_id, name) -> keypair
        self.build_polls = 2      # GETs a server stays in BUILD
        self.delete_polls = 1     # GETs a deleted server is still shown
        self.fail_status = {}     # path -> [statuses to answer first]
        self.corrupt_download = False

    # -- plumbing --------------------------------------------------------

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        path = req.path
        queued = self.fail_status.get(path)
        if queued:
            status = queued.pop(0)
            resp = nova_error(status, 'serviceUnavailable', 'busy')
        elif path.startswith('/identity'):
            resp = self.identity(req)
        elif path.startswith('/compute/v2.1'):
            resp = self.compute(req, path[len('/compute/v2.1'):])
        elif path.startswith('/image'):
            resp = self.image(req, path[len('/image'):])
        else:
            resp = webob.Response(status=404)
        resp.headers['x-openstack-request-id'] = 'req-%d' % len(
            self.requests)
        return resp(environ, start_response)

    def session(self, password='p'):
        adapter = WSGIAdapter(self)
        http = requests.Session()
        http.mount('http://', adapter)
        auth = v3.Password(auth_url=AUTH_URL, username='u', password=password,
                           project_id=PROJECT, user_domain_id='default')
        sess = ks_session.Session(auth=auth, session=http)
        sess.fake_adapter = adapter
        return sess

    def of(self, method, path_part):
        return [r for r in self.requests
                if r.method == method and path_part in r.path]

    # -- identity --------------------------------------------------------

    def identity(self, req):
        if req.path.endswith('/auth/tokens') and req.method == 'POST':
            body = json.loads(req.body)
            password = body['auth']['identity']['password']['user'][
                'password']
            if password != 'p':
                return _json(401, {'error': {
                    'code': 401, 'title': 'Unauthorized',
                    'message': 'The request you have made requires '
                               'authentication.'}})
            token = fixture.V3Token(project_id=PROJECT, user_id='u-1')
            for region, base in (('RegionOne', BASE),
                                 ('RegionTwo', OTHER_REGION)):
                token.add_service('compute').add_standard_endpoints(
                    public=base + '/compute/v2.1',
                    internal=base + '/internal-compute/v2.1',
                    region=region)
                token.add_service('image').add_standard_endpoints(
                    public=base + '/image', region=region)
            return _json(201, token, {'X-Subject-Token': 'tok'})
        return webob.Response(status=404)

    # -- compute ---------------------------------------------------------

    def _microversion(self, req):
        value = req.headers.get('OpenStack-API-Version', '')
        legacy = req.headers.get('X-OpenStack-Nova-API-Version')
        if value:
            value = value.split()[-1]
        version = value or legacy or '2.1'
        parse = lambda v: tuple(int(x) for x in v.split('.'))  # noqa
        if parse(version) > parse(self.max_microversion):
            return None
        return version

    def compute(self, req, path):
        if path in ('', '/'):
            return _json(200, {'version': {
                'id': 'v2.1', 'status': 'CURRENT',
                'version': self.max_microversion, 'min_version': '2.1',
                'links': [{'rel': 'self', 'href': COMPUTE_URL + '/'}]}})
        if self._microversion(req) is None:
            return nova_error(406, 'computeFault', 'Version not supported')
        for pattern, handler in self.COMPUTE_ROUTES:
            match = re.fullmatch(pattern, path)
            if match:
                return getattr(self, handler)(req, *match.groups())
        return nova_error(404, 'itemNotFound',
                          'The resource could not be found.')

    COMPUTE_ROUTES = (
        (r'/servers(/detail)?', 'servers_collection'),
        (r'/servers/([^/]+)', 'server'),
        (r'/servers/([^/]+)/action', 'server_action'),
        (r'/servers/([^/]+)/metadata', 'server_metadata'),
        (r'/servers/([^/]+)/metadata/([^/]+)', 'server_metadata_key'),
        (r'/flavors(/detail)?', 'flavors_collection'),
        (r'/flavors/([^/]+)', 'flavor'),
        (r'/os-hypervisors(/detail)?', 'hypervisors'),
        (r'/os-services', 'services'),
        (r'/os-availability-zone(/detail)?', 'zones'),
        (r'/os-keypairs', 'keypairs_collection'),
        (r'/os-keypairs/([^/]+)', 'keypair'),
    )

    def _page(self, req, items, key, url):
        ordered = sorted(items, key=lambda item: item['id'])
        marker = req.GET.get('marker')
        if marker:
            ordered = [i for i in ordered if i['id'] > marker]
        page = ordered[:self.page_size]
        body = {key: page}
        if len(page) == self.page_size:
            query = dict(req.GET.items(), marker=page[-1]['id'])
            body[key + '_links'] = [{'rel': 'next', 'href': url + '?' +
                                     urllib.parse.urlencode(query)}]
        return body

    def servers_collection(self, req, detail):
        if req.method == 'POST':
            body = json.loads(req.body)['server']
            if body['flavorRef'] not in self.flavors:
                return nova_error(400, 'badRequest',
                                  'Flavor %s could not be found.'
                                  % body['flavorRef'])
            count = body.get('max_count', 1)
            reservation = 'r-%d' % next(self.ids)
            created = []
            for _ in range(count):
                server_id = 's-%03d' % next(self.ids)
                self.servers[server_id] = {
                    'id': server_id, 'name': body['name'],
                    'status': 'BUILD', 'progress': 0, 'polls': 0,
                    'request': body, 'reservation_id': reservation,
                    'metadata': dict(body.get('metadata') or {})}
                created.append(server_id)
            if body.get('return_reservation_id'):
                return _json(202, {'reservation_id': reservation})
            return _json(202, {'server': {'id': created[0],
                                          'adminPass': 'secret'}})
        servers = list(self.servers.values())
        name = req.GET.get('name')
        if name:
            servers = [s for s in servers if re.search(name, s['name'])]
        if req.GET.get('reservation_id'):
            servers = [s for s in servers if s['reservation_id'] ==
                       req.GET['reservation_id']]
        servers = [self._show(s) for s in servers]
        url = COMPUTE_URL + '/servers' + (detail or '')
        return _json(200, self._page(req, servers, 'servers', url))

    def _show(self, server):
        shown = {k: v for k, v in server.items()
                 if k not in ('polls', 'request', 'reservation_id')}
        return shown

    def _advance(self, server):
        server['polls'] += 1
        if server['status'] == 'BUILD':
            if server['name'].startswith('fail'):
                server['status'] = 'ERROR'
                server['fault'] = {'code': 500,
                                   'message': 'No valid host was found.'}
            elif server['polls'] > self.build_polls:
                server['status'] = 'ACTIVE'
                server['progress'] = 100
            else:
                server['progress'] = 50
        elif server['status'] == 'DELETING':
            if server['polls'] > self.delete_polls:
                del self.servers[server['id']]
                return None
        return server

    def _server_or_404(self, server_id):
        server = self.servers.get(server_id)
        if server is None:
            return None, nova_error(404, 'itemNotFound',
                                    'Instance %s could not be found.'
                                    % server_id)
        return server, None

    def server(self, req, server_id):
        server, error = self._server_or_404(server_id)
        if error:
            return error
        if req.method == 'DELETE':
            server['status'] = 'DELETING'
            server['polls'] = 0
            return webob.Response(status=204)
        if req.method == 'PUT':
            server.update(json.loads(req.body)['server'])
            return _json(200, {'server': self._show(server)})
        if self._advance(server) is None:
            return self._server_or_404(server_id)[1]
        return _json(200, {'server': self._show(server)})

    def server_action(self, req, server_id):
        server, error = self._server_or_404(server_id)
        if error:
            return error
        body = json.loads(req.body)
        name = next(iter(body))
        server.setdefault('actions', []).append(body)
        if name == 'os-getConsoleOutput':
            lines = ['line %d' % i for i in range(5)]
            length = body[name].get('length')
            if length is not None:
                lines = lines[-int(length):]
            return _json(200, {'output': '\n'.join(lines)})
        if name == 'forceDelete':
            server['status'] = 'DELETING'
            server['polls'] = 0
        if name == 'os-stop' and server['status'] != 'ACTIVE':
            return nova_error(409, 'conflictingRequest',
                              "Cannot 'stop' instance %s while it is in "
                              "vm_state building" % server_id)
        return webob.Response(status=202)

    def server_metadata(self, req, server_id):
        server, error = self._server_or_404(server_id)
        if error:
            return error
        if req.method == 'POST':
            server['metadata'].update(json.loads(req.body)['metadata'])
        elif req.method == 'PUT':
            server['metadata'] = dict(json.loads(req.body)['metadata'])
        return _json(200, {'metadata': server['metadata']})

    def server_metadata_key(self, req, server_id, key):
        server, error = self._server_or_404(server_id)
        if error:
            return error
        server['metadata'].pop(urllib.parse.unquote(key), None)
        return webob.Response(status=204)

    def keypairs_collection(self, req):
        user_id = req.GET.get('user_id', 'u-1')
        if req.method == 'POST':
            body = json.loads(req.body)['keypair']
            user_id = body.get('user_id', 'u-1')
            if (user_id, body['name']) in self.keypairs:
                return nova_error(409, 'conflictingRequest',
                                  "Key pair '%s' already exists."
                                  % body['name'])
            keypair = {'name': body['name'], 'user_id': user_id,
                       'type': body.get('type', 'ssh'),
                       'fingerprint': 'aa:bb',
                       'public_key': body.get('public_key', 'ssh-rsa G')}
            self.keypairs[(user_id, body['name'])] = keypair
            shown = dict(keypair)
            if 'public_key' not in body:
                shown['private_key'] = 'PRIVATE'
            return _json(201, {'keypair': shown})
        mine = [dict(k, id=k['name']) for (user, _n), k in
                self.keypairs.items() if user == user_id]
        body = self._page(req, mine, 'keypairs',
                          COMPUTE_URL + '/os-keypairs')
        body['keypairs'] = [{'keypair': {
            k: v for k, v in item.items() if k not in ('id', 'user_id')}}
            for item in body['keypairs']]
        return _json(200, body)

    def keypair(self, req, name):
        key = (req.GET.get('user_id', 'u-1'), urllib.parse.unquote(name))
        if key not in self.keypairs:
            return nova_error(404, 'itemNotFound',
                              'Keypair %s not found for user %s'
                              % (key[1], key[0]))
        if req.method == 'DELETE':
            del self.keypairs[key]
            return webob.Response(status=204)
        return _json(200, {'keypair': self.keypairs[key]})

    def flavors_collection(self, req, detail):
        if req.method == 'POST':
            body = json.loads(req.body)['flavor']
            if body['ram'] < 1:
                return nova_error(400, 'badRequest',
                                  'Invalid input for field/attribute ram.')
            flavor = {'id': body['id'] or 'f-%d' % next(self.ids),
                      'name': body['name'], 'ram': body['ram'],
                      'vcpus': body['vcpus'], 'disk': body['disk'],
                      'request': body}
            self.flavors[flavor['id']] = flavor
            return _json(200, {'flavor': flavor})
        url = COMPUTE_URL + '/flavors' + (detail or '')
        return _json(200, self._page(req, list(self.flavors.values()),
                                     'flavors', url))

    def flavor(self, req, flavor_id):
        flavor = self.flavors.get(urllib.parse.unquote(flavor_id))
        if flavor is None:
            return nova_error(404, 'itemNotFound',
                              'Flavor %s could not be found.' % flavor_id)
        if req.method == 'DELETE':
            del self.flavors[flavor['id']]
            return webob.Response(status=202)
        return _json(200, {'flavor': flavor})

    def hypervisors(self, req, detail):
        items = [{'id': str(i), 'hypervisor_hostname': 'host%d' % i,
                  'state': 'up', 'status': 'enabled'} for i in range(3)]
        url = COMPUTE_URL + '/os-hypervisors' + (detail or '')
        return _json(200, self._page(req, items, 'hypervisors', url))

    def services(self, req):
        services = [{'id': 1, 'binary': 'nube-compute', 'host': 'h1'},
                    {'id': 2, 'binary': 'nube-scheduler', 'host': 'h1'}]
        binary = req.GET.get('binary')
        return _json(200, {'services': [
            s for s in services if not binary or s['binary'] == binary]})

    def zones(self, req, detail):
        return _json(200, {'availabilityZoneInfo': [
            {'zoneName': 'nova', 'zoneState': {'available': True},
             'hosts': {'h1': {}} if detail else None}]})

    # -- image -----------------------------------------------------------

    def image(self, req, path):
        if path in ('', '/', '/versions'):
            return _json(300, {'versions': [
                {'id': 'v2.15', 'status': 'CURRENT',
                 'links': [{'rel': 'self', 'href': IMAGE_URL + '/v2/'}]}]})
        if path == '/v2/images':
            return self.images_collection(req)
        match = re.fullmatch(r'/v2/images/([^/]+)(/file)?', path)
        if match is None:
            return glance_error(404, 'Not Found', 'no such path')
        image = self.images.get(match.group(1))
        if image is None:
            return glance_error(
                404, 'Not Found', 'The resource could not be found.<br />'
                '<br />\n\n\nNo image found with ID %s\n\n' % match.group(1))
        if match.group(2):
            return self.image_file(req, image)
        if req.method == 'DELETE':
            del self.images[image['id']]
            return webob.Response(status=204, content_type=None)
        if req.method == 'PATCH':
            assert req.content_type == \
                'application/openstack-images-v2.1-json-patch'
            for op in json.loads(req.body):
                key = op['path'].lstrip('/')
                if op['op'] == 'remove':
                    image.pop(key, None)
                else:
                    image[key] = op['value']
        return _json(200, image)

    def images_collection(self, req):
        if req.method == 'POST':
            body = json.loads(req.body)
            image = dict(body, id=body.get('id') or 'i-%03d' % next(
                self.ids), status='queued', checksum=None,
                os_hash_algo=None, os_hash_value=None, size=None)
            self.images[image['id']] = image
            return _json(201, image)
        images = sorted(self.images.values(), key=lambda i: i['id'])
        if req.GET.get('name'):
            images = [i for i in images if i['name'] == req.GET['name']]
        marker = req.GET.get('marker')
        if marker:
            images = [i for i in images if i['id'] > marker]
        page = images[:self.page_size]
        body = {'images': page, 'first': '/v2/images'}
        if len(page) == self.page_size:
            query = dict(req.GET.items(), marker=page[-1]['id'])
            body['next'] = '/v2/images?' + urllib.parse.urlencode(query)
        return _json(200, body)

    def image_file(self, req, image):
        if req.method == 'PUT':
            data = req.body
            image.update(status='active', size=len(data),
                         checksum=hashlib.md5(data).hexdigest(),
                         os_hash_algo='sha512',
                         os_hash_value=hashlib.sha512(data).hexdigest())
            self.image_data[image['id']] = data
            return webob.Response(status=204, content_type=None)
        data = self.image_data.get(image['id'])
        if data is None:
            return webob.Response(status=204, content_type=None)
        if self.corrupt_download:
            data = data[:-1] + b'X'
        resp = webob.Response(status=200,
                              content_type='application/octet-stream',
                              body=data)
        resp.headers['Content-MD5'] = image['checksum']
        return resp
