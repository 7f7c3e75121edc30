"""Glance's JSON-patch dialect: parsing, refusals, what a patch changes."""

import pytest

from nube import exception
from nube.image.api import patch

V21 = 'application/openstack-images-v2.1-json-patch'
V20 = 'application/openstack-images-v2.0-json-patch'

IMAGE = {'id': 'i', 'name': 'old', 'visibility': 'shared', 'status':
         'active', 'owner': 'p1', 'protected': False, 'min_ram': 0,
         'properties': {'foo': 'bar', 'keep': 'me'}, 'tags': ['a'],
         'locations': [{'url': 'file:///x', 'metadata': {},
                        'status': 'active'}]}


def _apply(ops, media=V21):
    return patch.apply(IMAGE, patch.parse(media, ops),
                       draft=patch.MEDIA_TYPES[media])


def test_add_replace_remove_core_and_custom():
    update = _apply([
        {'op': 'replace', 'path': '/name', 'value': 'new'},
        {'op': 'add', 'path': '/min_ram', 'value': 512},
        {'op': 'add', 'path': '/color', 'value': 'blue'},
        {'op': 'replace', 'path': '/foo', 'value': 'baz'},
        {'op': 'remove', 'path': '/keep'},
    ])
    assert update.values == {'name': 'new', 'min_ram': 512}
    assert update.properties == {'color': 'blue', 'foo': 'baz'}
    assert update.remove_properties == ['keep']
    assert update.tags is None and update.locations is None


def test_add_on_existing_property_replaces_in_v21():
    update = _apply([{'op': 'add', 'path': '/foo', 'value': 'x'}])
    assert update.properties == {'foo': 'x'}


def test_v20_syntax_and_its_add_conflict():
    update = _apply([{'replace': '/name', 'value': 'n'}], media=V20)
    assert update.values == {'name': 'n'}
    with pytest.raises(exception.Conflict):
        _apply([{'add': '/foo', 'value': 'x'}], media=V20)


def test_tags_replace_deduplicates():
    update = _apply([{'op': 'replace', 'path': '/tags',
                      'value': ['x', 'y', 'x']}])
    assert update.tags == ['x', 'y']


@pytest.mark.parametrize('name', ['status', 'checksum', 'size', 'id',
                                  'created_at', 'os_hash_value', 'self',
                                  'file', 'schema', 'direct_url'])
def test_read_only_attributes_are_forbidden(name):
    with pytest.raises(exception.Forbidden) as err:
        patch.parse(V21, [{'op': 'replace', 'path': '/' + name,
                           'value': 'x'}])
    assert "'%s' is read-only" % name in str(err.value)


@pytest.mark.parametrize('name', ['deleted', 'location', 'os_glance_x'])
def test_reserved_attributes_are_forbidden(name):
    with pytest.raises(exception.Forbidden):
        patch.parse(V21, [{'op': 'add', 'path': '/' + name, 'value': 'x'}])


@pytest.mark.parametrize('ops,error', [
    ({'op': 'add', 'path': '/x', 'value': 'y'}, exception.Invalid),
    ([{'op': 'move', 'path': '/x', 'value': 'y'}], exception.Invalid),
    ([{'op': 'add', 'value': 'y'}], exception.Invalid),
    ([{'op': 'add', 'path': 'x', 'value': 'y'}], exception.Invalid),
    ([{'op': 'add', 'path': '/a/b', 'value': 'y'}], exception.Invalid),
    ([{'op': 'add', 'path': '/a//b', 'value': 'y'}], exception.Invalid),
    ([{'op': 'add', 'path': '/x~2', 'value': 'y'}], exception.Invalid),
    ([{'op': 'add', 'path': '/x'}], exception.Invalid),
    (['add'], exception.Invalid),
    # Schema: custom values are strings, min_ram an integer, enums hold.
    ([{'op': 'add', 'path': '/x', 'value': 5}], exception.Invalid),
    ([{'op': 'replace', 'path': '/min_ram', 'value': 'lots'}],
     exception.Invalid),
    ([{'op': 'replace', 'path': '/visibility', 'value': 'everyone'}],
     exception.Invalid),
    ([{'op': 'replace', 'path': '/disk_format', 'value': 'floppy'}],
     exception.Invalid),
])
def test_malformed_patches_are_refused(ops, error):
    with pytest.raises(error):
        patch.parse(V21, ops)


def test_wrong_media_type_is_415():
    with pytest.raises(patch.UnsupportedMediaType) as err:
        patch.parse('application/json', [])
    assert err.value.code == 415
    assert V21 in err.value.accept_patch


def test_remove_core_or_missing_property():
    with pytest.raises(exception.Forbidden):
        _apply([{'op': 'remove', 'path': '/name'}])
    with pytest.raises(exception.Conflict):
        _apply([{'op': 'remove', 'path': '/nope'}])
    with pytest.raises(exception.Conflict):
        _apply([{'op': 'replace', 'path': '/nope', 'value': 'x'}])


def test_json_pointer_escapes():
    update = _apply([{'op': 'add', 'path': '/a~1b~0c', 'value': 'v'}])
    assert update.properties == {'a/b~c': 'v'}


def test_location_operations():
    new = {'url': 'http://example.com/i.img', 'metadata': {}}
    update = _apply([{'op': 'add', 'path': '/locations/-', 'value': new}])
    assert [loc['url'] for loc in update.locations] == [
        'file:///x', 'http://example.com/i.img']
    update = _apply([{'op': 'add', 'path': '/locations/0', 'value': new},
                     {'op': 'remove', 'path': '/locations/1'}])
    assert [loc['url'] for loc in update.locations] == [new['url']]
    with pytest.raises(exception.Forbidden):
        _apply([{'op': 'remove', 'path': '/locations/0'}])
    with pytest.raises(exception.Forbidden):
        _apply([{'op': 'replace', 'path': '/locations', 'value': []}])
    with pytest.raises(exception.Invalid):
        _apply([{'op': 'add', 'path': '/locations/7', 'value': new}])
