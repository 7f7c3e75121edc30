"""/os-keypairs through the compute API app on a real (SQLite) API DB:
bodies and status codes per microversion, as Nova answers them."""

import base64
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
import pytest
import webob

from nube.api import app as api_app
from nube.db import migration
from nube.db.api import api as api_db
from nube import quota
from tests.unit.api import fakes

ADMIN = 'admin:admin-project'
# Tempest's sample key (test_keypair_create_with_pub_key).
RSA_KEY = ('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCsNe3/1ILNCqFyfYWDeTKLD6'
           'jEXC2OQHLmietMWW+/vdaZq7KZEwO0jhglaFjU1mpqq4Gz5RX156sCTNM9vRbw'
           'KAxfsdF9laBYVsex3m3Wmui3uYrKyumsoJn2g9GNnG1PI1mrVjZ61i0GY3khna'
           '+wzlTpCCmy5HNlrmbj3XLqBUpipTOXmsnr4sChzC53KCd8LXuwc1i/CZPvF+3X'
           'ipvAgFSE53pCtLOeB1kYMOBaiUPLQTWXR3JpckqFIQwhIH0zoHlJvZE8hh90Xc'
           'PojYN56tI0OlrGqojbediJYD0rUsJu4weZpbn8vilb3JuDY+jwssnSA8wzBx3A'
           '/8y9Pp1B nova@ubuntu')


@pytest.fixture
def db(tmp_path):
    database = api_db.ApiDatabase('sqlite:///%s' % (tmp_path / 'api.db'))
    migration.db_sync(database, 'api')
    yield database
    database.dispose()


@pytest.fixture
def kcall(db):
    app = api_app.create_app(compute_api=fakes.FakeComputeAPI(),
                             host_api=fakes.FakeHostAPI(), db=db)

    def _call(method, path, body=None, token='alice:demo', version=None):
        headers = {'X-Auth-Token': token}
        if version:
            headers['OpenStack-API-Version'] = 'compute %s' % version
        req = webob.Request.blank('/v2.1/os-keypairs' + path, method=method,
                                  headers=headers)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        resp = req.get_response(app)
        return resp.status_int, (json.loads(resp.body) if resp.body
                                 else None)

    return _call


def _md5_fingerprint(public_key):
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ':'.join(digest[i:i + 2] for i in range(0, 32, 2))


def test_generate_at_2_1_returns_private_key_and_200(kcall):
    status, body = kcall('POST', '', {'keypair': {'name': 'k1'}})
    assert status == 200
    keypair = body['keypair']
    assert set(keypair) == {'name', 'public_key', 'fingerprint', 'user_id',
                            'private_key'}
    assert keypair['user_id'] == 'alice'
    assert keypair['private_key'].startswith(
        '-----BEGIN RSA PRIVATE KEY-----')
    assert keypair['public_key'].startswith('ssh-rsa ')
    assert keypair['fingerprint'] == _md5_fingerprint(keypair['public_key'])
    # The private key matches the public one.
    private = serialization.load_pem_private_key(
        keypair['private_key'].encode(), None)
    assert private.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode() == \
        ' '.join(keypair['public_key'].split()[:2])
    status, body = kcall('GET', '/k1')
    assert status == 200
    assert set(body['keypair']) == {
        'name', 'public_key', 'fingerprint', 'user_id', 'created_at',
        'updated_at', 'deleted', 'deleted_at', 'id'}
    assert body['keypair']['deleted'] is False
    assert isinstance(body['keypair']['id'], int)
    assert kcall('DELETE', '/k1') == (202, None)
    assert kcall('GET', '/k1')[0] == 404


