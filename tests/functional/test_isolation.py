"""Projects are isolated: nube-identity, the compute API and the image API
as processes with auth_strategy keystone, driven with keystoneauth1.

Actors: the cloud admin, a member and a reader of project A, a member of
project B. A server and an image (shared with nobody yet) live in A.
Every compute and image endpoint is tried as every actor; the answers
must be Nova's and Glance's (another project's server or image is 404,
a reader changing something is 403), and no list shows another project's
ids.
"""

import json
import time

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc
import pytest
import requests

from tests.functional import fixtures
from tests.functional import keystone_cloud

REGION = keystone_cloud.REGION
COMPUTE_VERSION = {'OpenStack-API-Version': 'compute 2.47'}
PATCH = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}
IMAGE_DATA = b'isolation-image-data' * 1024
ACTORS = ('admin', 'member-a', 'reader-a', 'member-b')


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    with keystone_cloud.running(request, tmp_path_factory.mktemp('isolation'),
                                'iso-host') as c:
        c.post('/flavors', {'flavor': {'name': 'iso1', 'id': 'iso1',
                                       'ram': 64, 'vcpus': 1, 'disk': 1}})
        yield c


class Actor:
    """One caller: a keystoneauth session and adapters found in its
    catalog (compute and image, public interface)."""

    def __init__(self, name, session):
        self.name = name
        self.session = session
        self.compute = adapter.Adapter(session, service_type='compute',
                                       interface='public',
                                       region_name=REGION)
        self.image = adapter.Adapter(session, service_type='image',
                                     interface='public', region_name=REGION)

    @property
    def project_id(self):
        return self.session.get_project_id()

    def call(self, service, method, path, body=None, headers=None,
             data=None):
        api = self.compute if service == 'compute' else self.image
        all_headers = dict(COMPUTE_VERSION if service == 'compute' else {},
                           **(headers or {}))
        kwargs = {'headers': all_headers, 'raise_exc': False}
        if data is not None:
            kwargs['data'] = data
        elif body is not None:
            if 'Content-Type' in all_headers:
                kwargs['data'] = json.dumps(body)
            else:
                kwargs['json'] = body
        return api.request(path, method, **kwargs)


@pytest.fixture(scope='module')
def actors(cloud):
    cloud.project('project-a')
    cloud.project('project-b')
    found = {'admin': Actor('admin', cloud.admin),
             'member-a': Actor('member-a', cloud.actor(
                 'member-a', 'project-a', 'member')),
             'reader-a': Actor('reader-a', cloud.actor(
                 'reader-a', 'project-a', 'reader')),
             'member-b': Actor('member-b', cloud.actor(
                 'member-b', 'project-b', 'member'))}
    return found


@pytest.fixture(scope='module')
def resources(cloud, actors):
    """An image (visibility shared, no members yet: only A sees it) and a
    server booted from it, both in project A."""
    member = actors['member-a']
    resp = member.call('image', 'POST', '/v2/images', {
        'name': 'a-image', 'disk_format': 'raw', 'container_format': 'bare',
        'visibility': 'shared'})
    assert resp.status_code == 201, resp.text
    image_id = resp.json()['id']
    resp = member.call('image', 'PUT', '/v2/images/%s/file' % image_id,
                       data=IMAGE_DATA, headers={
                           'Content-Type': 'application/octet-stream'})
    assert resp.status_code == 204, resp.text
    resp = member.call('compute', 'POST', '/servers', {'server': {
        'name': 'a-server', 'imageRef': image_id, 'flavorRef': 'iso1',
        'networks': 'none'}})
    assert resp.status_code == 202, resp.text
    server_id = resp.json()['server']['id']

    def settled():
        server = member.call('compute', 'GET', '/servers/' + server_id)
        status = server.json()['server']['status']
        return status if status in ('ACTIVE', 'ERROR') else None
    status = fixtures.poll(settled, 60, interval=0.3,
                           message='server never settled')
    assert status == 'ACTIVE', member.call(
        'compute', 'GET', '/servers/' + server_id).text
    return {'server': server_id, 'image': image_id,
            'project_a': member.project_id,
            'project_b': actors['member-b'].project_id}


