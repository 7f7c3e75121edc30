"""os-quota-sets, os-quota-class-sets and GET /limits through the compute
API app on a real (SQLite) API DB: Nova's bodies per microversion, its
400s for limits below usage, and the per-item quotas the API enforces."""

import json
import uuid

import pytest
import webob

from nube.api import app as api_app
from nube.db import migration
from nube.db.api import api as api_db
from nube.network import quotas as network_quotas
from nube import quota
from tests.unit.api import fakes

ADMIN = 'admin:admin-project'
MEMBER = 'alice:demo'
FLAVOR = {'flavorid': '1', 'vcpus': 2, 'memory_mb': 512, 'root_gb': 1}

KEYS_21 = {'instances', 'cores', 'ram', 'floating_ips', 'fixed_ips',
           'metadata_items', 'key_pairs', 'security_groups',
           'security_group_rules', 'injected_files',
           'injected_file_content_bytes', 'injected_file_path_bytes',
           'server_groups', 'server_group_members'}
NETWORK_KEYS = {'floating_ips', 'fixed_ips', 'security_groups',
                'security_group_rules'}
# Nova's defaults, with Neutron's for the network resources.
DEFAULTS = {'instances': 10, 'cores': 20, 'ram': 51200, 'floating_ips': 50,
            'fixed_ips': -1, 'metadata_items': 128, 'key_pairs': 100,
            'security_groups': 10, 'security_group_rules': 100,
            'injected_files': 5, 'injected_file_content_bytes': 10240,
            'injected_file_path_bytes': 255, 'server_groups': 10,
            'server_group_members': 10}


@pytest.fixture
def db(tmp_path):
    database = api_db.ApiDatabase('sqlite:///%s' % (tmp_path / 'api.db'))
    migration.db_sync(database, 'api')
    yield database
    database.dispose()


@pytest.fixture
def qcall(db):
    app = api_app.create_app(compute_api=fakes.FakeComputeAPI(),
                             host_api=fakes.FakeHostAPI(), db=db)

    def _call(method, path, body=None, token=ADMIN, version=None):
        headers = {'X-Auth-Token': token}
        if version:
            headers['OpenStack-API-Version'] = 'compute %s' % version
        req = webob.Request.blank('/v2.1' + path, method=method,
                                  headers=headers)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        resp = req.get_response(app)
        return resp.status_int, (json.loads(resp.body) if resp.body
                                 else None)

    return _call


def _boot(db, count, project='demo', user='alice', flavor=FLAVOR):
    """``count`` servers the project holds (their instance mappings)."""
    builds = [{'instance': {'uuid': str(uuid.uuid4()), 'project_id': project,
                            'user_id': user, 'flavor': flavor,
                            'vcpus': flavor['vcpus'],
                            'memory_mb': flavor['memory_mb']},
               'spec': {}} for _ in range(count)]
    assert len(db.build_create(builds, min_count=count)) == count


# -- os-quota-sets ------------------------------------------------------------

@pytest.mark.parametrize('version,hidden', [
    (None, set()), ('2.35', set()), ('2.36', NETWORK_KEYS),
    ('2.47', NETWORK_KEYS)])
def test_show_and_defaults_per_microversion(qcall, version, hidden):
    for path in ('/os-quota-sets/demo', '/os-quota-sets/demo/defaults'):
        status, body = qcall('GET', path, token=MEMBER, version=version)
        assert status == 200
        expected = {k: v for k, v in DEFAULTS.items() if k not in hidden}
        assert body == {'quota_set': dict(expected, id='demo')}


def test_update_sets_limits_and_answers_without_id(qcall):
    status, body = qcall('PUT', '/os-quota-sets/demo', {'quota_set': {
        'instances': 20, 'cores': '40', 'injected_file_path_bytes': 100,
        'fixed_ips': 7}})
    assert status == 200
    assert 'id' not in body['quota_set']
    assert body['quota_set'] == dict(DEFAULTS, instances=20, cores=40,
                                     injected_file_path_bytes=100,
                                     fixed_ips=7)
    status, body = qcall('GET', '/os-quota-sets/demo', token=MEMBER)
    assert (body['quota_set']['instances'], body['quota_set']['cores'],
            body['quota_set']['fixed_ips']) == (20, 40, 7)
    # Another project keeps the defaults; the default class is untouched.
    status, body = qcall('GET', '/os-quota-sets/other')
    assert body['quota_set']['instances'] == 10
    status, body = qcall('GET', '/os-quota-sets/demo/defaults')
    assert body['quota_set']['instances'] == 10


