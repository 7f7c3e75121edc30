"""Key pairs: the bodies and queries Nova's /os-keypairs expects."""

import pytest

from nube.client import exceptions


def test_create_generated_and_imported(cloud, client):
    generated = client.keypairs.create('gen')
    assert generated['private_key'] == 'PRIVATE'
    assert cloud.of('POST', '/os-keypairs')[0].json() == {
        'keypair': {'name': 'gen'}}
    imported = client.keypairs.create('imp', public_key='ssh-rsa AAA x',
                                      key_type='ssh')
    assert 'private_key' not in imported
    assert cloud.of('POST', '/os-keypairs')[1].json() == {'keypair': {
        'name': 'imp', 'public_key': 'ssh-rsa AAA x', 'type': 'ssh'}}


def test_list_unwraps_and_follows_links(cloud, client):
    for name in ('a', 'b', 'c'):
        client.keypairs.create(name)
    assert [k['name'] for k in client.keypairs.list()] == ['a', 'b', 'c']
    # page_size 2: a second page after the next link.
    assert len(cloud.of('GET', '/os-keypairs')) == 2


def test_get_delete_and_missing(cloud, client):
    client.keypairs.create('k1')
    assert client.keypairs.get('k1')['name'] == 'k1'
    client.keypairs.delete('k1')
    assert cloud.keypairs == {}
    with pytest.raises(exceptions.NotFound):
        client.keypairs.get('k1')
    with pytest.raises(exceptions.NotFound):
        client.keypairs.delete('k1')


def test_other_users_keys(cloud, client):
    client.keypairs.create('theirs', user_id='bob')
    assert cloud.of('POST', '/os-keypairs')[0].json()['keypair'][
        'user_id'] == 'bob'
    assert client.keypairs.list() == []
    assert [k['name'] for k in client.keypairs.list(user_id='bob')] == [
        'theirs']
    assert cloud.of('GET', '/os-keypairs')[-1].query == {'user_id': 'bob'}
    client.keypairs.delete('theirs', user_id='bob')
    assert cloud.of('DELETE', '/os-keypairs/theirs')[0].query == {
        'user_id': 'bob'}


def test_duplicate_is_conflict(client):
    client.keypairs.create('dup')
    with pytest.raises(exceptions.Conflict):
        client.keypairs.create('dup')
