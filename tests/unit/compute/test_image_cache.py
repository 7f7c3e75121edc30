"""The compute's image cache, and builds that use it, against the stand-in
image API (tests/unit/image/standin.py) on a loopback port."""

import json
import os
import shutil
import subprocess
import threading
import time

import pytest

from nube import context
from nube import exception
from nube.compute import image_cache
from nube.compute import manager as compute_manager
from nube.compute import states
from nube.compute.virt import fake
from nube.conductor import manager as conductor_manager
import nube.conf
from nube.image import client
from tests.unit.conductor import fakes
from tests.unit.image import standin

CONF = nube.conf.CONF
HAVE_QEMU_IMG = shutil.which('qemu-img') is not None
needs_qemu_img = pytest.mark.skipif(not HAVE_QEMU_IMG,
                                    reason='qemu-img is not installed')


@pytest.fixture
def overrides(tmp_path):
    done = []

    def _set(name, value, group=None):
        CONF.set_override(name, value, group=group)
        done.append((name, group))

    _set('instances_path', str(tmp_path / 'instances'), group='compute')
    yield _set
    for name, group in done:
        CONF.clear_override(name, group=group)


@pytest.fixture
def image_api(overrides):
    with standin.serving() as api:
        yield api


@pytest.fixture
def ctxt():
    return context.RequestContext(user_id='alice', project_id='demo',
                                  auth_token='alice:demo')


@pytest.fixture
def cache():
    return image_cache.ImageCache(client.API())


def _cache_dir():
    return CONF.compute.image_cache_path


def _qemu_img(*args):
    return subprocess.run(['qemu-img'] + list(args), check=True,
                          capture_output=True, text=True).stdout


def _disk_bytes(tmp_path, fmt, *extra):
    path = tmp_path / ('made.' + fmt)
    _qemu_img('create', '-q', '-f', fmt, *extra, str(path), '1M')
    data = path.read_bytes()
    path.unlink()
    return data


def _info(path, fmt):
    return json.loads(_qemu_img('info', '--output=json', '-f', fmt,
                                str(path)))


# -- fetch -------------------------------------------------------------------

def test_cache_path_defaults_under_instances_path(overrides):
    assert _cache_dir() == os.path.join(CONF.compute.instances_path,
                                        '_base')


def test_ten_concurrent_fetches_download_once(image_api, cache, ctxt):
    data = os.urandom(8 * standin.StandInImageAPI.chunk)
    doc = image_api.add(data)
    image_api.chunk_delay = 0.01  # a slow link: the others arrive meanwhile
    image = client.API().get(ctxt, doc['id'])
    results, errors = [], []

    def fetch():
        try:
            results.append(cache.fetch(ctxt, image))
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=fetch) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    base = os.path.join(_cache_dir(), doc['id'])
    assert results == [(base, 'raw')] * 10
    assert image_api.downloads(doc['id']) == 1
    assert os.listdir(_cache_dir()) == [doc['id']]
    with open(base, 'rb') as f:
        assert f.read() == data


def test_cache_hit_records_last_use(image_api, cache, ctxt):
    doc = image_api.add(b'x' * 1000)
    image = client.API().get(ctxt, doc['id'])
    base, _fmt = cache.fetch(ctxt, image)
    os.utime(base, (1000, 1000))
    assert cache.fetch(ctxt, image) == (base, 'raw')
    assert os.stat(base).st_mtime > time.time() - 60
    assert image_api.downloads(doc['id']) == 1


def test_corrupt_download_leaves_nothing_cached(image_api, cache, ctxt):
    doc = image_api.add(os.urandom(20000))
    image_api.corrupt.add(doc['id'])
    image = client.API().get(ctxt, doc['id'])
    with pytest.raises(exception.ImageDownloadFailed):
        cache.fetch(ctxt, image)
    assert os.listdir(_cache_dir()) == []


@pytest.mark.parametrize('disk_format', ['iso', 'ploop', None])
def test_unbootable_formats_are_refused_before_download(
        image_api, cache, ctxt, disk_format):
    doc = image_api.add(b'data', disk_format=disk_format)
    image = client.API().get(ctxt, doc['id'])
    with pytest.raises(exception.ImageUnacceptable):
        cache.fetch(ctxt, image)
    assert image_api.downloads(doc['id']) == 0


def test_image_not_active_is_refused(image_api, cache, ctxt):
    doc = image_api.add(None, status='queued')
    image = client.API().get(ctxt, doc['id'])
    with pytest.raises(exception.ImageNotActive):
        cache.fetch(ctxt, image)


@pytest.mark.parametrize('disk_format', ['aki', 'ari', 'ami'])
def test_kernel_ramdisk_and_ami_stay_raw(image_api, cache, ctxt,
                                         disk_format):
    container = disk_format
    doc = image_api.add(b'\x7fELF kernel bits', disk_format=disk_format,
                        container_format=container)
    path, fmt = cache.fetch(ctxt, client.API().get(ctxt, doc['id']))
    assert fmt == 'raw'
    with open(path, 'rb') as f:
        assert f.read() == b'\x7fELF kernel bits'