def _matrix(actors, rows):
    """Run (service, method, path, body, headers, {actor: status}) rows;
    the mismatches as readable tuples."""
    wrong = []
    for service, method, path, body, headers, expected in rows:
        for name, status in expected.items():
            resp = actors[name].call(service, method, path, body, headers)
            if resp.status_code != status:
                wrong.append((name, method, service, path, status,
                              resp.status_code, resp.text[:200]))
    return wrong


def _refused(reader=403, other=404, admin=200, member=None):
    """Expected statuses; None: that actor is not tried."""
    expected = {'reader-a': reader, 'member-b': other, 'admin': admin,
                'member-a': member}
    return {k: v for k, v in expected.items() if v is not None}


def test_catalog_discovery_finds_the_apis(cloud, actors):
    member = actors['member-a']
    assert member.session.get_endpoint(
        service_type='compute', interface='public',
        region_name=REGION) == cloud.url('/v2.1')
    assert member.session.get_endpoint(
        service_type='image', interface='public',
        region_name=REGION) == cloud.image_url
    assert member.call('compute', 'GET', '/flavors').status_code == 200


def test_compute_endpoints_across_projects_and_roles(actors, resources):
    server = '/servers/' + resources['server']
    admin_only = {'admin': 200, 'member-a': 403, 'reader-a': 403,
                  'member-b': 403}
    boot = {'server': {'name': 'x', 'imageRef': resources['image'],
                       'flavorRef': 'iso1', 'networks': 'none'}}
    new_flavor = {'flavor': {'name': 'f-x', 'id': 'f-x', 'ram': 64,
                             'vcpus': 1, 'disk': 1}}
    rows = [
        ('compute', 'GET', server, None, None,
         _refused(reader=200, member=200)),
        ('compute', 'PUT', server, {'server': {'name': 'a-server'}}, None,
         _refused(member=200)),
        ('compute', 'POST', server + '/action', {'os-getConsoleOutput': {}},
         None, _refused(member=200)),
        ('compute', 'POST', server + '/action', {'os-stop': None}, None,
         _refused(admin=None)),
        ('compute', 'POST', server + '/action', {'reboot': {'type': 'HARD'}},
         None, _refused(admin=None)),
        ('compute', 'DELETE', server, None, None, _refused(admin=None)),
        ('compute', 'POST', '/servers', boot, None, {'reader-a': 403}),
        ('compute', 'GET', '/servers?all_tenants=1', None, None, admin_only),
        ('compute', 'GET', '/servers/detail?all_tenants=1', None, None,
         admin_only),
        ('compute', 'GET', '/os-hypervisors', None, None, admin_only),
        ('compute', 'GET', '/os-hypervisors/detail', None, None, admin_only),
        ('compute', 'GET', '/os-hypervisors/statistics', None, None,
         admin_only),
        ('compute', 'POST', '/flavors/iso1/os-extra_specs',
         {'extra_specs': {'k': 'v'}}, None, admin_only),
        ('compute', 'GET', '/flavors/iso1/os-extra_specs', None, None,
         {'member-a': 200, 'reader-a': 200, 'member-b': 200}),
        ('compute', 'GET', '/os-services', None, None, admin_only),
        ('compute', 'GET', '/os-availability-zone/detail', None, None,
         admin_only),
        ('compute', 'GET', '/limits?tenant_id=' + resources['project_a'],
         None, None, admin_only),
        ('compute', 'POST', '/flavors', new_flavor, None,
         dict(admin_only, admin=200)),
        ('compute', 'DELETE', '/flavors/f-x', None, None,
         dict(admin_only, admin=202)),
        # A project in the path must be the token's (Nova: 400).
        ('compute', 'GET', '/%s%s' % (resources['project_a'], server),
         None, None, {'member-b': 400, 'reader-a': 200}),
    ]
    assert _matrix(actors, rows) == []
    # Refusals are Nova's bodies.
    refused = actors['reader-a'].call('compute', 'DELETE', server)
    assert refused.json() == {'forbidden': {
        'code': 403, 'message': "Policy doesn't allow "
                                "os_compute_api:servers:delete to be "
                                "performed."}}
    hidden = actors['member-b'].call('compute', 'DELETE', server)
    assert hidden.json()['itemNotFound']['code'] == 404
    # The server survived everyone who may not delete it.
    assert actors['member-a'].call('compute', 'GET',
                                   server).status_code == 200