def test_update_and_delete_are_for_admins(qcall):
    body = {'quota_set': {'instances': 20}}
    status, reply = qcall('PUT', '/os-quota-sets/demo', body, token=MEMBER)
    assert (status, reply['forbidden']['message']) == (
        403, "Policy doesn't allow os_compute_api:os-quota-sets:update to "
             "be performed.")
    assert qcall('DELETE', '/os-quota-sets/demo', token=MEMBER)[0] == 403
    # A member of one project does not read another's.
    assert qcall('GET', '/os-quota-sets/other', token=MEMBER)[0] == 403
    assert qcall('GET', '/os-quota-sets/other/detail',
                 token=MEMBER)[0] == 403
    # Anyone reads the defaults.
    assert qcall('GET', '/os-quota-sets/other/defaults',
                 token=MEMBER)[0] == 200


@pytest.mark.parametrize('value', [-2, 2 ** 31, 'ten', '1.5', None, True,
                                   '-', ''])
def test_bad_values_are_400(qcall, value):
    status, body = qcall('PUT', '/os-quota-sets/demo',
                         {'quota_set': {'instances': value}})
    assert status == 400, body
    assert 'instances' in body['badRequest']['message']


def test_unknown_keys_and_removed_ones_are_400(qcall):
    status, body = qcall('PUT', '/os-quota-sets/demo',
                         {'quota_set': {'bogus': 1}})
    assert status == 400
    assert qcall('PUT', '/os-quota-sets/demo', {'quota': {}})[0] == 400
    assert qcall('PUT', '/os-quota-sets/demo', {'quota_set': []})[0] == 400
    status, body = qcall('PUT', '/os-quota-sets/demo',
                         {'quota_set': {'networks': 1}})
    assert (status, body['badRequest']['message']) == (
        400, 'The networks quota has been removed')
    # From 2.36 the network proxies' limits are not part of the body.
    for key in ('floating_ips', 'security_groups', 'fixed_ips', 'networks'):
        assert qcall('PUT', '/os-quota-sets/demo', {'quota_set': {key: 1}},
                     version='2.36')[0] == 400, key
    assert qcall('PUT', '/os-quota-sets/demo', {'quota_set': {
        'floating_ips': 3}}, version='2.35')[0] == 200


def test_limit_below_usage_is_400_unless_forced(qcall, db):
    _boot(db, 2)
    status, body = qcall('PUT', '/os-quota-sets/demo',
                         {'quota_set': {'instances': 1}})
    assert (status, body['badRequest']['message']) == (
        400, 'Quota limit 1 for instances must be greater than or equal to '
             'already used and reserved 2.')
    # Nothing was written, not even the valid values of the same body.
    status, body = qcall('PUT', '/os-quota-sets/demo',
                         {'quota_set': {'cores': 100, 'ram': 1}})
    assert status == 400
    assert qcall('GET', '/os-quota-sets/demo')[1]['quota_set']['cores'] == 20
    status, body = qcall('PUT', '/os-quota-sets/demo', {'quota_set': {
        'instances': 1, 'force': 'True'}})
    assert (status, body['quota_set']['instances']) == (200, 1)
    # -1 (no limit) and a limit equal to usage are always fine.
    assert qcall('PUT', '/os-quota-sets/demo',
                 {'quota_set': {'instances': -1}})[0] == 200
    assert qcall('PUT', '/os-quota-sets/demo',
                 {'quota_set': {'instances': 2}})[0] == 200


def test_detail_counts_usage(qcall, db):
    _boot(db, 3)
    _boot(db, 1, user='bob')
    status, body = qcall('GET', '/os-quota-sets/demo/detail', token=MEMBER)
    assert status == 200
    quota_set = body['quota_set']
    assert quota_set['id'] == 'demo'
    assert set(quota_set) == KEYS_21 | {'id'}
    assert quota_set['instances'] == {'limit': 10, 'in_use': 4,
                                      'reserved': 0}
    assert quota_set['cores'] == {'limit': 20, 'in_use': 8, 'reserved': 0}
    assert quota_set['ram']['in_use'] == 2048
    # Per-item limits and key pairs have no usage in a quota set (Nova).
    for key in ('metadata_items', 'key_pairs', 'server_group_members',
                'injected_files'):
        assert quota_set[key]['in_use'] == 0
    status, body = qcall('GET', '/os-quota-sets/demo/detail?user_id=bob')
    assert body['quota_set']['instances']['in_use'] == 1
    status, body = qcall('GET', '/os-quota-sets/demo/detail',
                         version='2.36')
    assert set(body['quota_set']) == KEYS_21 - NETWORK_KEYS | {'id'}


