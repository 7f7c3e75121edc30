"""The image DB: migrations, filters, sorting, keyset pagination, CAS."""

from alembic import autogenerate
from alembic import migration as alembic_migration
import pytest

from nube import context
from nube import exception
from nube.db.image import api as image_db
from nube.db.image import models
from nube.db import migration

ADMIN = context.RequestContext(user_id='a', project_id='adm', is_admin=True)


def test_migrations_match_models(tmp_path):
    db = image_db.ImageDatabase('sqlite:///%s' % (tmp_path / 'image.db'))
    migration.db_sync(db, 'image')
    assert migration.db_version(db) == '0001'
    with db.engine.connect() as conn:
        ctx = alembic_migration.MigrationContext.configure(conn)
        diff = autogenerate.compare_metadata(ctx, models.Base.metadata)
    assert diff == []
    migration.db_sync(db, 'image')


@pytest.fixture
def images(db):
    made = []
    for i, (name, fmt, size) in enumerate([
            ('alpha', 'qcow2', 30), ('beta', 'raw', 10), (None, 'raw', 20),
            ('gamma', 'iso', None), ('delta,x', 'qcow2', 40)]):
        made.append(db.image_create(
            {'name': name, 'disk_format': fmt, 'size': size,
             'owner': 'p1', 'visibility': 'private'},
            properties={'os_distro': 'debian' if i % 2 else 'ubuntu'},
            tags=['even'] if i % 2 == 0 else ['odd', 'x']))
    return made


def _names(rows):
    return [r['name'] for r in rows]


def test_filters(db, images):
    get = lambda **f: sorted(_names(db.image_get_all(ADMIN, filters=f)),
                             key=str)
    assert get(name='alpha') == ['alpha']
    assert get(name='in:alpha,beta') == ['alpha', 'beta']
    assert get(name='in:"delta,x",beta') == ['beta', 'delta,x']
    assert get(disk_format='raw') == [None, 'beta']
    assert get(id='in:%s,%s' % (images[0]['id'], images[1]['id'])) == [
        'alpha', 'beta']
    assert get(tags=['odd', 'x']) == ['beta', 'gamma']
    assert get(tags=['odd', 'even']) == []
    assert get(os_distro='debian') == ['beta', 'gamma']
    assert get(size_min='20', size_max='30') == [None, 'alpha']
    assert get(size='30') == ['alpha']
    with pytest.raises(exception.Invalid):
        get(size='big')
    assert get(owner='p2') == []
    with pytest.raises(exception.Invalid):
        get(name='gt:alpha')


def test_sorting_and_pagination(db, images):
    by_name = db.image_get_all(ADMIN, sort_keys=['name'], sort_dirs=['asc'])
    # NULL names sort first (as the empty string) in ascending order.
    assert _names(by_name) == [None, 'alpha', 'beta', 'delta,x', 'gamma']
    pages, marker = [], None
    while True:
        page = db.image_get_all(ADMIN, sort_keys=['size', 'name'],
                                sort_dirs=['desc', 'asc'], limit=2,
                                marker=marker)
        if not page:
            break
        pages.append(_names(page))
        marker = page[-1]['id']
    assert pages == [['delta,x', 'alpha'], [None, 'beta'], ['gamma']]
    default = db.image_get_all(ADMIN)   # created_at desc, then id desc
    assert len(default) == 5
    with pytest.raises(exception.MarkerNotFound):
        db.image_get_all(ADMIN, marker='0b7e3c56-2f0c-4f7a-8a55-9f1c1a8e2f11')
    with pytest.raises(exception.Invalid):
        db.image_get_all(ADMIN, sort_keys=['owner'])


def test_update_with_expected_status(db, images):
    image = images[0]
    db.image_update(image['id'], values={'status': 'saving'},
                    expect_status='queued')
    with pytest.raises(exception.Conflict):
        db.image_update(image['id'], values={'status': 'saving'},
                        expect_status='queued')
    done = db.image_update(
        image['id'], values={'status': 'active', 'size': 5},
        properties={'a': '1'}, remove_properties=['os_distro'],
        locations=[{'url': 'file:///d/x', 'metadata': {'k': 'v'}}],
        expect_status=['saving'])
    assert done['status'] == 'active'
    assert done['properties'] == {'a': '1'}
    assert done['locations'] == [{'url': 'file:///d/x', 'status': 'active',
                                  'metadata': {'k': 'v'}}]


def test_destroy_is_soft_and_ids_are_never_reused(db, images):
    image = images[1]
    gone = db.image_destroy(image['id'])
    assert gone['id'] == image['id']
    with pytest.raises(exception.ImageNotFound):
        db.image_get(image['id'])
    with pytest.raises(exception.Conflict):
        db.image_create({'id': image['id']})
    assert image['id'] not in [i['id'] for i in db.image_get_all(ADMIN)]


def test_tags_and_members(db, images):
    image_id = images[0]['id']
    db.image_tag_add(image_id, 'new')
    db.image_tag_add(image_id, 'new')
    assert db.image_get(image_id)['tags'] == ['even', 'new']
    db.image_tag_delete(image_id, 'even')
    with pytest.raises(exception.NotFound):
        db.image_tag_delete(image_id, 'even')
    member = db.member_create(image_id, 'p7')
    assert member['status'] == 'pending'
    with pytest.raises(exception.Conflict):
        db.member_create(image_id, 'p7')
    assert db.member_update(image_id, 'p7', 'accepted')['status'] == \
        'accepted'
    with pytest.raises(exception.Invalid):
        db.member_update(image_id, 'p7', 'maybe')
    db.member_delete(image_id, 'p7')
    assert db.member_get_all(image_id) == []
