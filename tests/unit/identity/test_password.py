"""Password hashes: salted scrypt, never the password, wrong ones fail."""

import pytest

from nube.identity import password


@pytest.fixture(autouse=True)
def cheap_hashes(overrides):
    overrides('password_hash_cost', 4, group='identity')


def test_hash_is_salted_and_not_the_password():
    first = password.hash_password('correct horse')
    second = password.hash_password('correct horse')
    assert first != second
    for stored in (first, second):
        assert 'correct horse' not in stored
        prefix, log_n, r, p, salt, digest = stored.split('$')
        assert (prefix, log_n, r, p) == ('scrypt', '4', '8', '1')
        assert len(salt) >= 20 and len(digest) >= 40


def test_right_password_matches_wrong_ones_do_not():
    stored = password.hash_password('s3cret')
    assert password.check_password('s3cret', stored)
    assert not password.check_password('s3cret ', stored)
    assert not password.check_password('S3cret', stored)
    assert not password.check_password('', stored)


def test_each_hash_keeps_its_cost(overrides):
    stored = password.hash_password('pw', cost=5)
    overrides('password_hash_cost', 6, group='identity')
    assert stored.split('$')[1] == '5'
    assert password.check_password('pw', stored)


@pytest.mark.parametrize('stored', [None, '', 'plain', 'md5$x$y',
                                    'scrypt$4$8$1$!!$??'])
def test_unusable_hashes_never_match(stored):
    assert not password.check_password('plain', stored)


def test_unicode_passwords():
    stored = password.hash_password('p\u00e4ss\u2603')
    assert password.check_password('p\u00e4ss\u2603', stored)
    assert not password.check_password('pass\u2603', stored)
