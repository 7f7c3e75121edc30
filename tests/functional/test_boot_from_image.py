"""Servers boot from images served by the real image API: every service
its own process (image registry on MariaDB, image API with the file
store, conductor, scheduler, API and ONE libvirt test:/// compute).

Ten servers of one qcow2 image boot at the same time; the compute
downloads the image once into its cache and gives each guest a qcow2
overlay on it. Server create refuses a missing image and an image whose
min_ram is above the flavor's RAM, with Nova's 400s.
"""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess

import pytest
import requests

from tests.functional import cloud as cloud_mod
from tests.functional import fixtures

HOST = 'compute-img'
ADMIN = {'X-Auth-Token': 'admin:admin'}
MISSING = '9d5b6a9e-6a6c-4a8e-a9a1-3f4c2b1d0e0f'

pytestmark = pytest.mark.skipif(shutil.which('qemu-img') is None,
                                reason='qemu-img is not installed')


class ImageCloud(cloud_mod.Cloud):
    """The cloud of tests/functional/cloud.py plus the image services."""

    def prepare(self):
        super().prepare()
        names = self.db_server.create_set(('image',))
        self._databases.extend(names.values())
        self.registry_port = fixtures.free_tcp_port()
        self.image_port = fixtures.free_tcp_port()
        self.image_url = 'http://127.0.0.1:%d' % self.image_port
        self.db_config = cloud_mod._merge(self.db_config, {
            'image_database': {
                'connection': self.db_server.url_for(names['image'])}})
        self.manage('image_db', 'sync')
        self.image_config = cloud_mod._merge(self.db_config, {
            'image_registry': {
                'listen': '127.0.0.1', 'port': self.registry_port,
                'url': 'http://127.0.0.1:%d' % self.registry_port},
            'image_api': {'listen': '127.0.0.1', 'port': self.image_port},
            'image_store': {'filesystem_store_datadir': os.path.join(
                self.workdir, 'image-store')},
        })
        self.glance = {'glance': {'api_endpoint': self.image_url}}

    def start_image_services(self):
        registry = self.start('image-registry', 'nube-image-registry',
                              self.image_config)
        registry.wait_for_http(
            'http://127.0.0.1:%d/' % self.registry_port, timeout=30)
        api = self.start('image-api', 'nube-image-api', self.image_config)
        api.wait_for_http(self.image_url + '/versions', timeout=30)

    def start_api(self):
        svc = self.start('api', 'nube-api', cloud_mod._merge(
            self.db_config, self.glance,
            {'api': {'listen': '127.0.0.1', 'port': self.api_port}}))
        svc.wait_for_http(self.url('/'), timeout=30)
        return svc

    # -- image API calls (what glanceclient / the SDK send) ----------------

    def upload_image(self, data, **fields):
        body = dict({'name': 'img', 'disk_format': 'qcow2',
                     'container_format': 'bare', 'visibility': 'public'},
                    **fields)
        resp = requests.post(self.image_url + '/v2/images', json=body,
                             headers=ADMIN, timeout=30)
        assert resp.status_code == 201, resp.text
        image_id = resp.json()['id']
        resp = requests.put(
            self.image_url + '/v2/images/%s/file' % image_id, data=data,
            headers=dict(ADMIN, **{
                'Content-Type': 'application/octet-stream'}), timeout=60)
        assert resp.status_code == 204, resp.text
        resp = requests.get(self.image_url + '/v2/images/' + image_id,
                            headers=ADMIN, timeout=30)
        assert resp.json()['status'] == 'active', resp.text
        return image_id

    def image_file_gets(self, image_id):
        """GETs of the image's data in the image API's access log."""
        pattern = re.compile(r'GET /v2/images/%s/file\b' % image_id)
        return len(pattern.findall(self.services['image-api'].read_log()))


def _start(c):
    c.start_image_services()
    c.start_conductor()
    c.start_scheduler(1)
    c.start_compute(HOST, cpus=16, memory_mb=65536, extra=c.glance)
    c.start_api()
    c.wait_for_hypervisors(1)
    c.post('/flavors', {'flavor': {
        'name': 'img1', 'id': 'img1', 'ram': 64, 'vcpus': 1,
        'disk': 1}})


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    yield from cloud_mod.module_cloud(tmp_path_factory, request, _start,
                                      cls=ImageCloud)


def _qcow2_bytes(tmp_path):
    path = tmp_path / 'small.qcow2'
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', str(path),
                    '16M'], check=True)
    return path.read_bytes()


def _boot(cloud, name, image_ref, expect=(202,)):
    body = {'server': {'name': name, 'imageRef': image_ref,
                       'flavorRef': 'img1', 'networks': 'none'}}
    resp = cloud.session.post(cloud.url('/v2.1/servers'), json=body,
                              timeout=30)
    assert resp.status_code in expect, resp.text
    return resp


def _cache_dir(cloud):
    return os.path.join(cloud.workdir, 'state', 'instances', '_base')


def test_ten_concurrent_boots_download_the_image_once(cloud, tmp_path):
    image_id = cloud.upload_image(_qcow2_bytes(tmp_path))
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(
            lambda i: _boot(cloud, 'img-vm-%d' % i, image_id), range(10)))
    ids = [r.json()['server']['id'] for r in responses]

    def all_done():
        servers = cloud.get('/servers/detail')['servers']
        mine = [s for s in servers if s['id'] in ids]
        if len(mine) == 10 and all(s['status'] in ('ACTIVE', 'ERROR')
                                   for s in mine):
            return mine
        return None

    servers = fixtures.poll(all_done, 120, interval=0.5,
                            message='servers never settled')
    assert sorted(s['status'] for s in servers) == ['ACTIVE'] * 10, [
        (s['id'], s['status'], s.get('fault')) for s in servers]
    assert {s['image']['id'] for s in servers} == {image_id}
    # One base in the compute's cache (no temporary files left), fetched
    # with one GET of the image data.
    assert os.listdir(_cache_dir(cloud)) == [image_id]
    assert cloud.image_file_gets(image_id) == 1
    # Each guest's disk is a qcow2 overlay on that base.
    disk = os.path.join(cloud.workdir, 'state', 'instances', ids[0],
                        'disk')
    info = json.loads(subprocess.run(
        ['qemu-img', 'info', '--output=json', '-f', 'qcow2', disk],
        check=True, capture_output=True, text=True).stdout)
    assert info['backing-filename'] == os.path.join(_cache_dir(cloud),
                                                    image_id)
    for server_id in ids:
        cloud.delete('/servers/' + server_id)


def test_missing_image_is_400(cloud):
    resp = _boot(cloud, 'no-image', MISSING, expect=(400,))
    assert resp.json()['badRequest']['message'] == \
        'Image %s could not be found.' % MISSING


def test_image_needing_more_ram_than_the_flavor_is_400(cloud, tmp_path):
    image_id = cloud.upload_image(b'\0' * 65536, disk_format='raw',
                                  min_ram=128)
    resp = _boot(cloud, 'too-small', image_id, expect=(400,))
    assert resp.json()['badRequest']['message'] == \
        "Flavor's memory is too small for requested image."
