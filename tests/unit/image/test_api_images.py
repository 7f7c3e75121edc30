"""The image API's metadata side through the real registry client and
registry app (in-process): versions, schemas, CRUD, PATCH, lists, tags,
members, actions, errors."""

import uuid

import jsonschema
import pytest

V21 = 'application/openstack-images-v2.1-json-patch'


def _create(call, token='alice:p1', **body):
    body.setdefault('name', 'img')
    result = call('POST', '/v2/images', token=token, json_body=body)
    assert result.status == 201, result.raw
    return result.body


def test_versions_documents(call):
    for path in ('/', '/versions'):
        result = call('GET', path, token=None)
        assert result.status == 300
        versions = result.body['versions']
        assert versions[0]['id'] == 'v2.15'
        assert versions[0]['status'] == 'CURRENT'
        assert versions[0]['links'] == [{'rel': 'self',
                                         'href': 'http://localhost/v2/'}]
        assert {'v2.0', 'v2.1'} <= {v['id'] for v in versions}


def test_auth_is_required(call):
    result = call('GET', '/v2/images', token=None)
    assert result.status == 401


def test_create_answers_201_with_the_full_image(call):
    result = call('POST', '/v2/images', json_body={
        'name': 'cirros', 'disk_format': 'qcow2', 'container_format':
        'bare', 'tags': ['t1'], 'hw_disk_bus': 'virtio'})
    assert result.status == 201
    image = result.body
    assert result.headers['OpenStack-image-import-methods'] == \
        'glance-direct'
    assert result.headers['Location'].endswith('/v2/images/' + image['id'])
    assert image['status'] == 'queued'
    assert image['visibility'] == 'shared'
    assert image['owner'] == 'p1'
    assert image['os_hidden'] is False and image['protected'] is False
    for key in ('checksum', 'os_hash_algo', 'os_hash_value', 'size',
                'virtual_size'):
        assert image[key] is None
    assert image['min_disk'] == 0 and image['min_ram'] == 0
    assert image['tags'] == ['t1']
    assert image['hw_disk_bus'] == 'virtio'
    assert image['self'] == '/v2/images/' + image['id']
    assert image['file'] == '/v2/images/%s/file' % image['id']
    assert image['schema'] == '/v2/schemas/image'
    assert image['created_at'].endswith('Z')
    # glanceclient validates bodies with the served schema.
    schema = call('GET', '/v2/schemas/image').body
    jsonschema.validate(image, schema)


def test_create_with_id_and_conflict(call):
    image_id = str(uuid.uuid4())
    assert _create(call, id=image_id)['id'] == image_id
    assert call('POST', '/v2/images', json_body={'id': image_id}).status \
        == 409


@pytest.mark.parametrize('body,status', [
    ({'status': 'active'}, 403),
    ({'checksum': 'x'}, 403),
    ({'self': 'x'}, 403),
    ({'deleted': 'x'}, 403),
    ({'os_glance_foo': 'x'}, 403),
    ({'locations': []}, 403),
    ({'visibility': 'public'}, 403),        # admins only
    ({'owner': 'p2'}, 403),                 # admins only
    ({'visibility': 'world'}, 400),
    ({'min_ram': 'lots'}, 400),
    ({'custom': 5}, 400),
    ({'id': 'not-a-uuid'}, 400),
    ({'disk_format': 'floppy'}, 400),
    (['not', 'an', 'object'], 400),
])
def test_create_refusals(call, body, status):
    result = call('POST', '/v2/images', json_body=body)
    assert result.status == status, result.raw
    assert result.body['code'].startswith(str(status))
    assert result.body['message']


def test_admin_may_create_public_for_another_project(call):
    image = _create(call, token='admin:adm', visibility='public',
                    owner='p9')
    assert image['visibility'] == 'public' and image['owner'] == 'p9'


def test_show_and_ids_that_are_not_uuids(call):
    image = _create(call)
    assert call('GET', '/v2/images/' + image['id']).body['id'] == image['id']
    result = call('GET', '/v2/images/img')
    assert result.status == 404
    assert result.body['title'] == 'Not Found'
    # Someone else's shared image does not exist for them.
    assert call('GET', '/v2/images/' + image['id'],
                token='bob:p2').status == 404


def test_empty_image_id_is_404(call):
    # Tempest: GET/DELETE /v2/images/ name no image (Glance answers 404).
    _create(call)
    assert call('GET', '/v2/images/').status == 404
    assert call('DELETE', '/v2/images/').status == 404
    assert call('GET', '/v2/images').status == 200


