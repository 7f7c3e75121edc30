"""Fernet key repository, laid out as Keystone does it.

Files named 0..N in one directory, each a Fernet key. ``0`` is the staged
key: the next primary, already accepted so that every process holding a
copy of the repository decrypts tokens made with it before it signs any.
The highest number is the primary (it encrypts new tokens); the numbers in
between are old primaries kept to decrypt tokens issued before rotations.
"""

import os
import tempfile
import threading

from cryptography import fernet
from oslo_log import log as logging

from nube import exception

LOG = logging.getLogger(__name__)


class KeyRepositoryError(exception.NubeException):
    msg_fmt = 'Fernet key repository %(path)s: %(reason)s'


def _key_files(path):
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return {}
    return {int(name): os.path.join(path, name)
            for name in names if name.isdigit()}


def _write_key(path, index, key=None):
    """Write one key atomically (readers never see a partial file)."""
    key = key or fernet.Fernet.generate_key()
    fd, tmp = tempfile.mkstemp(dir=path, prefix='.tmp-')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, os.path.join(path, str(index)))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def setup(path, max_active_keys=3):
    """Create the repository with a staged and a primary key, unless it
    already has keys. Returns the key numbers now present."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    if not _key_files(path):
        _write_key(path, 0)
        rotate(path, max_active_keys)
    return sorted(_key_files(path))


def rotate(path, max_active_keys=3):
    """Promote the staged key, stage a new one, drop the oldest keys.

    Returns the key numbers now present.
    """
    keys = _key_files(path)
    if 0 not in keys:
        raise KeyRepositoryError(path=path, reason='no staged key 0; run '
                                 'fernet_setup first')
    new_primary = max(keys) + 1
    os.replace(keys[0], os.path.join(path, str(new_primary)))
    _write_key(path, 0)
    keys = _key_files(path)
    # Keep 0 and the newest (max_active_keys - 1) primaries.
    old = sorted(k for k in keys if k != 0)
    for index in old[:max(0, len(old) - (max(max_active_keys, 2) - 1))]:
        os.unlink(keys[index])
        LOG.info('Removed fernet key %s from %s', index, path)
    return sorted(_key_files(path))


class KeyRepository:
    """The keys of one directory as a MultiFernet, reloaded when the
    directory's file names or modification time change (a rotation renames
    and adds files)."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp = None
        self._fernet = None

    def _stamp_now(self):
        # File times tick coarsely (milliseconds): the names tell apart
        # two rotations within one tick.
        try:
            st = os.stat(self.path)
            names = tuple(sorted(os.listdir(self.path)))
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_ino, names)

    def _load(self):
        keys = _key_files(self.path)
        if not keys or (len(keys) == 1 and 0 in keys):
            raise KeyRepositoryError(path=self.path, reason='no keys; run '
                                     'nube-manage fernet_setup')
        # The primary first: MultiFernet encrypts with the first key.
        order = sorted(keys, reverse=True)
        order.remove(0)
        order.insert(1, 0)
        fernets = []
        for index in order:
            with open(keys[index], 'rb') as f:
                try:
                    fernets.append(fernet.Fernet(f.read().strip()))
                except ValueError as exc:
                    raise KeyRepositoryError(
                        path=self.path,
                        reason='key %s is not a Fernet key: %s'
                               % (index, exc))
        return fernet.MultiFernet(fernets)

    def fernet(self):
        stamp = self._stamp_now()
        if self._fernet is None or stamp != self._stamp:
            with self._lock:
                if self._fernet is None or stamp != self._stamp:
                    self._fernet = self._load()
                    self._stamp = stamp
        return self._fernet

    def encrypt(self, data):
        """Token text for ``data`` (bytes), without base64 padding."""
        return self.fernet().encrypt(data).decode('ascii').rstrip('=')

    def decrypt(self, token):
        """The bytes in ``token``; None when no key opens it."""
        if not isinstance(token, str) or not token or len(token) > 8192:
            return None
        token = token + '=' * (-len(token) % 4)
        try:
            return self.fernet().decrypt(token.encode('ascii'))
        except (fernet.InvalidToken, UnicodeEncodeError, ValueError,
                TypeError):
            return None