def test_user_limits_live_within_the_project(qcall, db):
    qcall('PUT', '/os-quota-sets/demo', {'quota_set': {'instances': 10}})
    assert qcall('PUT', '/os-quota-sets/demo?user_id=bob',
                 {'quota_set': {'instances': 6}})[0] == 200
    # What is left of the project's 10 for alice: 4.
    status, body = qcall('PUT', '/os-quota-sets/demo?user_id=alice',
                         {'quota_set': {'instances': 5}})
    assert (status, body['badRequest']['message']) == (
        400, 'Quota limit 5 for instances must be less than or equal to 4.')
    status, body = qcall('PUT', '/os-quota-sets/demo?user_id=alice',
                         {'quota_set': {'instances': 4}})
    assert (status, body['quota_set']['instances']) == (200, 4)
    # The project's limit covers its users' limits.
    status, body = qcall('PUT', '/os-quota-sets/demo',
                         {'quota_set': {'instances': 9}})
    assert (status, body['badRequest']['message']) == (
        400, 'Quota limit 9 for instances must be greater than or equal to '
             'already used and reserved 10.')
    status, body = qcall('GET', '/os-quota-sets/demo?user_id=alice',
                         token=MEMBER)
    assert body['quota_set']['instances'] == 4
    # A user without limits of its own sees the project's.
    status, body = qcall('GET', '/os-quota-sets/demo?user_id=carol')
    assert body['quota_set']['instances'] == 10
    # Below the user's own usage is refused too.
    _boot(db, 2, user='bob')
    status, body = qcall('PUT', '/os-quota-sets/demo?user_id=bob',
                         {'quota_set': {'instances': 1}})
    assert body['badRequest']['message'].endswith(
        'already used and reserved 2.')
    # Deleting the user's limits leaves the project's.
    assert qcall('DELETE', '/os-quota-sets/demo?user_id=alice') == (202,
                                                                     None)
    status, body = qcall('GET', '/os-quota-sets/demo?user_id=alice')
    assert body['quota_set']['instances'] == 10
    assert qcall('DELETE', '/os-quota-sets/demo')[0] == 202
    status, body = qcall('GET', '/os-quota-sets/demo?user_id=bob')
    assert body['quota_set'] == dict(DEFAULTS, id='demo')


def test_enforced_after_update(qcall, db):
    qcall('PUT', '/os-quota-sets/demo', {'quota_set': {'instances': 2}})
    _boot(db, 2)
    with pytest.raises(quota.QuotaExceeded) as info:
        _boot(db, 1)
    assert info.value.code == 403
    assert info.value.message == ('Quota exceeded for instances: Requested '
                                  '1, but already used 2 of 2 instances')


# -- os-quota-class-sets ------------------------------------------------------

def test_class_show_and_update(qcall):
    status, body = qcall('GET', '/os-quota-class-sets/default')
    assert status == 200
    # Up to 2.49 Nova's class bodies have no server group limits.
    expected = {k: v for k, v in DEFAULTS.items()
                if k not in ('server_groups', 'server_group_members')}
    assert body == {'quota_class_set': dict(expected, id='default')}
    status, body = qcall('PUT', '/os-quota-class-sets/default', {
        'quota_class_set': {'instances': 50, 'ram': '1024',
                            'server_groups': 3}})
    assert status == 200
    assert body == {'quota_class_set': dict(expected, instances=50,
                                            ram=1024)}
    # The default class is every project's defaults.
    status, body = qcall('GET', '/os-quota-sets/any/defaults', token=MEMBER)
    assert (body['quota_set']['instances'], body['quota_set']['ram'],
            body['quota_set']['server_groups']) == (50, 1024, 3)
    status, body = qcall('GET', '/os-quota-sets/demo', token=MEMBER)
    assert body['quota_set']['instances'] == 50
    status, body = qcall('GET', '/limits', token=MEMBER)
    assert body['limits']['absolute']['maxTotalInstances'] == 50
    # Another class is stored and shown, and means nothing else.
    status, body = qcall('PUT', '/os-quota-class-sets/gold', {
        'quota_class_set': {'cores': 99}})
    assert (status, body['quota_class_set']['cores']) == (200, 99)
    assert qcall('GET', '/os-quota-class-sets/gold')[1][
        'quota_class_set']['id'] == 'gold'
    assert qcall('GET', '/os-quota-sets/demo')[1]['quota_set'][
        'cores'] == 20