def test_error_shape_follows_accept(call):
    result = call('GET', '/v2/images/nope', headers={'Accept': 'text/html'})
    assert result.status == 404
    assert result.headers['Content-Type'].startswith('text/html')
    assert b'No image found with ID nope' in result.raw


def test_patch(call):
    image = _create(call, foo='bar')
    result = call('PATCH', '/v2/images/' + image['id'], content_type=V21,
                  json_body=[
                      {'op': 'replace', 'path': '/name', 'value': 'new'},
                      {'op': 'add', 'path': '/color', 'value': 'red'},
                      {'op': 'remove', 'path': '/foo'},
                      {'op': 'replace', 'path': '/tags', 'value': ['a']},
                      {'op': 'replace', 'path': '/min_disk', 'value': 2},
                      {'op': 'replace', 'path': '/visibility',
                       'value': 'private'}])
    assert result.status == 200, result.raw
    body = result.body
    assert body['name'] == 'new' and body['color'] == 'red'
    assert 'foo' not in body
    assert body['tags'] == ['a'] and body['min_disk'] == 2
    assert body['visibility'] == 'private'
    assert call('GET', '/v2/images/' + image['id']).body == body


@pytest.mark.parametrize('ops,status', [
    ([{'op': 'replace', 'path': '/status', 'value': 'active'}], 403),
    ([{'op': 'replace', 'path': '/visibility', 'value': 'public'}], 403),
    ([{'op': 'replace', 'path': '/owner', 'value': 'p2'}], 403),
    ([{'op': 'remove', 'path': '/nope'}], 409),
    ([{'op': 'replace', 'path': '/name', 'value': 5}], 400),
    ({'op': 'replace'}, 400),
])
def test_patch_refusals(call, ops, status):
    image = _create(call)
    result = call('PATCH', '/v2/images/' + image['id'], content_type=V21,
                  json_body=ops)
    assert result.status == status, result.raw


def test_patch_media_type_and_permissions(call):
    image = _create(call)
    result = call('PATCH', '/v2/images/' + image['id'], json_body=[])
    assert result.status == 415
    assert V21 in result.headers['Accept-Patch']
    other = call('PATCH', '/v2/images/' + image['id'], token='bob:p2',
                 content_type=V21,
                 json_body=[{'op': 'add', 'path': '/x', 'value': 'y'}])
    assert other.status == 404


def test_delete_and_protected(call):
    image = _create(call, protected=True)
    path = '/v2/images/' + image['id']
    assert call('DELETE', path).status == 403
    call('PATCH', path, content_type=V21,
         json_body=[{'op': 'replace', 'path': '/protected', 'value': False}])
    result = call('DELETE', path)
    assert result.status == 204
    assert 'Content-Type' not in result.headers
    assert call('GET', path).status == 404
    assert call('DELETE', path).status == 404


def test_list_filters_sorting_and_pages(call):
    made = [_create(call, name='n%d' % i, tags=['t%d' % (i % 2)],
                    disk_format='raw' if i < 3 else 'qcow2')
            for i in range(5)]
    hidden = _create(call, name='hidden', os_hidden=True)
    listed = call('GET', '/v2/images').body
    assert [i['name'] for i in listed['images']] == \
        ['n4', 'n3', 'n2', 'n1', 'n0']
    assert listed['first'] == '/v2/images'
    assert 'next' not in listed
    assert [i['id'] for i in call(
        'GET', '/v2/images?os_hidden=true').body['images']] == [hidden['id']]
    assert [i['id'] for i in call(
        'GET', '/v2/images?is_hidden=true').body['images']] == [hidden['id']]
    assert call('GET', '/v2/images?os_hidden=maybe').status == 400
    names = lambda q: [i['name'] for i in call('GET', '/v2/images?' + q)
                       .body['images']]
    assert names('name=n2') == ['n2']
    assert names('id=in:%s,%s&sort=name:asc' % (made[0]['id'],
                                                made[4]['id'])) == \
        ['n0', 'n4']
    assert names('tag=t1&sort_key=name&sort_dir=asc') == ['n1', 'n3']
    assert names('disk_format=qcow2&sort=name:desc') == ['n4', 'n3']
    assert names('owner=p1&sort=name:asc&limit=2') == ['n0', 'n1']
    assert call('GET', '/v2/images?sort_key=owner').status == 400
    assert call('GET', '/v2/images?sort_dir=up').status == 400
    assert call('GET', '/v2/images?limit=x').status == 400
    assert call('GET', '/v2/images?visibility=world').status == 400
    assert call('GET', '/v2/images?marker=%s' % uuid.uuid4()).status == 400
    # Follow `next` to the end.
    seen, url = [], '/v2/images?sort=name:asc&limit=2'
    while url:
        page = call('GET', url).body
        seen += [i['name'] for i in page['images']]
        url = page.get('next')
        if url:
            assert 'limit=2' in url and 'marker=' in url
    assert seen == ['n0', 'n1', 'n2', 'n3', 'n4']


