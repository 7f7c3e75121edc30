"""The Fernet key repository: setup, rotation, and tokens across it."""

import os

import pytest

from nube.identity import fernet


def test_setup_creates_staged_and_primary_keys(tmp_path):
    path = str(tmp_path / 'keys')
    assert fernet.setup(path) == [0, 1]
    assert oct(os.stat(path).st_mode & 0o777) == '0o700'
    for name in ('0', '1'):
        assert oct(os.stat(os.path.join(path, name)).st_mode & 0o777) == \
            '0o600'
    before = {n: open(os.path.join(path, n), 'rb').read() for n in '01'}
    assert fernet.setup(path) == [0, 1]            # idempotent
    assert before == {n: open(os.path.join(path, n), 'rb').read()
                      for n in '01'}


def test_rotation_promotes_the_staged_key(tmp_path):
    path = str(tmp_path / 'keys')
    fernet.setup(path, max_active_keys=3)
    staged = open(os.path.join(path, '0'), 'rb').read()
    assert fernet.rotate(path, max_active_keys=3) == [0, 1, 2]
    assert open(os.path.join(path, '2'), 'rb').read() == staged
    assert open(os.path.join(path, '0'), 'rb').read() != staged
    assert fernet.rotate(path, max_active_keys=3) == [0, 2, 3]
    assert fernet.rotate(path, max_active_keys=4) == [0, 2, 3, 4]


def test_rotate_without_setup_fails(tmp_path):
    with pytest.raises(fernet.KeyRepositoryError):
        fernet.rotate(str(tmp_path))
    with pytest.raises(fernet.KeyRepositoryError):
        fernet.KeyRepository(str(tmp_path / 'missing')).fernet()


def test_staged_key_decrypts_before_it_signs(tmp_path):
    """Another node that already rotated signs with our staged key."""
    path = str(tmp_path / 'keys')
    fernet.setup(path)
    mine = fernet.KeyRepository(path)
    other_path = str(tmp_path / 'other')
    os.makedirs(other_path)
    with open(os.path.join(path, '0'), 'rb') as f:
        staged = f.read()
    with open(os.path.join(other_path, '1'), 'wb') as f:
        f.write(staged)
    with open(os.path.join(other_path, '0'), 'wb') as f:
        f.write(fernet.fernet.Fernet.generate_key())
    token = fernet.KeyRepository(other_path).encrypt(b'hello')
    assert mine.decrypt(token) == b'hello'


def test_tokens_survive_one_rotation_not_their_keys_removal(
        identity_factory, overrides):
    overrides('max_active_keys', 3, group='identity')
    cloud = identity_factory()
    old = cloud.token()
    fernet.rotate(cloud.keys_path, 3)              # keys 0 1 2, primary 2
    assert cloud.validate(old).status == 200
    new = cloud.token()
    assert cloud.validate(new).status == 200
    fernet.rotate(cloud.keys_path, 3)              # key 1 removed
    assert cloud.validate(new).status == 200
    assert cloud.validate(old, caller=new).status == 404


@pytest.mark.parametrize('token', ['', 'x', '=' * 10, 'gAAAAA' + 'A' * 200,
                                   '\u00e9' * 10, 'a' * 10000])
def test_garbage_decrypts_to_none(tmp_path, token):
    path = str(tmp_path / 'keys')
    fernet.setup(path)
    assert fernet.KeyRepository(path).decrypt(token) is None