def test_import_at_2_2_with_type_201_and_204(kcall):
    status, body = kcall('POST', '', {'keypair': {
        'name': 'imported', 'public_key': RSA_KEY}}, version='2.2')
    assert status == 201
    assert body['keypair'] == {
        'name': 'imported', 'public_key': RSA_KEY, 'user_id': 'alice',
        'type': 'ssh', 'fingerprint': _md5_fingerprint(RSA_KEY)}
    status, body = kcall('GET', '', version='2.2')
    assert body == {'keypairs': [{'keypair': {
        'name': 'imported', 'public_key': RSA_KEY, 'type': 'ssh',
        'fingerprint': _md5_fingerprint(RSA_KEY)}}]}
    assert kcall('GET', '/imported', version='2.2')[1]['keypair'][
        'type'] == 'ssh'
    assert kcall('DELETE', '/imported', version='2.2') == (204, None)
    assert kcall('GET', '', version='2.2')[1] == {'keypairs': []}


def test_import_ecdsa_key(kcall):
    key = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode()
    status, body = kcall('POST', '', {'keypair': {'name': 'ec',
                                                  'public_key': key}})
    assert status == 200
    assert body['keypair']['fingerprint'] == _md5_fingerprint(key)
    assert 'private_key' not in body['keypair']


def test_x509_generate_and_import(kcall):
    status, body = kcall('POST', '', {'keypair': {'name': 'win',
                                                  'type': 'x509'}},
                         version='2.2')
    assert status == 201
    keypair = body['keypair']
    assert keypair['type'] == 'x509'
    cert = x509.load_pem_x509_certificate(keypair['public_key'].encode())
    assert cert.subject.rfc4514_string() == 'CN=alice'
    assert keypair['fingerprint'] == ':'.join(
        '%02x' % b for b in cert.fingerprint(hashes.SHA1()))
    assert base64.b64decode(keypair['private_key'])
    status, body = kcall('POST', '', {'keypair': {
        'name': 'win2', 'type': 'x509', 'public_key': keypair['public_key']}},
        version='2.2')
    assert status == 201
    assert body['keypair']['fingerprint'] == keypair['fingerprint']
    status, body = kcall('POST', '', {'keypair': {
        'name': 'win3', 'type': 'x509', 'public_key': RSA_KEY}},
        version='2.2')
    assert status == 400


@pytest.mark.parametrize('keypair, version', [
    ({'name': 'k', 'public_key': 'ssh-rsa JUNK nova@ubuntu'}, None),
    ({'name': 'k', 'public_key': ' '}, None),
    ({'name': 'k', 'public_key': ''}, None),
    ({'name': 'k', 'public_key': 'ssh-rsa ' + 'A' * 2048 + ' x@y'}, None),
    ({'name': ''}, None),
    ({'name': 'keypair-'.ljust(260, '0')}, None),
    ({'name': r'key_/.\@:'}, None),
    ({'name': 'k', 'type': 'ssh'}, '2.1'),
    ({'name': 'k', 'type': 'rsa'}, '2.2'),
    ({'name': 'k', 'user_id': 'bob'}, '2.9'),
    ({'name': 'k', 'extra': 1}, '2.47'),
])
def test_invalid_create_is_400(kcall, keypair, version):
    status, body = kcall('POST', '', {'keypair': keypair}, version=version)
    assert status == 400, body
    assert 'badRequest' in body
    assert kcall('GET', '')[1] == {'keypairs': []}


def test_duplicate_name_is_409_per_user(kcall):
    assert kcall('POST', '', {'keypair': {'name': 'dup'}})[0] == 200
    status, body = kcall('POST', '', {'keypair': {'name': 'dup'}})
    assert (status, body['conflictingRequest']['message']) == (
        409, "Key pair 'dup' already exists.")
    # Another user may use the same name.
    assert kcall('POST', '', {'keypair': {'name': 'dup'}},
                 token='bob:demo')[0] == 200


def test_missing_key_is_404(kcall):
    status, body = kcall('DELETE', '/nope')
    assert (status, body['itemNotFound']['message']) == (
        404, 'Keypair nope not found for user alice')
    assert kcall('GET', '/nope', version='2.2')[0] == 404


