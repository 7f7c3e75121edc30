"""Visibility and membership rules: the Python rules (policy.py) and the
registry's SQL (nube.db.image.api) must give the same answers."""

import pytest

from nube import context
from nube import exception
from nube.image.api import policy

OWNER = 'p1'


def _ctx(project, admin=False):
    # Roles as the auth middleware gives them: the policy checks them.
    return context.RequestContext(user_id='u-' + project,
                                  project_id=project, is_admin=admin,
                                  roles=['admin', 'member'] if admin
                                  else ['member'])


@pytest.fixture
def world(db):
    """One image per visibility, owned by p1; the shared one has members
    p2 (accepted), p3 (pending) and p4 (rejected)."""
    ids = {}
    for visibility in ('public', 'private', 'shared', 'community'):
        ids[visibility] = db.image_create(
            {'name': visibility, 'visibility': visibility,
             'owner': OWNER})['id']
    for member, status in (('p2', 'accepted'), ('p3', 'pending'),
                           ('p4', 'rejected')):
        db.member_create(ids['shared'], member)
        db.member_update(ids['shared'], member, status)
    return ids


CALLERS = {
    'owner': _ctx(OWNER),
    'accepted': _ctx('p2'),
    'pending': _ctx('p3'),
    'rejected': _ctx('p4'),
    'stranger': _ctx('p5'),
    'admin': _ctx('adm', admin=True),
}

SEES = {
    'owner': {'public', 'private', 'shared', 'community'},
    'accepted': {'public', 'shared', 'community'},
    'pending': {'public', 'shared', 'community'},
    'rejected': {'public', 'shared', 'community'},
    'stranger': {'public', 'community'},
    'admin': {'public', 'private', 'shared', 'community'},
}

LISTS = {
    'owner': {'public', 'private', 'shared', 'community'},
    'accepted': {'public', 'shared'},
    'pending': {'public'},
    'rejected': {'public'},
    'stranger': {'public'},
    'admin': {'public', 'private', 'shared'},
}


def _member_of(db, image, ctxt):
    try:
        return db.member_get(image['id'], ctxt.project_id)
    except exception.NotFound:
        return None


@pytest.mark.parametrize('who', sorted(CALLERS))
def test_show_visibility(db, world, who):
    ctxt = CALLERS[who]
    seen = set()
    for visibility, image_id in world.items():
        try:
            db.image_get(image_id, ctxt)
            seen.add(visibility)
        except exception.ImageNotFound:
            pass
        image = db.image_get(image_id)
        assert policy.can_see(ctxt, image, _member_of(db, image, ctxt)) \
            == (visibility in seen), (who, visibility)
    assert seen == SEES[who]


@pytest.mark.parametrize('who', sorted(CALLERS))
def test_default_list(db, world, who):
    ctxt = CALLERS[who]
    listed = {i['name'] for i in db.image_get_all(ctxt)}
    assert listed == LISTS[who]
    for image in db.image_get_all(_ctx('adm', admin=True),
                                  filters={'visibility': 'all'}):
        expected = image['name'] in listed
        assert policy.listed_by_default(
            ctxt, image, _member_of(db, image, ctxt)) == expected, \
            (who, image['name'])


def test_community_listed_when_asked(db, world):
    for who, ctxt in CALLERS.items():
        names = [i['name'] for i in db.image_get_all(
            ctxt, filters={'visibility': 'community'})]
        assert names == ['community'], who


def test_member_status_filter(db, world):
    pending = db.image_get_all(CALLERS['pending'], member_status='pending')
    assert {i['name'] for i in pending} == {'public', 'shared'}
    everyone = db.image_get_all(CALLERS['rejected'], member_status='all')
    assert {i['name'] for i in everyone} == {'public', 'shared'}
    shared = db.image_get_all(CALLERS['accepted'],
                              filters={'visibility': 'shared'})
    assert [i['name'] for i in shared] == ['shared']


def test_private_image_members_grant_nothing(db, world):
    db.member_create(world['private'], 'p5')
    db.member_update(world['private'], 'p5', 'accepted')
    with pytest.raises(exception.ImageNotFound):
        db.image_get(world['private'], CALLERS['stranger'])


def test_who_may_change_what():
    image = {'owner': OWNER, 'visibility': 'shared'}
    policy.check_modify(CALLERS['owner'], image)
    policy.check_modify(CALLERS['admin'], image)
    with pytest.raises(exception.Forbidden):
        policy.check_modify(CALLERS['accepted'], image)
    # Only admins publicize; owners may go community or private.
    with pytest.raises(exception.Forbidden):
        policy.check_visibility(CALLERS['owner'], 'public')
    policy.check_visibility(CALLERS['admin'], 'public')
    policy.check_visibility(CALLERS['owner'], 'community')
    with pytest.raises(exception.Forbidden):
        policy.check_owner_value(CALLERS['owner'], 'p9')
    policy.check_owner_value(CALLERS['admin'], 'p9')


def test_membership_rules():
    shared = {'owner': OWNER, 'visibility': 'shared'}
    private = {'owner': OWNER, 'visibility': 'private'}
    policy.check_manage_members(CALLERS['owner'], shared)
    with pytest.raises(exception.Forbidden):
        policy.check_manage_members(CALLERS['owner'], private)
    with pytest.raises(exception.Forbidden):
        policy.check_manage_members(CALLERS['accepted'], shared)
    policy.check_member_status_change(CALLERS['pending'], shared, 'p3')
    with pytest.raises(exception.Forbidden):
        policy.check_member_status_change(CALLERS['owner'], shared, 'p3')
    with pytest.raises(exception.Forbidden):
        policy.check_member_status_change(CALLERS['accepted'], shared, 'p3')
    members = [{'member_id': 'p2'}, {'member_id': 'p3'}]
    assert policy.visible_members(CALLERS['owner'], shared, members) == \
        members
    assert policy.visible_members(CALLERS['pending'], shared, members) == \
        [{'member_id': 'p3'}]


def test_deactivated_download_is_admin_only():
    image = {'owner': OWNER, 'status': 'deactivated'}
    with pytest.raises(exception.Forbidden):
        policy.check_download(CALLERS['owner'], image)
    policy.check_download(CALLERS['admin'], image)
