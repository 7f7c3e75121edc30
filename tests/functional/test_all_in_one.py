"""nube-all: a whole cloud in one process with no configuration."""

import os
import re

from keystoneauth1 import adapter
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import requests
import yaml

from tests.functional import fixtures

IMAGE_DATA = b'nube-all image' * 4096


def _openrc(path):
    """The variables an openrc exports (values are shell-quoted words)."""
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"export (\w+)=(?:'(.*)'|(.*))$", line)
        if match:
            found[match.group(1)] = match.group(2) or match.group(3)
    return found


def test_nube_all_boots_lists_and_deletes(tmp_path):
    port = fixtures.free_tcp_port()
    identity_port = fixtures.free_tcp_port()
    image_port = fixtures.free_tcp_port()
    state = tmp_path / 'state'
    svc = fixtures.ServiceProcess(
        'nube-all', args=['--state-dir', state, '--fake-hosts', '3',
                          '--api-port', port,
                          '--identity-port', identity_port,
                          '--image-port', image_port,
                          '--image-registry-port', fixtures.free_tcp_port()],
        log_dir=tmp_path / 'logs')
    # No $NUBE_ADMIN_PASSWORD: nube-all makes one up and prints it.
    svc.env.pop('NUBE_ADMIN_PASSWORD', None)
    svc.start()
    try:
        base = 'http://127.0.0.1:%d/v2.1' % port
        svc.wait_for_http(base, timeout=60, status=200)
        svc.wait_for_log(r'nube-all: compute API', timeout=30)
        auth_url = svc.wait_for_log(
            r'nube-all: identity (\S+) \(user admin', timeout=5).group(1)
        assert auth_url == 'http://127.0.0.1:%d/v3' % identity_port
        password = svc.wait_for_log(
            r'nube-all: generated admin password: (\S+)',
            timeout=5).group(1)
        openrc = _openrc(state / 'openrc')
        assert openrc['NUBE_COMPUTE_URL'] == base
        assert openrc['OS_AUTH_URL'] == auth_url
        assert openrc['OS_PASSWORD'] == password
        assert openrc['OS_IDENTITY_API_VERSION'] == '3'
        assert {openrc[k] for k in ('OS_USER_DOMAIN_NAME',
                                    'OS_PROJECT_DOMAIN_NAME')} == \
            {'Default'}
        assert (state / 'openrc').stat().st_mode & 0o077 == 0
        clouds = yaml.safe_load((state / 'clouds.yaml').read_text())
        cloud = clouds['clouds']['nube']
        assert cloud['auth']['password'] == password
        assert cloud['region_name'] == openrc['OS_REGION_NAME']

        # Without a token the compute API refuses; with one it serves.
        assert requests.get(base + '/servers', timeout=10).status_code == 401
        sess = ks_session.Session(auth=v3.Password(**cloud['auth']))
        s = adapter.Adapter(sess, service_type='compute',
                            region_name=cloud['region_name'],
                            additional_headers={'OpenStack-API-Version':
                                                'compute 2.47'})
        assert s.get_endpoint() == base
        flavors = {f['name'] for f in
                   s.get('/flavors').json()['flavors']}
        assert {'m1.nano', 'm1.tiny', 'm1.small', 'm1.medium',
                'm1.large'} <= flavors

        def hosts_up():
            hvs = s.get('/os-hypervisors').json()['hypervisors']
            return len([h for h in hvs if h['state'] == 'up']) == 3
        fixtures.poll(hosts_up, 30, message='3 fake hosts never came up')

        # The image API is in the catalog too; boot from an upload.
        images = adapter.Adapter(sess, service_type='image',
                                 region_name=cloud['region_name'])
        assert images.get_endpoint() == 'http://127.0.0.1:%d' % image_port
        image = images.post('/v2/images', json={
            'name': 'aio', 'disk_format': 'raw',
            'container_format': 'bare'}).json()
        images.put('/v2/images/%s/file' % image['id'], data=IMAGE_DATA,
                   headers={'Content-Type': 'application/octet-stream'})
        assert images.get('/v2/images/' + image['id']).json()['status'] \
            == 'active'
        resp = s.post('/servers', json={'server': {
            'name': 'aio', 'imageRef': image['id'], 'flavorRef': '42',
            'networks': 'none', 'min_count': 6, 'max_count': 6}})
        assert resp.status_code == 202, resp.text

        def active():
            servers = s.get('/servers/detail').json()['servers']
            return (len(servers) == 6 and
                    all(x['status'] == 'ACTIVE' for x in servers) and
                    servers)
        servers = fixtures.poll(active, 30, message='servers not ACTIVE')
        # Multi-create spreads over the hosts (the weighers spread).
        assert len({x['OS-EXT-SRV-ATTR:host'] for x in servers}) == 3
        assert all(x['addresses'] == {} for x in servers)
        assert {x['tenant_id'] for x in servers} == {sess.get_project_id()}
        assert {x['image']['id'] for x in servers} == {image['id']}
        for server in servers:
            assert s.delete('/servers/' + server['id']).status_code == 204
        fixtures.poll(lambda: s.get('/servers').json()['servers']
                      == [], 30, message='servers not deleted')
        assert os.path.exists(state / 'api.db')
    finally:
        assert svc.stop() in (0, -15), svc.tail()