@needs_qemu_img
def test_qcow2_is_used_as_it_is(image_api, cache, ctxt, tmp_path):
    data = _disk_bytes(tmp_path, 'qcow2')
    doc = image_api.add(data, disk_format='qcow2')
    path, fmt = cache.fetch(ctxt, client.API().get(ctxt, doc['id']))
    assert fmt == 'qcow2'
    with open(path, 'rb') as f:
        assert f.read() == data


@needs_qemu_img
def test_qcow2_with_a_backing_file_is_refused(image_api, cache, ctxt,
                                              tmp_path):
    secret = tmp_path / 'host-secret'
    secret.write_bytes(b's' * 4096)
    data = _disk_bytes(tmp_path, 'qcow2', '-b', str(secret), '-F', 'raw')
    doc = image_api.add(data, disk_format='qcow2')
    with pytest.raises(exception.ImageUnacceptable) as exc:
        cache.fetch(ctxt, client.API().get(ctxt, doc['id']))
    assert 'backing file' in exc.value.message
    assert os.listdir(_cache_dir()) == []


@needs_qemu_img
def test_vmdk_is_converted_to_qcow2(image_api, cache, ctxt, tmp_path):
    data = _disk_bytes(tmp_path, 'vmdk')
    doc = image_api.add(data, disk_format='vmdk')
    path, fmt = cache.fetch(ctxt, client.API().get(ctxt, doc['id']))
    assert fmt == 'qcow2'
    info = _info(path, 'qcow2')
    assert info['format'] == 'qcow2'
    assert info['virtual-size'] == 1024 * 1024
    assert 'backing-filename' not in info
    # Temporary download and conversion files are gone.
    assert os.listdir(_cache_dir()) == [doc['id']]


@needs_qemu_img
def test_vmdk_naming_other_files_is_refused(image_api, cache, ctxt,
                                            tmp_path):
    data = _disk_bytes(tmp_path, 'vmdk', '-o', 'subformat=monolithicFlat')
    doc = image_api.add(data, disk_format='vmdk')
    with pytest.raises(exception.ImageUnacceptable):
        cache.fetch(ctxt, client.API().get(ctxt, doc['id']))
    assert os.listdir(_cache_dir()) == []


# -- image_meta and AMI-style images -----------------------------------------

def test_image_meta_without_image_service_is_a_blank_disk(overrides, cache,
                                                          ctxt):
    meta = cache.image_meta(ctxt, {'image_ref': 'any-id'})
    assert meta['local_path'] is None
    assert meta['id'] == 'any-id'


def test_ami_style_image_brings_kernel_and_ramdisk(image_api, cache, ctxt):
    kernel = image_api.add(b'kernel', disk_format='aki',
                           container_format='aki')
    ramdisk = image_api.add(b'initrd', disk_format='ari',
                            container_format='ari')
    machine = image_api.add(
        b'rootfs', disk_format='ami', container_format='ami',
        kernel_id=kernel['id'], ramdisk_id=ramdisk['id'],
        kernel_path='/etc/shadow', architecture='x86_64')
    meta = cache.image_meta(ctxt, {'image_ref': machine['id']})
    base = _cache_dir()
    assert meta['local_path'] == os.path.join(base, machine['id'])
    assert meta['disk_format'] == 'raw'
    props = meta['properties']
    assert props['kernel_path'] == os.path.join(base, kernel['id'])
    assert props['ramdisk_path'] == os.path.join(base, ramdisk['id'])
    assert props['architecture'] == 'x86_64'
    assert sorted(os.listdir(base)) == sorted(
        [kernel['id'], ramdisk['id'], machine['id']])


def test_kernel_id_that_is_no_uuid_is_refused(image_api, cache, ctxt):
    machine = image_api.add(b'rootfs', kernel_id='../../boot/vmlinuz')
    with pytest.raises(exception.ImageNotFound):
        cache.image_meta(ctxt, {'image_ref': machine['id']})


# -- clean-up ----------------------------------------------------------------

def _old_base(name, age):
    path = os.path.join(_cache_dir(), name)
    with open(path, 'wb') as f:
        f.write(b'base')
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_clean_removes_old_unused_bases_only(overrides, cache):
    CONF.set_override('image_cache_max_age', 3600, group='compute')
    os.makedirs(_cache_dir())
    ids = ['11111111-1111-4111-8111-111111111111',
           '22222222-2222-4222-8222-222222222222',
           '33333333-3333-4333-8333-333333333333']
    old_unused = _old_base(ids[0], 7200)
    old_used = _old_base(ids[1], 7200)
    fresh = _old_base(ids[2], 60)
    stale_tmp = _old_base('.%s.x.part' % ids[0], 2 * 3600)
    other = _old_base('not-an-image', 10 ** 6)
    try:
        assert cache.clean({ids[1].upper()}) == [ids[0]]
    finally:
        CONF.clear_override('image_cache_max_age', group='compute')
    assert not os.path.exists(old_unused)
    assert not os.path.exists(stale_tmp)
    for kept in (old_used, fresh, other):
        assert os.path.exists(kept)