def test_server_lists_do_not_leak(actors, resources):
    server = resources['server']
    for path in ('/servers', '/servers/detail', '/servers?name=a-server',
                 '/servers/detail?project_id=%s' % resources['project_a']):
        listed = {}
        for name in ACTORS:
            resp = actors[name].call('compute', 'GET', path)
            assert resp.status_code == 200, (name, path, resp.text)
            listed[name] = {s['id'] for s in resp.json()['servers']}
        assert server in listed['member-a'], path
        assert server in listed['reader-a'], path
        # Without all_tenants an admin lists its own project, like Nova.
        assert server not in listed['admin'], path
        assert server not in listed['member-b'], path
    everything = actors['admin'].call('compute', 'GET',
                                      '/servers/detail?all_tenants=1')
    assert server in {s['id'] for s in everything.json()['servers']}
    limits = actors['member-b'].call('compute', 'GET', '/limits').json()
    assert limits['limits']['absolute']['totalInstancesUsed'] == 0


def test_image_endpoints_across_projects_and_roles(actors, resources):
    image = '/v2/images/' + resources['image']
    rename = [{'op': 'replace', 'path': '/name', 'value': 'a-image'}]
    publish = [{'op': 'replace', 'path': '/visibility', 'value': 'public'}]
    share = {'member': resources['project_b']}
    rows = [
        ('image', 'GET', image, None, None, _refused(reader=200,
                                                      member=200)),
        ('image', 'GET', image + '/file', None, None,
         _refused(member=200)),
        ('image', 'PATCH', image, rename, PATCH, _refused(member=200)),
        ('image', 'PATCH', image, publish, PATCH,
         _refused(member=403, admin=None)),
        ('image', 'PUT', image + '/file', None,
         {'Content-Type': 'application/octet-stream'},
         _refused(admin=None)),
        ('image', 'DELETE', image, None, None, _refused(admin=None)),
        ('image', 'POST', image + '/members', share, None,
         _refused(admin=None)),
        ('image', 'GET', image + '/members', None, None,
         _refused(reader=200, member=200)),
        ('image', 'PUT', image + '/tags/blue', None, None,
         _refused(member=204, admin=204)),
        ('image', 'POST', image + '/actions/deactivate', None, None,
         _refused(admin=None)),
        ('image', 'POST', '/v2/images', {'name': 'r'}, None,
         {'reader-a': 403}),
    ]
    assert _matrix(actors, rows) == []
    # The data a member of A downloads is the image's.
    data = actors['member-a'].call('image', 'GET', image + '/file')
    assert data.content == IMAGE_DATA


def test_image_lists_do_not_leak(actors, resources):
    image = resources['image']
    listed = {}
    for name in ACTORS:
        resp = actors[name].call('image', 'GET', '/v2/images')
        assert resp.status_code == 200, (name, resp.text)
        listed[name] = {i['id'] for i in resp.json()['images']}
    assert image in listed['member-a']
    assert image in listed['reader-a']
    assert image not in listed['member-b']


def test_sharing_an_image_opens_it_to_the_member(actors, resources):
    """The positive control of the 404s above: once A shares the image
    with B, B's member reads it (and still cannot change it)."""
    image = '/v2/images/' + resources['image']
    member_b = actors['member-b']
    resp = actors['member-a'].call('image', 'POST', image + '/members',
                                   {'member': resources['project_b']})
    assert resp.status_code == 200, resp.text
    assert member_b.call('image', 'GET', image).status_code == 200
    assert member_b.call('image', 'DELETE', image).status_code == 403
    resp = actors['member-a'].call('image', 'DELETE', image + '/members/'
                                   + resources['project_b'])
    assert resp.status_code == 204, resp.text
    assert member_b.call('image', 'GET', image).status_code == 404