def test_tags(call):
    image = _create(call)
    path = '/v2/images/%s/tags/' % image['id']
    result = call('PUT', path + 'blue')
    assert result.status == 204 and 'Content-Type' not in result.headers
    assert call('GET', '/v2/images/' + image['id']).body['tags'] == ['blue']
    assert call('DELETE', path + 'blue').status == 204
    assert call('DELETE', path + 'blue').status == 404
    assert call('PUT', path + 'x', token='bob:p2').status == 404


def test_members_flow(call):
    image = _create(call)
    base = '/v2/images/%s/members' % image['id']
    created = call('POST', base, json_body={'member': 'p2'})
    assert created.status == 200
    assert created.body['status'] == 'pending'
    assert created.body['member_id'] == 'p2'
    assert created.body['schema'] == '/v2/schemas/member'
    assert call('POST', base, json_body={'member': 'p2'}).status == 409
    assert call('POST', base, json_body={'x': 'p2'}).status == 400
    call('POST', base, json_body={'member': 'p3'})
    # Members see the image, not each other; strangers see nothing.
    assert call('GET', '/v2/images/' + image['id'],
                token='bob:p2').status == 200
    assert [m['member_id'] for m in call('GET', base, token='bob:p2')
            .body['members']] == ['p2']
    assert len(call('GET', base).body['members']) == 2
    assert call('GET', base, token='eve:p5').status == 404
    # Pending members do not get it in lists until they accept.
    assert call('GET', '/v2/images', token='bob:p2').body['images'] == []
    assert call('PUT', base + '/p2', json_body={'status': 'accepted'}
                ).status == 403          # the owner cannot accept for p2
    accepted = call('PUT', base + '/p2', token='bob:p2',
                    json_body={'status': 'accepted'})
    assert accepted.status == 200 and accepted.body['status'] == 'accepted'
    assert [i['id'] for i in call('GET', '/v2/images', token='bob:p2')
            .body['images']] == [image['id']]
    assert call('PUT', base + '/p2', token='bob:p2',
                json_body={'status': 'maybe'}).status == 400
    assert call('GET', base + '/p3', token='bob:p2').status == 404
    assert call('DELETE', base + '/p2', token='bob:p2').status == 403
    assert call('DELETE', base + '/p2').status == 204
    assert call('GET', '/v2/images/' + image['id'],
                token='bob:p2').status == 404
    # Only shared images have members.
    private = _create(call, visibility='private')
    assert call('POST', '/v2/images/%s/members' % private['id'],
                json_body={'member': 'p2'}).status == 403


def test_community_images(call):
    image = _create(call, visibility='community')
    assert call('GET', '/v2/images/' + image['id'],
                token='eve:p5').status == 200
    assert call('GET', '/v2/images', token='eve:p5').body['images'] == []
    assert [i['id'] for i in call('GET', '/v2/images?visibility=community',
                                  token='eve:p5').body['images']] == \
        [image['id']]


def test_deactivate_reactivate_need_an_active_image(call):
    image = _create(call)
    path = '/v2/images/%s/actions/' % image['id']
    assert call('POST', path + 'deactivate').status == 403   # queued


def test_schemas(call):
    image = call('GET', '/v2/schemas/image').body
    assert image['name'] == 'image'
    assert image['additionalProperties'] == {'type': 'string',
                                             'maxLength': 65535}
    assert image['properties']['visibility']['enum'] == [
        'community', 'public', 'private', 'shared']
    assert image['properties']['status']['readOnly'] is True
    images = call('GET', '/v2/schemas/images').body
    assert images['properties']['images']['items'] == image
    assert call('GET', '/v2/schemas/member').body['name'] == 'member'
    assert call('GET', '/v2/schemas/members').body['name'] == 'members'
    assert call('GET', '/v2/schemas/metadefs/namespace').status == 404


def test_unknown_paths_and_methods(call):
    assert call('GET', '/v3/images').status == 404
    result = call('POST', '/v2/images/%s' % uuid.uuid4())
    assert result.status == 405
    assert 'PATCH' in result.headers['Allow']
