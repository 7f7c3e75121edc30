"""Key pairs in the API DB and the metadata API's changes in a cell DB."""

import uuid

import pytest

from nube import exception
from nube.db.api import keypairs
from nube.db.cell import metadata


def _keypair(name, user_id='u1'):
    return {'name': name, 'user_id': user_id, 'type': 'ssh',
            'public_key': 'ssh-rsa AAAA %s' % name, 'fingerprint': 'f'}


def test_keypair_crud_per_user(api):
    created = keypairs.key_pair_create(api, _keypair('b'))
    assert created['id'] and created['deleted'] is False
    assert created['deleted_at'] is None and created['created_at']
    keypairs.key_pair_create(api, _keypair('a'))
    keypairs.key_pair_create(api, _keypair('a', user_id='u2'))
    assert [k['name'] for k in keypairs.key_pair_get_all_by_user(
        api, 'u1')] == ['a', 'b']
    assert [k['name'] for k in keypairs.key_pair_get_all_by_user(
        api, 'u1', marker='a', limit=5)] == ['b']
    with pytest.raises(exception.MarkerNotFound):
        keypairs.key_pair_get_all_by_user(api, 'u1', marker='zz')
    with pytest.raises(exception.KeyPairExists):
        keypairs.key_pair_create(api, _keypair('a'))
    assert keypairs.key_pair_get(api, 'u2', 'a')['user_id'] == 'u2'
    keypairs.key_pair_destroy(api, 'u1', 'a')
    with pytest.raises(exception.KeypairNotFound):
        keypairs.key_pair_get(api, 'u1', 'a')
    with pytest.raises(exception.KeypairNotFound):
        keypairs.key_pair_destroy(api, 'u1', 'a')
    assert keypairs.key_pair_get(api, 'u2', 'a')


def test_keypair_limit_counts_the_users_keys(api):
    keypairs.key_pair_create(api, _keypair('a'), limit=1)
    keypairs.key_pair_create(api, _keypair('a', user_id='u2'), limit=1)
    with pytest.raises(exception.KeypairLimitExceeded):
        keypairs.key_pair_create(api, _keypair('b'), limit=1)
    assert len(keypairs.key_pair_get_all_by_user(api, 'u1')) == 1


def _server(cell_db, meta):
    return cell_db.instance_create({
        'uuid': str(uuid.uuid4()), 'project_id': 'p', 'user_id': 'u',
        'vm_state': 'active', 'metadata': meta})['uuid']


def test_metadata_merge_replace_delete(cell_db):
    server = _server(cell_db, {'a': '1', 'b': '2'})
    assert metadata.metadata_update(cell_db, server, {'b': '3', 'c': '4'}) \
        == {'a': '1', 'b': '3', 'c': '4'}
    assert metadata.metadata_get(cell_db, server) == {
        'a': '1', 'b': '3', 'c': '4'}
    assert metadata.metadata_update(cell_db, server, {'c': '4', 'd': ''},
                                    delete=True) == {'c': '4', 'd': ''}
    assert cell_db.instance_get(server)['metadata'] == {'c': '4', 'd': ''}
    metadata.metadata_delete(cell_db, server, 'c')
    with pytest.raises(exception.NotFound):
        metadata.metadata_delete(cell_db, server, 'c')
    assert metadata.metadata_get(cell_db, server) == {'d': ''}


def test_metadata_limit_changes_nothing(cell_db):
    server = _server(cell_db, {'a': '1'})
    with pytest.raises(exception.MetadataLimitExceeded) as info:
        metadata.metadata_update(cell_db, server, {'b': '2'}, limit=1)
    assert info.value.code == 403
    assert metadata.metadata_get(cell_db, server) == {'a': '1'}
    # Replacing within the limit is fine.
    assert metadata.metadata_update(cell_db, server, {'b': '2'},
                                    delete=True, limit=1) == {'b': '2'}


def test_metadata_of_deleted_server_is_not_found(cell_db):
    server = _server(cell_db, {})
    cell_db.instance_destroy(server)
    with pytest.raises(exception.InstanceNotFound):
        metadata.metadata_update(cell_db, server, {'a': '1'})
    with pytest.raises(exception.InstanceNotFound):
        metadata.metadata_get(cell_db, server)