def test_class_sets_are_for_admins_and_validated(qcall):
    assert qcall('GET', '/os-quota-class-sets/default',
                 token=MEMBER)[0] == 403
    assert qcall('PUT', '/os-quota-class-sets/default', {
        'quota_class_set': {'instances': 1}}, token=MEMBER)[0] == 403
    for bad in ({'instances': -2}, {'instances': 'x'}, {'bogus': 1},
                {'force': True}):
        assert qcall('PUT', '/os-quota-class-sets/default',
                     {'quota_class_set': bad})[0] == 400, bad
    status, body = qcall('PUT', '/os-quota-class-sets/' + 'c' * 256,
                         {'quota_class_set': {'instances': 1}})
    assert status == 400


# -- GET /limits --------------------------------------------------------------

def test_limits_report_quotas_and_usage(qcall, db, monkeypatch):
    _boot(db, 3)
    qcall('PUT', '/os-quota-sets/demo', {'quota_set': {
        'instances': 7, 'metadata_items': 12, 'key_pairs': 4}})
    monkeypatch.setattr(network_quotas, '_cell_dbs', lambda: [
        _FakeNetworkDB(floating=2, groups=3)])
    network_quotas.register()
    status, body = qcall('GET', '/limits', token=MEMBER)
    assert status == 200
    absolute = body['limits']['absolute']
    assert (absolute['maxTotalInstances'], absolute['totalInstancesUsed'],
            absolute['maxTotalCores'], absolute['totalCoresUsed'],
            absolute['totalRAMUsed']) == (7, 3, 20, 6, 1536)
    assert (absolute['maxServerMeta'], absolute['maxImageMeta'],
            absolute['maxTotalKeypairs'], absolute['maxPersonality'],
            absolute['maxPersonalitySize']) == (12, 12, 4, 5, 10240)
    assert (absolute['maxTotalFloatingIps'], absolute['totalFloatingIpsUsed'],
            absolute['maxSecurityGroups'],
            absolute['totalSecurityGroupsUsed'],
            absolute['maxSecurityGroupRules']) == (50, 2, 10, 3, 100)
    assert absolute['totalServerGroupsUsed'] == 0
    # An admin reads another project's.
    status, body = qcall('GET', '/limits?tenant_id=demo')
    assert body['limits']['absolute']['totalInstancesUsed'] == 3
    status, body = qcall('GET', '/limits')
    assert body['limits']['absolute']['totalInstancesUsed'] == 0


class _FakeNetworkDB:
    def __init__(self, floating, groups):
        self.floating, self.groups = floating, groups

    def floating_ip_count(self, project_id):
        return self.floating if project_id == 'demo' else 0

    def security_group_get_all(self, project_id=None):
        return [{}] * (self.groups if project_id == 'demo' else 0)

    def security_group_rule_get_all(self, project_id=None):
        return []


# -- per-item quotas ----------------------------------------------------------

def test_server_metadata_and_personality_follow_the_project_quota(qcall, db):
    db.flavor_create({'name': 'f', 'flavorid': '42', 'memory_mb': 64,
                      'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
                      'swap': 0, 'is_public': True})
    server = {'name': 'vm', 'imageRef': fakes.IMAGE, 'flavorRef': '42',
              'metadata': {'a': '1', 'b': '2', 'c': '3'}}
    qcall('PUT', '/os-quota-sets/demo', {'quota_set': {
        'metadata_items': 2, 'injected_files': 1}})
    status, body = qcall('POST', '/servers', {'server': server},
                         token=MEMBER)
    assert (status, body['forbidden']['message']) == (
        403, 'Maximum number of metadata items exceeds 2')
    files = [{'path': '/etc/a', 'contents': 'YQ=='},
             {'path': '/etc/b', 'contents': 'Yg=='}]
    status, body = qcall('POST', '/servers', {'server': dict(
        server, metadata={}, personality=files)}, token=MEMBER)
    assert (status, body['forbidden']['message']) == (
        403, 'Personality file limit exceeded')
    # Raised above the default, more than 128 items pass the API's check.
    qcall('PUT', '/os-quota-sets/demo', {'quota_set': {
        'metadata_items': 200}})
    many = {'k%d' % n: 'v' for n in range(150)}
    status, body = qcall('POST', '/servers', {'server': dict(
        server, metadata=many)}, token=MEMBER)
    assert status == 202, body