def test_keys_are_per_user(kcall):
    kcall('POST', '', {'keypair': {'name': 'mine', 'public_key': RSA_KEY}})
    assert kcall('GET', '', token='bob:demo')[1] == {'keypairs': []}
    assert kcall('GET', '/mine', token='bob:demo')[0] == 404
    assert kcall('DELETE', '/mine', token='bob:demo')[0] == 404
    assert len(kcall('GET', '')[1]['keypairs']) == 1


def test_admin_manages_other_users_keys_from_2_10(kcall):
    status, body = kcall('POST', '', {'keypair': {
        'name': 'for-alice', 'type': 'ssh', 'user_id': 'alice',
        'public_key': RSA_KEY}}, token=ADMIN, version='2.10')
    assert status == 201
    assert body['keypair']['user_id'] == 'alice'
    kcall('POST', '', {'keypair': {'name': 'admins-own',
                                   'public_key': RSA_KEY}},
          token=ADMIN, version='2.10')
    status, body = kcall('GET', '?user_id=alice', token=ADMIN,
                         version='2.10')
    assert [k['keypair']['name'] for k in body['keypairs']] == ['for-alice']
    assert kcall('GET', '/for-alice?user_id=alice', token=ADMIN,
                 version='2.10')[1]['keypair']['user_id'] == 'alice'
    # Below 2.10 user_id is ignored: the admin's own keys.
    body = kcall('GET', '?user_id=alice', token=ADMIN, version='2.9')[1]
    assert [k['keypair']['name'] for k in body['keypairs']] == [
        'admins-own']
    # A non-admin may not name another user.
    status, body = kcall('GET', '?user_id=admin', version='2.10')
    assert status == 403
    status, body = kcall('POST', '', {'keypair': {
        'name': 'x', 'user_id': 'admin'}}, version='2.10')
    assert status == 403
    assert kcall('DELETE', '/for-alice?user_id=alice', token=ADMIN,
                 version='2.10')[0] == 204
    assert kcall('GET', '')[1] == {'keypairs': []}


def test_pagination_from_2_35(kcall):
    for name in ('c', 'a', 'b'):
        kcall('POST', '', {'keypair': {'name': name, 'public_key': RSA_KEY}})
    status, body = kcall('GET', '?limit=2', version='2.35')
    assert [k['keypair']['name'] for k in body['keypairs']] == ['a', 'b']
    assert body['keypairs_links'][0]['rel'] == 'next'
    assert 'marker=b' in body['keypairs_links'][0]['href']
    status, body = kcall('GET', '?limit=2&marker=b', version='2.35')
    assert [k['keypair']['name'] for k in body['keypairs']] == ['c']
    assert 'keypairs_links' not in body
    status, body = kcall('GET', '?marker=zzz', version='2.35')
    assert (status, body['badRequest']['message']) == (
        400, 'Marker zzz could not be found.')
    # Before 2.35 limit and marker are ignored.
    status, body = kcall('GET', '?limit=1&marker=zzz', version='2.34')
    assert (status, len(body['keypairs'])) == (200, 3)


def test_too_many_keypairs_is_403(kcall, db):
    # The user's quota within the caller's project (the default is 100).
    quota.update_project(db, 'demo', {'key_pairs': 2}, user_id='alice')
    for name in ('k1', 'k2'):
        assert kcall('POST', '', {'keypair': {
            'name': name, 'public_key': RSA_KEY}})[0] == 200
    status, body = kcall('POST', '', {'keypair': {'name': 'k3',
                                                  'public_key': RSA_KEY}})
    assert (status, body['forbidden']['message']) == (
        403, 'Quota exceeded, too many key pairs.')


@pytest.mark.parametrize('user_id', ['u' * 65, 'u' * 256])
def test_x509_for_an_unnameable_user_is_400(kcall, user_id):
    # A certificate CN holds 64 characters; the schema stops at 255.
    status, body = kcall('POST', '', {'keypair': {
        'name': 'win', 'type': 'x509', 'user_id': user_id}},
        token=ADMIN, version='2.10')
    assert status == 400, body
