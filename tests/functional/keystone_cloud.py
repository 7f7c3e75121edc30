"""A whole nube cloud as processes behind nube-identity (auth_strategy
keystone everywhere), for functional tests of authentication and policy.

tests/functional/cloud.py's cloud plus: nube-identity on its own MariaDB
database (bootstrapped with the admin and the ``nube`` service user, whose
catalog points at this cloud's ports), the image registry and image API,
and keystonemiddleware in front of the compute API, the image API and the
registry (which takes calls from service users only). Callers
authenticate with keystoneauth1 sessions; ``actor()`` makes users with a
role on a project through the identity admin API.
"""

import contextlib
import os

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from tests.functional import cloud as cloud_mod
from tests.functional import conftest
from tests.functional import fixtures

ADMIN_PASSWORD = 'isolation-admin-pw'
SERVICE_PASSWORD = 'isolation-service-pw'
REGION = 'RegionOne'
# Short, so a revoked token stops working within a test.
TOKEN_CACHE_TIME = 2

merge = cloud_mod._merge


class KeystoneCloud(cloud_mod.Cloud):

    def prepare(self):
        super().prepare()
        names = self.db_server.create_set(('identity', 'image'))
        self._databases.extend(names.values())
        self.identity_port = fixtures.free_tcp_port()
        self.registry_port = fixtures.free_tcp_port()
        self.registry_url = 'http://127.0.0.1:%d' % self.registry_port
        self.image_port = fixtures.free_tcp_port()
        self.network_port = fixtures.free_tcp_port()
        self.network_url = 'http://127.0.0.1:%d' % self.network_port
        self.identity_url = 'http://127.0.0.1:%d' % self.identity_port
        self.auth_url = self.identity_url + '/v3'
        self.image_url = 'http://127.0.0.1:%d' % self.image_port
        self.db_config = merge(self.db_config, {
            'identity': {
                'listen': '127.0.0.1', 'port': self.identity_port,
                'key_repository': os.path.join(self.workdir, 'fernet-keys'),
                'revocation_refresh_interval': 1,
                # Cheap hashes: the test makes users, not attacks.
                'password_hash_cost': 10},
            'identity_database': {
                'connection': self.db_server.url_for(names['identity'])},
            'image_database': {
                'connection': self.db_server.url_for(names['image'])},
        })
        self.manage('identity_db', 'sync')
        self.manage('fernet_setup')
        self.manage('bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
                    '--service-password', SERVICE_PASSWORD,
                    '--region-id', REGION, '--host', '127.0.0.1',
                    '--public-url-identity', self.auth_url,
                    '--public-url-compute',
                    'http://127.0.0.1:%d/v2.1' % self.api_port,
                    '--public-url-image', self.image_url,
                    '--services', 'identity,compute,image,network',
                    '--public-url-network', self.network_url)
        self.manage('image_db', 'sync')
        credentials = {
            'auth_type': 'password', 'auth_url': self.auth_url,
            'username': 'nube', 'password': SERVICE_PASSWORD,
            'project_name': 'service', 'user_domain_name': 'Default',
            'project_domain_name': 'Default'}
        self.keystone = {
            'keystone_authtoken': dict(
                credentials, www_authenticate_uri=self.identity_url,
                region_name=REGION, token_cache_time=TOKEN_CACHE_TIME),
            'service_auth': credentials,
            'glance': {'api_endpoint': self.image_url},
        }
        self.image_config = merge(self.db_config, self.keystone, {
            'image_registry': {
                'listen': '127.0.0.1', 'port': self.registry_port,
                'url': 'http://127.0.0.1:%d' % self.registry_port,
                'auth_strategy': 'keystone'},
            'image_api': {'listen': '127.0.0.1', 'port': self.image_port,
                          'auth_strategy': 'keystone'},
            'image_store': {'filesystem_store_datadir': os.path.join(
                self.workdir, 'image-store')},
        })

    # -- services ----------------------------------------------------------

    def start_identity(self):
        svc = self.start('identity', 'nube-identity', self.db_config)
        return svc

    def wait_for_identity(self):
        self.services['identity'].wait_for_http(self.auth_url, timeout=30,
                                                status=200)
        self.admin = self.session_for('admin', ADMIN_PASSWORD, 'admin')
        # Cloud's helpers (get, post, wait_for_hypervisors) act as admin.
        self.session.headers['X-Auth-Token'] = self.admin.get_token()

    def start_image_services(self):
        self.start('image-registry', 'nube-image-registry',
                   self.image_config)
        return self.start('image-api', 'nube-image-api', self.image_config)

    def wait_for_image_services(self):
        self.services['image-registry'].wait_for_http(
            'http://127.0.0.1:%d/' % self.registry_port, timeout=30)
        self.services['image-api'].wait_for_http(
            self.image_url + '/versions', timeout=30)

    def start_network_services(self):
        """nube-network-api, and nube-network with the noop driver: the
        host side has tests of its own (test_network_dataplane.py)."""
        network = {'network': {'network_driver': 'noop',
                               'networks_path': os.path.join(
                                   self.workdir, 'networks')}}
        self.start('network', 'nube-network', merge(
            self.db_config, network, {'DEFAULT': {'host': 'network'}}))
        return self.start('network-api', 'nube-network-api', merge(
            self.db_config, self.keystone, network, {
                'network_api': {'listen': '127.0.0.1',
                                'port': self.network_port,
                                'auth_strategy': 'keystone'}}))

    def wait_for_network_services(self):
        self.services['network-api'].wait_for_http(self.network_url + '/',
                                                   timeout=30)

    def start_compute(self, host, cpus=None, memory_mb=None, extra=None):
        return super().start_compute(
            host, cpus, memory_mb,
            merge({'service_auth': self.keystone['service_auth'],
                   'glance': self.keystone['glance']}, extra or {}))

    def start_api(self, wait=True):
        svc = self.start('api', 'nube-api', merge(self.db_config,
                                                  self.keystone, {
            'api': {'listen': '127.0.0.1', 'port': self.api_port,
                    'auth_strategy': 'keystone'}}))
        if wait:
            self.wait_for_api()
        return svc

    def wait_for_api(self):
        self.services['api'].wait_for_http(self.url('/'), timeout=30)

    # -- identity ------------------------------------------------------------

    def session_for(self, username, password, project_name):
        """A keystoneauth1 session: password auth, catalog discovery."""
        return ks_session.Session(auth=v3.Password(
            auth_url=self.auth_url, username=username, password=password,
            project_name=project_name, user_domain_name='Default',
            project_domain_name='Default'))

    def identity(self, method, path, body=None, expect=(200, 201, 204)):
        """An identity admin API call as the cloud admin."""
        resp = self.admin.request(
            path, method, json=body, raise_exc=False,
            endpoint_filter={'service_type': 'identity',
                             'interface': 'public', 'region_name': REGION})
        assert resp.status_code in expect, (method, path, resp.text)
        return resp.json() if resp.content else None

    def network(self, method, path, body=None, expect=(200, 201, 204)):
        """A network API call as the cloud admin."""
        resp = self.admin.request(
            path, method, json=body, raise_exc=False,
            endpoint_filter={'service_type': 'network',
                             'interface': 'public', 'region_name': REGION})
        assert resp.status_code in expect, (method, path, resp.text)
        return resp.json() if resp.content else None

    def project(self, name):
        return self.identity('POST', '/projects', {'project': {
            'name': name, 'domain_id': 'default'}})['project']['id']

    def actor(self, name, project_name, role):
        """A new user with ``role`` on the project; its session."""
        password = name + '-pw'
        user = self.identity('POST', '/users', {'user': {
            'name': name, 'password': password,
            'domain_id': 'default'}})['user']['id']
        project = self.identity('GET', '/projects?name=' + project_name)[
            'projects'][0]['id']
        roles = self.identity('GET', '/roles?name=' + role)['roles']
        self.identity('PUT', '/projects/%s/users/%s/roles/%s' % (
            project, user, roles[0]['id']))
        return self.session_for(name, password, project_name)



def start_small_cloud(workdir, host):
    """Identity, images, conductor, one scheduler, one fake compute
    ``host`` and the API, started together and waited for.

    Skips (or fails, see conftest) without MariaDB and RabbitMQ; on a
    failed start prints the logs and stops what it started.
    """
    db_server, rabbit = conftest.checked_servers()
    c = KeystoneCloud(workdir, db_server, rabbit)
    try:
        c.prepare()
        # Everything starts at once; then wait for each in turn.
        c.start_identity()
        c.start_image_services()
        c.start_conductor()
        c.start_scheduler(1)
        c.start_compute(host)
        c.start_api(wait=False)
        c.start_network_services()
        c.wait_for_identity()
        c.wait_for_image_services()
        c.wait_for_network_services()
        c.wait_for_api()
        c.wait_for_hypervisors(1)
    except BaseException:
        print(c.dump_logs())
        c.stop()
        raise
    return c


@contextlib.contextmanager
def running(request, workdir, host):
    """start_small_cloud for a fixture: logs printed when a test failed."""
    c = start_small_cloud(workdir, host)
    try:
        yield c
    finally:
        if request.session.testsfailed:
            print(c.dump_logs())
        c.stop()
