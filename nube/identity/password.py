"""Password hashing: salted scrypt (hashlib), compared in constant time.

Stored form: ``scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>``. Each hash
keeps its own cost, so raising [identity] password_hash_cost only affects
passwords set afterwards. scrypt runs in C for tens of milliseconds; under
eventlet it runs in a native thread so other requests go on meanwhile.
"""

import base64
import hashlib
import hmac
import os

import nube.conf

CONF = nube.conf.CONF

_R = 8
_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_PREFIX = 'scrypt'


def _b64(data):
    return base64.b64encode(data).decode('ascii')


def _scrypt(password, salt, log_n, r, p):
    n = 1 << log_n
    return hashlib.scrypt(password.encode('utf-8'), salt=salt, n=n, r=r,
                          p=p, dklen=_HASH_BYTES,
                          maxmem=256 * n * r + (1 << 20))


def _run(fn, *args):
    """Call fn in a native thread when eventlet patched threading."""
    try:
        from eventlet import patcher
        from eventlet import tpool
    except ImportError:
        return fn(*args)
    if patcher.is_monkey_patched('thread'):
        return tpool.execute(fn, *args)
    return fn(*args)


def hash_password(password, cost=None):
    log_n = CONF.identity.password_hash_cost if cost is None else cost
    salt = os.urandom(_SALT_BYTES)
    digest = _run(_scrypt, password, salt, log_n, _R, _P)
    return '$'.join([_PREFIX, str(log_n), str(_R), str(_P), _b64(salt),
                     _b64(digest)])


def _parse(stored):
    prefix, log_n, r, p, salt, digest = stored.split('$')
    if prefix != _PREFIX:
        raise ValueError('not an scrypt hash')
    return (int(log_n), int(r), int(p), base64.b64decode(salt),
            base64.b64decode(digest))


# Compared against for unknown users and unusable hashes, so a wrong user
# name costs as much time as a wrong password.
_DUMMY = {}


def _dummy_hash():
    cost = CONF.identity.password_hash_cost
    if cost not in _DUMMY:
        _DUMMY[cost] = hash_password(base64.b64encode(
            os.urandom(18)).decode(), cost=cost)
    return _DUMMY[cost]


def warm_up():
    """Make the dummy hash now, so the first unknown user costs what
    every later one does."""
    _dummy_hash()


def check_password(password, stored):
    """True when ``password`` matches the stored hash.

    ``stored`` None (unknown user, or a user without a password) still
    costs one hash computation and is never a match.
    """
    usable = True
    try:
        log_n, r, p, salt, expected = _parse(stored or '')
    except (ValueError, TypeError):
        usable = False
        log_n, r, p, salt, expected = _parse(_dummy_hash())
    if not isinstance(password, str):
        password, usable = '', False
    digest = _run(_scrypt, password, salt, log_n, r, p)
    return hmac.compare_digest(digest, expected) and usable
