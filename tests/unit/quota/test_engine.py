"""The quota engine: limits by precedence, usage, and quota-checked builds."""

import uuid

import pytest

from nube import exception
from nube import quota

FLAVOR = {'flavorid': '1', 'vcpus': 2, 'memory_mb': 512, 'root_gb': 1}


def _builds(count, project='p1', user='u1', flavor=FLAVOR):
    builds = []
    for _ in range(count):
        instance = {'uuid': str(uuid.uuid4()), 'project_id': project,
                    'user_id': user, 'flavor': flavor,
                    'vcpus': flavor['vcpus'],
                    'memory_mb': flavor['memory_mb']}
        builds.append({'instance': instance, 'spec': {}})
    return builds


def test_limits_come_from_user_project_class_then_config(api, overrides):
    overrides('instances', 7, group='quota')
    assert quota.get_defaults(api)['instances'] == 7
    quota.update_class(api, 'default', {'instances': 8, 'cores': 9})
    assert quota.get_defaults(api)['instances'] == 8
    quota.update_project(api, 'p1', {'instances': 3})
    quota.update_project(api, 'p1', {'instances': 2}, user_id='u1')
    assert quota.get_project(api, 'p1')['instances'] == 3
    assert quota.get_project(api, 'p1', 'u1')['instances'] == 2
    assert quota.get_project(api, 'p1', 'u2')['instances'] == 3
    assert quota.get_project(api, 'p2')['cores'] == 9
    assert quota.get_project_overrides(api, 'p1') == {'instances': 3}
    quota.delete_project(api, 'p1', user_id='u1')
    assert quota.get_project(api, 'p1', 'u1')['instances'] == 3
    quota.update_project(api, 'p1', {'ram': 5}, user_id='u1')
    quota.delete_project(api, 'p1')
    # The project's users' limits go with it.
    assert quota.get_project(api, 'p1', 'u1')['instances'] == 8
    assert quota.get_project(api, 'p1', 'u1')['ram'] == \
        quota.get_defaults(api)['ram']


def test_unknown_stored_resources_are_not_reported(api):
    quota.update_project(api, 'p1', {'not_a_resource': 4})
    assert 'not_a_resource' not in quota.get_project(api, 'p1')


def test_builds_count_servers_cores_and_ram(api):
    assert len(api.build_create(_builds(3), min_count=1)) == 3
    assert quota.get_usage(api, 'p1', resources=['instances', 'cores',
                                                 'ram']) == {
        'instances': 3, 'cores': 6, 'ram': 1536}
    assert quota.get_usage(api, 'p1', 'u2', resources=['instances']) == {
        'instances': 0}


def test_partial_max_count_gets_what_fits(api):
    quota.update_project(api, 'p1', {'instances': 5})
    api.build_create(_builds(2), min_count=1)
    # max_count 10, min_count 2: three more fit.
    assert len(api.build_create(_builds(10), min_count=2)) == 3
    with pytest.raises(quota.QuotaExceeded) as caught:
        api.build_create(_builds(1), min_count=1)
    assert caught.value.code == 403
    assert str(caught.value) == ('Quota exceeded for instances: Requested '
                                 '1, but already used 5 of 5 instances')
    assert quota.get_usage(api, 'p1', resources=['instances']) == {
        'instances': 5}


def test_cores_and_ram_limit_builds_too(api):
    quota.update_project(api, 'p1', {'cores': 5, 'ram': 100000})
    assert len(api.build_create(_builds(4), min_count=1)) == 2
    with pytest.raises(quota.QuotaExceeded) as caught:
        api.build_create(_builds(1), min_count=1)
    assert 'cores' in str(caught.value)
    assert 'instances' not in str(caught.value)


def test_min_count_over_quota_writes_nothing(api):
    quota.update_project(api, 'p1', {'instances': 3})
    with pytest.raises(quota.QuotaExceeded):
        api.build_create(_builds(5), min_count=4)
    assert quota.get_usage(api, 'p1', resources=['instances']) == {
        'instances': 0}


def test_user_quota_limits_that_user_only(api):
    quota.update_project(api, 'p1', {'instances': 1}, user_id='u1')
    api.build_create(_builds(1, user='u1'), min_count=1)
    with pytest.raises(quota.QuotaExceeded):
        api.build_create(_builds(1, user='u1'), min_count=1)
    assert len(api.build_create(_builds(2, user='u2'), min_count=1)) == 2


def test_deleted_servers_give_their_quota_back(api):
    quota.update_project(api, 'p1', {'instances': 1})
    [build] = api.build_create(_builds(1), min_count=1)
    api.instance_mapping_set_queued_for_delete(build['instance']['uuid'])
    assert len(api.build_create(_builds(1), min_count=1)) == 1


def test_unlimited_counts_nothing_and_writes_everything(api):
    quota.update_project(api, 'p1', {'instances': -1, 'cores': -1,
                                     'ram': -1})
    assert len(api.build_create(_builds(30), min_count=30)) == 30


def test_check_names_every_resource_over(api):
    quota.update_project(api, 'p1', {'instances': 0, 'cores': 0})
    with pytest.raises(quota.QuotaExceeded) as caught:
        quota.check(api, 'p1', instances=1, cores=2)
    assert str(caught.value) == (
        'Quota exceeded for cores, instances: Requested 2, 1, but already '
        'used 0, 0 of 0, 0 cores, instances')
    quota.check(api, 'p1', ram=1)


def test_check_count_and_registered_counters(api):
    quota.register_counter('floating_ips', lambda project, user: 4)
    try:
        quota.update_project(api, 'p1', {'floating_ips': 5})
        assert quota.get_usage(api, 'p1', resources=['floating_ips']) == {
            'floating_ips': 4}
        quota.check(api, 'p1', floating_ips=1)
        with pytest.raises(exception.OverQuota):
            quota.check(api, 'p1', floating_ips=2)
    finally:
        quota._counters.pop('floating_ips', None)
    with pytest.raises(exception.OverQuota):
        quota.check_count(api, 'p1', None, 'floating_ips', 5)
    quota.check_count(api, 'p1', None, 'floating_ips', 4)
