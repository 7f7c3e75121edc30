"""Per-server quotas through the real facade on SQLite: server metadata
items follow the project's (and the user's) ``metadata_items`` limit."""

from nube import quota
from tests.unit.compute import test_api_actions
from tests.unit.compute import test_api_lock_metadata

# The real-facade harness (fixture) of test_api_actions.
cloud = test_api_actions.cloud
_meta = test_api_lock_metadata._meta


def test_metadata_items_follow_the_project_and_user_quota(cloud):
    uuid = cloud.server()['uuid']
    quota.update_project(cloud.api_db, 'p1', {'metadata_items': 3})
    three = {'a': '1', 'b': '2', 'c': '3'}
    assert _meta(cloud, uuid, method='PUT', body={'metadata': three})[0] \
        == 200
    for method, body in (('POST', {'metadata': {'d': '4'}}),
                         ('PUT', {'metadata': dict(three, d='4')})):
        status, reply = _meta(cloud, uuid, method=method, body=body)
        assert (status, reply['forbidden']['message']) == (
            403, 'Maximum number of metadata items exceeds 3'), method
    # The user's own limit is the lower one here.
    quota.update_project(cloud.api_db, 'p1', {'metadata_items': 2},
                         user_id='u1')
    status, reply = _meta(cloud, uuid, method='PUT',
                          body={'metadata': three})
    assert reply['forbidden']['message'] == (
        'Maximum number of metadata items exceeds 2')
    # No limit at all.
    quota.update_project(cloud.api_db, 'p1', {'metadata_items': -1})
    quota.update_project(cloud.api_db, 'p1', {'metadata_items': -1},
                         user_id='u1')
    many = {'k%d' % n: 'v' for n in range(300)}
    assert _meta(cloud, uuid, method='PUT', body={'metadata': many})[0] \
        == 200
    assert len(cloud.instance(uuid)['metadata']) == 300
