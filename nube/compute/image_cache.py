"""Per-host cache of the image files instances boot from.

Each image a guest of this host uses is downloaded once (hashes checked by
the image client) into ``[compute] image_cache_path`` as a base file named
by the image id (a validated UUID, never anything else from a user). Every
instance then gets its own qcow2 overlay on that base (the virt driver
makes it from ``image_meta['local_path']``). Bases are raw or qcow2: other
disk formats are converted once with ``qemu-img convert``; kernels (aki)
and ramdisks (ari) stay raw, as the hypervisor reads them directly.

Concurrent boots of one image wait on a per-image lock and reuse the file
the first one fetched; the data lands under a temporary name and is
renamed into place, so a base file that exists is always complete. Each
use touches the file's mtime: ``clean`` removes bases that no instance of
this host uses and that nobody used for ``[compute] image_cache_max_age``
seconds. The cache directory belongs to one host.
"""

import json
import os
import shutil
import subprocess
import threading
import time

from oslo_concurrency import processutils
from oslo_log import log as logging

from nube import exception
import nube.conf
from nube.image import client as image_client

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

RAW = 'raw'
QCOW2 = 'qcow2'
# disk_format -> qemu-img format to convert from (None: use as it is).
_CONVERT_FROM = {
    'raw': None, 'ami': None, 'aki': None, 'ari': None, 'qcow2': None,
    'vmdk': 'vmdk', 'vdi': 'vdi', 'vhd': 'vpc', 'vhdx': 'vhdx',
}
_RAW_FORMATS = ('raw', 'ami', 'aki', 'ari')
_CONTAINERS = (None, '', 'bare', 'ami', 'aki', 'ari')
# VMDK layouts that keep all data in the one file (others name extents
# anywhere on the host).
_VMDK_SINGLE_FILE = ('monolithicSparse', 'streamOptimized')
# qemu-img reading untrusted headers gets bounded memory and CPU.
_INFO_LIMITS = processutils.ProcessLimits(address_space=1024 ** 3,
                                          cpu_time=30)
# Temporary files (downloads, conversions) older than this are debris.
TEMP_MAX_AGE = 3600
TEMP_SUFFIX = '.part'

_locks = {}
_locks_guard = threading.Lock()


def _image_lock(image_id):
    """The process-wide lock of one image's base file."""
    with _locks_guard:
        return _locks.setdefault(image_id, threading.Lock())


def base_format(image):
    """Format of the cached base of ``image``: raw or qcow2.

    ImageUnacceptable for formats nube cannot boot (iso, unknown ones) or
    containers other than bare/ami/aki/ari.
    """
    disk_format = (image.get('disk_format') or '').lower()
    container = image.get('container_format')
    if container not in _CONTAINERS:
        raise exception.ImageUnacceptable(
            image_id=image['id'],
            reason='container format %r is not supported' % container)
    if disk_format not in _CONVERT_FROM:
        raise exception.ImageUnacceptable(
            image_id=image['id'],
            reason='disk format %r is not supported' % disk_format)
    return RAW if disk_format in _RAW_FORMATS else QCOW2


def _qemu_img():
    path = shutil.which('qemu-img')
    if path is None:
        raise exception.VirtDriverError(reason='qemu-img is not installed')
    return path


def qemu_img_info(image_id, path, fmt):
    """``qemu-img info`` of a file read as ``fmt`` (never probed)."""
    try:
        out, _err = processutils.execute(
            _qemu_img(), 'info', '--output=json', '-f', fmt, path,
            prlimit=_INFO_LIMITS)
    except processutils.ProcessExecutionError as e:
        raise exception.ImageUnacceptable(
            image_id=image_id, reason='not a valid %s file: %s' % (
                fmt, (e.stderr or str(e)).strip()))
    return json.loads(out)


def check_disk_file(image_id, path, fmt):
    """Refuse image data that would make QEMU read other host files."""
    if fmt == 'vmdk':
        # A text descriptor names extent files anywhere on the host, and
        # qemu-img would open them even for ``info``: take only the
        # single-file binary kinds (sparse header magic "KDMV").
        with open(path, 'rb') as f:
            if f.read(4) != b'KDMV':
                raise exception.ImageUnacceptable(
                    image_id=image_id,
                    reason='only single-file sparse VMDKs are supported')
    info = qemu_img_info(image_id, path, fmt)
    if info.get('backing-filename') or info.get('full-backing-filename'):
        raise exception.ImageUnacceptable(
            image_id=image_id, reason='it has a backing file')
    specific = (info.get('format-specific') or {}).get('data') or {}
    if specific.get('data-file'):
        raise exception.ImageUnacceptable(
            image_id=image_id, reason='it has an external data file')
    if fmt == 'vmdk' and specific.get('create-type') not in \
            _VMDK_SINGLE_FILE:
        raise exception.ImageUnacceptable(
            image_id=image_id, reason='VMDK type %r is not supported' % (
                specific.get('create-type'),))