def test_revoked_token_is_refused_within_the_cache_time(cloud, actors,
                                                        resources):
    token = cloud.session_for('member-a', 'member-a-pw',
                              'project-a').get_token()
    headers = dict(COMPUTE_VERSION, **{'X-Auth-Token': token})
    url = cloud.url('/v2.1/servers/' + resources['server'])
    image_url = '%s/v2/images/%s' % (cloud.image_url, resources['image'])
    assert requests.get(url, headers=headers, timeout=30).status_code == 200
    assert requests.get(image_url, headers={'X-Auth-Token': token},
                        timeout=30).status_code == 200
    revoked = requests.delete(cloud.auth_url + '/auth/tokens', headers={
        'X-Auth-Token': token, 'X-Subject-Token': token}, timeout=30)
    assert revoked.status_code == 204
    started = time.monotonic()

    def refused():
        return (requests.get(url, headers=headers, timeout=30).status_code
                == 401 and
                requests.get(image_url, headers={'X-Auth-Token': token},
                             timeout=30).status_code == 401)
    fixtures.poll(refused, keystone_cloud.TOKEN_CACHE_TIME + 8,
                  interval=0.2, message='a revoked token kept working')
    assert time.monotonic() - started < keystone_cloud.TOKEN_CACHE_TIME + 8
    # The member's session re-authenticates and goes on working.
    assert actors['member-a'].call('compute', 'GET', '/servers/' +
                                   resources['server']).status_code == 200


def test_bad_credentials_get_401_that_names_no_culprit(cloud):
    def attempt(username, password):
        return requests.post(cloud.auth_url + '/auth/tokens', json={
            'auth': {'identity': {'methods': ['password'], 'password': {
                'user': {'name': username, 'domain': {'id': 'default'},
                         'password': password}}},
                'scope': {'project': {'name': 'project-a',
                                      'domain': {'id': 'default'}}}}},
            timeout=30)

    wrong_user = attempt('nobody-at-all', 'member-a-pw')
    wrong_password = attempt('member-a', 'not-the-password')
    assert wrong_user.status_code == wrong_password.status_code == 401
    assert wrong_user.json() == wrong_password.json()
    assert 'member-a' not in wrong_password.text
    with pytest.raises(ks_exc.Unauthorized):
        cloud.session_for('member-a', 'wrong', 'project-a').get_token()
    # A token the identity service never issued: 401 from both APIs.
    for url in (cloud.url('/v2.1/servers'), cloud.image_url + '/v2/images'):
        resp = requests.get(url, headers={'X-Auth-Token': 'forged'},
                            timeout=30)
        assert resp.status_code == 401, (url, resp.text)
        assert resp.headers['WWW-Authenticate'] == \
            'Keystone uri="%s"' % cloud.identity_url
        resp = requests.get(url, timeout=30)
        assert resp.status_code == 401, (url, resp.text)


def test_registry_answers_services_only(cloud, actors):
    """The image API reaches the registry with its service credentials
    (every image call above went through it); users cannot."""
    url = cloud.registry_url + '/images'
    assert requests.get(url, timeout=30).status_code == 401
    member = actors['member-a'].session.get_token()
    resp = requests.get(url, headers={'X-Auth-Token': member,
                                      'X-Nube-Is-Admin': 'True'},
                        timeout=30)
    assert resp.status_code == 403, resp.text
    admin = actors['admin'].session.get_token()
    assert requests.get(url, headers={'X-Auth-Token': admin},
                        timeout=30).status_code == 200


def test_member_deletes_its_server(actors, resources):
    server = '/servers/' + resources['server']
    resp = actors['member-a'].call('compute', 'DELETE', server)
    assert resp.status_code == 204, resp.text
    fixtures.poll(lambda: actors['member-a'].call(
        'compute', 'GET', server).status_code == 404, 30,
        message='server never went away')
