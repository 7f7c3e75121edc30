"""Key pairs: generation, import and fingerprints as Nova makes them.

ssh keys: RSA 2048 generated here (private key PEM, public key in
OpenSSH form), or any OpenSSH public key imported; the fingerprint is the
MD5 of the key blob in colon-separated hex. x509 (2.2 and later): a
self-signed client certificate whose private key comes back as base64
PKCS#12, or an imported PEM certificate; the fingerprint is the SHA-1 of
the certificate. RSA generation runs in a native thread under eventlet.
"""

import base64
import datetime
import hashlib
import string

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from nube.db.api import keypairs as keypairs_db
from nube import exception
from nube import quota
from nube import utils

TYPE_SSH = 'ssh'
TYPE_X509 = 'x509'

KEY_BITS = 2048
_SAFE_NAME_CHARS = set('_- ' + string.digits + string.ascii_letters)
# Microsoft's User Principal Name, what WinRM certificate auth reads.
_UPN_OID = x509.ObjectIdentifier('1.3.6.1.4.1.311.20.2.3')


def _native(fn, *args):
    """Call fn in a native thread when eventlet patched threading."""
    from eventlet import patcher
    from eventlet import tpool
    if patcher.is_monkey_patched('thread'):
        return tpool.execute(fn, *args)
    return fn(*args)


def _colon_hex(digest):
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def ssh_fingerprint(public_key):
    """MD5 fingerprint of an OpenSSH public key; InvalidKeypair if it is
    not one."""
    try:
        serialization.load_ssh_public_key(public_key.encode('utf-8'))
        blob = base64.b64decode(public_key.split()[1])
    except Exception:
        raise exception.InvalidKeypair(
            reason='failed to generate fingerprint')
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).hexdigest())


def x509_fingerprint(pem):
    try:
        cert = x509.load_pem_x509_certificate(pem.encode('utf-8'))
    except (ValueError, TypeError) as exc:
        raise exception.InvalidKeypair(
            reason='failed to generate X509 fingerprint. Error message: %s'
                   % exc)
    return _colon_hex(cert.fingerprint(hashes.SHA1()).hex())


def _new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537,
                                    key_size=KEY_BITS)


def generate_ssh_key():
    """(private key PEM, OpenSSH public key, fingerprint)."""
    key = _native(_new_rsa_key)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode('ascii')
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode('ascii')
    public += ' Generated-by-Nova'
    return private, public, ssh_fingerprint(public)


def generate_x509_cert(user_id):
    """(base64 PKCS#12 private key, certificate PEM, fingerprint): a
    ten-year client certificate for CN=user_id, UPN user_id@localhost."""
    try:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                             user_id)])
    except ValueError as exc:     # a CN holds at most 64 characters
        raise exception.InvalidKeypair(
            reason='user_id %r cannot name a certificate: %s'
            % (user_id, exc))
    key = _native(_new_rsa_key)
    upn = ('%s@localhost' % user_id).encode('utf-8')
    # otherName's value is a DER UTF8String.
    upn_der = b'\x0c' + _der_length(len(upn)) + upn
    now = utils.utcnow()
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(
                [x509.OtherName(_UPN_OID, upn_der)]), critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode('ascii')
    bundle = pkcs12.serialize_key_and_certificates(
        None, key, cert, None, serialization.NoEncryption())
    return (base64.b64encode(bundle).decode('ascii'), pem,
            x509_fingerprint(pem))


def _der_length(length):
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(body)]) + body


class KeypairAPI:
    """Create, import, list, show and delete a user's key pairs."""

    def __init__(self, db):
        self.db = db

    @staticmethod
    def _validate_name(name):
        if not set(name) <= _SAFE_NAME_CHARS:
            raise exception.InvalidKeypair(
                reason='Keypair name contains unsafe characters')
        if not 1 <= len(name) <= 255:
            raise exception.InvalidKeypair(
                reason='Keypair name must be string and between 1 and 255 '
                       'characters long')

    def limit(self, user_id, project_id=None):
        """Key pairs ``user_id`` may have (None: no limit): the user's
        quota within ``project_id`` (the caller's, as in Nova), else the
        default."""
        if project_id is None:
            allowed = quota.get_defaults(self.db)['key_pairs']
        else:
            allowed = quota.get_project(self.db, project_id,
                                        user_id)['key_pairs']
        return None if allowed == quota.UNLIMITED else allowed

    def _check_new(self, user_id, name, project_id):
        """The limit, checked early (before a key is generated); the
        insert checks it again in its transaction."""
        self._validate_name(name)
        allowed = self.limit(user_id, project_id)
        if allowed is not None and \
                keypairs_db.key_pair_count(self.db, user_id) >= allowed:
            raise exception.KeypairLimitExceeded()
        return allowed

    def _store(self, user_id, name, key_type, public_key, fingerprint,
               allowed):
        return keypairs_db.key_pair_create(self.db, {
            'user_id': user_id, 'name': name, 'type': key_type,
            'public_key': public_key, 'fingerprint': fingerprint},
            limit=allowed)

    def import_key_pair(self, user_id, name, public_key,
                        key_type=TYPE_SSH, project_id=None):
        allowed = self._check_new(user_id, name, project_id)
        if key_type == TYPE_X509:
            fingerprint = x509_fingerprint(public_key)
        else:
            fingerprint = ssh_fingerprint(public_key)
        return self._store(user_id, name, key_type, public_key, fingerprint,
                           allowed)

    def create_key_pair(self, user_id, name, key_type=TYPE_SSH,
                        project_id=None):
        """(key pair, private key): the private key is not stored."""
        allowed = self._check_new(user_id, name, project_id)
        if key_type == TYPE_X509:
            private, public, fingerprint = generate_x509_cert(user_id)
        else:
            private, public, fingerprint = generate_ssh_key()
        return self._store(user_id, name, key_type, public,
                           fingerprint, allowed), private

    def get_key_pairs(self, user_id, limit=None, marker=None):
        return keypairs_db.key_pair_get_all_by_user(
            self.db, user_id, limit=limit, marker=marker)

    def get_key_pair(self, user_id, name):
        return keypairs_db.key_pair_get(self.db, user_id, name)

    def delete_key_pair(self, user_id, name):
        keypairs_db.key_pair_destroy(self.db, user_id, name)