def test_clean_of_missing_cache_dir_is_a_no_op(overrides, cache):
    assert cache.clean(set(), max_age=0) == []


# -- the compute manager -----------------------------------------------------

class _Cell:
    def __init__(self, tmp_path, driver_factory):
        self.db = fakes.make_cell_db(tmp_path)
        self.conductor_api = fakes.LocalConductorAPI(
            conductor_manager.ConductorManager(
                self.db, compute_api=fakes.RecordingComputeAPI()))
        self.mgr = compute_manager.ComputeManager(
            'c1', driver_factory('c1'), conductor_api=self.conductor_api)
        self.mgr.init_host()

    def build(self, ctxt, **image_fields):
        node = self.db.compute_nodes_get_by_host('c1')[0]
        inst = fakes.claim_instance(self.db, node,
                                    requested_networks='none')
        inst = self.db.instance_update(inst['uuid'], image_fields)
        self.mgr.build_and_run_instance(
            ctxt, inst, {'requested_networks': 'none'}, [])
        assert self.mgr.wait_for_tasks(timeout=30)
        return self.db.instance_get(inst['uuid'])

    def close(self):
        self.mgr.cleanup_host()
        self.db.dispose()


@pytest.fixture
def fake_cell(tmp_path, image_api):
    fake.FakeDriver.reset('c1')
    cell = _Cell(tmp_path, fake.FakeDriver)
    yield cell
    cell.close()


def test_manager_spawns_with_cached_image(fake_cell, image_api, ctxt,
                                          monkeypatch):
    kernel = image_api.add(b'kernel', disk_format='aki',
                           container_format='aki')
    doc = image_api.add(b'disk', kernel_id=kernel['id'])
    seen = []
    real_spawn = fake_cell.mgr.driver.spawn

    def spawn(context, instance, image_meta, network_info):
        seen.append(image_meta)
        return real_spawn(context, instance, image_meta, network_info)

    monkeypatch.setattr(fake_cell.mgr.driver, 'spawn', spawn)
    inst = fake_cell.build(ctxt, image_ref=doc['id'],
                           kernel_id=kernel['id'])
    assert inst['vm_state'] == states.ACTIVE
    [meta] = seen
    assert meta['local_path'] == os.path.join(_cache_dir(), doc['id'])
    assert meta['properties']['kernel_path'] == os.path.join(
        _cache_dir(), kernel['id'])
    assert os.path.exists(meta['local_path'])


def test_manager_build_fails_for_missing_image(fake_cell, ctxt):
    inst = fake_cell.build(ctxt,
                           image_ref='44444444-4444-4444-8444-444444444444')
    assert inst['vm_state'] == states.ERROR
    assert 'could not be found' in inst['fault']['message']


def test_manager_cleans_unused_bases(fake_cell, image_api, ctxt):
    used = image_api.add(b'used')
    unused = image_api.add(b'unused')
    fake_cell.build(ctxt, image_ref=used['id'])
    fake_cell.mgr.image_cache.fetch(
        ctxt, client.API().get(ctxt, unused['id']))
    for image_id in (used['id'], unused['id']):
        os.utime(os.path.join(_cache_dir(), image_id), (1000, 1000))
    removed = fake_cell.mgr._clean_image_cache(context.get_admin_context())
    assert removed == [unused['id']]
    assert os.listdir(_cache_dir()) == [used['id']]


@needs_qemu_img
def test_libvirt_guest_gets_an_overlay_on_the_base(tmp_path, image_api,
                                                   ctxt, overrides):
    pytest.importorskip('libvirt')
    from nube.compute.virt.libvirt import driver as lv_driver

    overrides('connection_uri', 'test:///default', group='libvirt')
    cell = _Cell(tmp_path, lv_driver.LibvirtDriver)
    try:
        doc = image_api.add(_disk_bytes(tmp_path, 'qcow2'),
                            disk_format='qcow2')
        inst = cell.build(ctxt, image_ref=doc['id'])
        assert inst['vm_state'] == states.ACTIVE
        disk = os.path.join(CONF.compute.instances_path, inst['uuid'],
                            'disk')
        info = _info(disk, 'qcow2')
        assert info['backing-filename'] == os.path.join(_cache_dir(),
                                                        doc['id'])
        assert info['backing-filename-format'] == 'qcow2'
        cell.mgr.terminate_instance(ctxt, inst)
        assert cell.mgr.wait_for_tasks(timeout=30)
    finally:
        cell.close()