def convert(image_id, src, src_fmt, dest):
    """qemu-img convert src (src_fmt) to a qcow2 file at dest."""
    cmd = [_qemu_img(), 'convert', '-q', '-f', src_fmt, '-O', QCOW2, src,
           dest]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              check=False, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise exception.ImageUnacceptable(
            image_id=image_id, reason='conversion failed: %s' % e)
    if proc.returncode != 0:
        raise exception.ImageUnacceptable(
            image_id=image_id,
            reason='conversion failed: %s' % proc.stderr.strip())


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class ImageCache:
    """Base files of the images this host's instances use."""

    def __init__(self, image_api, path=None):
        self.image_api = image_api
        self._path = path

    @property
    def path(self):
        return self._path or CONF.compute.image_cache_path

    def base_path(self, image_id):
        return os.path.join(self.path, image_client.canonical_id(image_id))

    # -- fetch -------------------------------------------------------------

    def fetch(self, context, image):
        """(path, format) of the base of ``image`` (an image record).

        Downloads and converts on the first use on this host; later and
        concurrent calls wait for that and reuse the file.
        """
        image_id = image_client.canonical_id(image['id'])
        if image.get('status') != 'active':
            raise exception.ImageNotActive(image_id=image_id)
        fmt = base_format(image)
        path = self.base_path(image_id)
        with _image_lock(image_id):
            if os.path.exists(path):
                os.utime(path)
                LOG.debug('Image %s is cached at %s', image_id, path)
                return path, fmt
            os.makedirs(self.path, exist_ok=True)
            self._fill(context, image, image_id, path)
        return path, fmt

    def _fill(self, context, image, image_id, path):
        disk_format = (image.get('disk_format') or '').lower()
        src_fmt = _CONVERT_FROM[disk_format]
        started = time.monotonic()
        if src_fmt is None:
            # Lands at ``path`` only when complete and its hashes match.
            self.image_api.download(context, image_id, path, image=image)
            if disk_format == QCOW2:
                try:
                    check_disk_file(image_id, path, QCOW2)
                except Exception:
                    _unlink(path)
                    raise
        else:
            source = os.path.join(self.path, '.%s.%s%s' % (
                image_id, src_fmt, TEMP_SUFFIX))
            target = os.path.join(self.path, '.%s.qcow2%s' % (
                image_id, TEMP_SUFFIX))
            try:
                self.image_api.download(context, image_id, source,
                                        image=image)
                check_disk_file(image_id, source, src_fmt)
                convert(image_id, source, src_fmt, target)
                check_disk_file(image_id, target, QCOW2)
                os.chmod(target, 0o644)
                os.rename(target, path)
            finally:
                _unlink(source)
                _unlink(target)
        LOG.info('Cached image %s (%s) at %s in %.1fs', image_id,
                 disk_format, path, time.monotonic() - started)

    # -- what the virt driver gets ----------------------------------------

    def image_meta(self, context, instance):
        """image_meta for spawn: local_path (and kernel/ramdisk) filled.

        Without an image service (or image) the guest gets a blank disk,
        as before images existed.
        """
        image_ref = instance.get('image_ref')
        if not image_ref or not image_client.enabled():
            return {'id': image_ref, 'properties': {}, 'local_path': None,
                    'disk_format': QCOW2, 'container_format': 'bare'}
        image = self.image_api.get(context, image_ref)
        path, fmt = self.fetch(context, image)
        props = dict(image.get('properties') or {})
        # Only nube sets these (to files it fetched); a property of that
        # name on the image would point the hypervisor at a host file.
        props.pop('kernel_path', None)
        props.pop('ramdisk_path', None)
        kernel_id = instance.get('kernel_id') or props.get('kernel_id')
        ramdisk_id = instance.get('ramdisk_id') or props.get('ramdisk_id')
        if kernel_id:
            props['kernel_path'] = self._fetch_raw(context, kernel_id,
                                                   'kernel')
            if ramdisk_id:
                props['ramdisk_path'] = self._fetch_raw(context, ramdisk_id,
                                                        'ramdisk')
        return {'id': image['id'], 'name': image.get('name'),
                'disk_format': fmt,
                'container_format': image.get('container_format'),
                'min_ram': image.get('min_ram', 0),
                'min_disk': image.get('min_disk', 0),
                'size': image.get('size'),
                'properties': props, 'local_path': path}

    def _fetch_raw(self, context, image_id, what):
        image = self.image_api.get(context, image_id)
        path, fmt = self.fetch(context, image)
        if fmt != RAW:
            raise exception.ImageUnacceptable(
                image_id=image['id'],
                reason='a %s image must be aki, ari or raw' % what)
        return path

    # -- clean-up ----------------------------------------------------------

    def clean(self, in_use, max_age=None):
        """Remove bases unused by ``in_use`` ids and untouched for max_age.

        Returns the removed image ids. A base being fetched right now is
        never removed (its lock is held), nor one fetched within max_age.
        """
        if max_age is None:
            max_age = CONF.compute.image_cache_max_age
        keep = set()
        for image_id in in_use:
            try:
                keep.add(image_client.canonical_id(image_id))
            except exception.ImageNotFound:
                continue
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return []
        now = time.time()
        removed = []
        for name in sorted(names):
            full = os.path.join(self.path, name)
            if name.endswith(TEMP_SUFFIX):
                self._clean_temp(full, now)
                continue
            try:
                image_id = image_client.canonical_id(name)
            except exception.ImageNotFound:
                continue
            if image_id != name or image_id in keep:
                continue
            lock = _image_lock(image_id)
            if not lock.acquire(blocking=False):
                continue
            try:
                try:
                    age = now - os.stat(full).st_mtime
                except FileNotFoundError:
                    continue
                if age < max_age:
                    continue
                _unlink(full)
            finally:
                lock.release()
            LOG.info('Removed image %s from the cache (unused for %ds)',
                     image_id, age)
            removed.append(image_id)
        return removed

    @staticmethod
    def _clean_temp(path, now):
        try:
            if now - os.stat(path).st_mtime > TEMP_MAX_AGE:
                _unlink(path)
                LOG.info('Removed stale temporary file %s', path)
        except FileNotFoundError:
            pass
