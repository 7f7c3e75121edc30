"""os-security-groups, os-security-group-rules, a server's groups and the
addSecurityGroup and removeSecurityGroup actions through the HTTP app,
the real facade and the real network API on SQLite (the cloud of
test_api_actions); server create checks its groups and the build puts
them on the server's ports."""

import pytest

from nube.image import client as image_client
from nube.network import api as network_api
from nube.scheduler import claims
from tests.unit.api import fakes as api_fakes
from tests.unit.compute import test_api_actions
from tests.unit.compute import test_api_floating_ips as helpers
from tests.unit.image import standin

cloud = test_api_actions.cloud
networks = helpers.networks
keystone = helpers.keystone
call = helpers.call
action = helpers.action
P1 = helpers.P1
UNKNOWN = '6f2e7a0e-0a47-4a57-8a38-0b1c4b2f1d11'


def _create(cloud, name='web', description='web servers', **kwargs):
    status, body = call(cloud, 'POST', '/os-security-groups', {
        'security_group': {'name': name, 'description': description}},
        **kwargs)
    assert status == 200, body
    return body['security_group']


def _rule(cloud, **rule):
    return call(cloud, 'POST', '/os-security-group-rules',
                {'security_group_rule': rule})


def _groups(cloud, token='u1:p1'):
    status, body = call(cloud, 'GET', '/os-security-groups', token=token)
    assert status == 200, body
    return {group['name']: group for group in body['security_groups']}


def _port_groups(cloud, server_id):
    """Each port's groups, sorted (a port's groups have no order)."""
    ports = cloud.cell_db.port_get_all(filters={'device_id': [server_id]})
    return [sorted(port['security_groups']) for port in ports]


# -- groups -------------------------------------------------------------------

def test_default_group_shows_only_its_ingress_rule(cloud):
    default = _groups(cloud)['default']
    assert set(default) == {'id', 'name', 'description', 'tenant_id',
                            'rules'}
    assert default['tenant_id'] == 'p1'
    # Its egress rule is not Nova's to show; the ingress one admits the
    # group's own members.
    assert default['rules'] == [{
        'id': default['rules'][0]['id'], 'parent_group_id': default['id'],
        'ip_protocol': None, 'from_port': None, 'to_port': None,
        'group': {'name': 'default', 'tenant_id': 'p1'}, 'ip_range': {}}]


def test_create_show_update_delete(cloud):
    group = _create(cloud)
    assert group == {'id': group['id'], 'name': 'web',
                     'description': 'web servers', 'tenant_id': 'p1',
                     'rules': []}
    path = '/os-security-groups/' + group['id']
    assert call(cloud, 'GET', path) == (200, {'security_group': group})
    assert set(_groups(cloud)) == {'default', 'web'}
    status, body = call(cloud, 'PUT', path, {'security_group': {
        'name': 'www', 'description': ''}})
    assert (status, body['security_group']['name']) == (200, 'www')
    assert call(cloud, 'GET', path)[1]['security_group']['description'] \
        == ''
    # Another project sees none of it.
    assert call(cloud, 'GET', path, token='u2:p2')[0] == 404
    assert set(_groups(cloud, token='u2:p2')) == {'default'}
    assert call(cloud, 'DELETE', path) == (202, None)
    status, body = call(cloud, 'GET', path)
    assert (status, body['itemNotFound']['message']) == (
        404, 'Security group %s does not exist' % group['id'])
    assert call(cloud, 'DELETE', path)[0] == 404
    assert call(cloud, 'PUT', path, {'security_group': {
        'name': 'x', 'description': 'y'}})[0] == 404


def test_list_is_sorted_paged_and_admins_may_list_all(cloud):
    for name in ('b', 'a', 'c'):
        _create(cloud, name=name)
    _create(cloud, name='theirs', token='u2:p2')
    assert [g['name'] for g in call(cloud, 'GET', '/os-security-groups')[
        1]['security_groups']] == ['a', 'b', 'c', 'default']
    page = call(cloud, 'GET', '/os-security-groups?limit=2&offset=1')[1]
    assert [g['name'] for g in page['security_groups']] == ['b', 'c']
    for query in ('limit=x', 'limit=-1', 'offset=-1', 'offset=y'):
        assert call(cloud, 'GET', '/os-security-groups?' + query)[0] == 400
    admin = call(cloud, 'GET', '/os-security-groups', token='admin:admin')
    assert {g['tenant_id'] for g in admin[1]['security_groups']} == {
        'admin'}
    everyone = call(cloud, 'GET', '/os-security-groups?all_tenants=1',
                    token='admin:admin')[1]['security_groups']
    assert {g['tenant_id'] for g in everyone} == {'admin', 'p1', 'p2'}
    # all_tenants is only an admin's.
    assert {g['tenant_id'] for g in call(
        cloud, 'GET', '/os-security-groups?all_tenants=1')[1][
        'security_groups']} == {'p1'}


BAD_GROUP_BODIES = [
    (None, "The request body can't be empty"),
    ({}, "The request body can't be empty"),
    ({'security_group': None}, 'Missing parameter security_group'),
    ({'other': {}}, 'Missing parameter security_group'),
    ({'security_group': {'description': 'd'}},
     'name is not a string or unicode'),
    ({'security_group': {'name': 'n'}},
     'description is not a string or unicode'),
    ({'security_group': {'name': 5, 'description': 'd'}},
     'name is not a string or unicode'),
    ({'security_group': {'name': 'n' * 256, 'description': 'd'}},
     'name has 256 characters, more than 255.'),
    ({'security_group': {'name': 'n', 'description': 'd' * 256}},
     'description has 256 characters, more than 255.'),
    ({'security_group': 'web'}, None),
    ({'security_group': ['web']}, None),
    (['web'], None),
]


def test_bad_group_bodies_are_400(cloud):
    group = _create(cloud, name='mine')
    for body, message in BAD_GROUP_BODIES:
        for method, path in (('POST', '/os-security-groups'),
                             ('PUT', '/os-security-groups/' + group['id'])):
            status, result = call(cloud, method, path, body)
            assert (status, list(result)) == (400, ['badRequest']), body
            if message:
                assert result['badRequest']['message'] == message
    assert set(_groups(cloud)) == {'default', 'mine'}
    assert call(cloud, 'GET', '/os-security-groups/' + group['id'])[1][
        'security_group']['name'] == 'mine'


def test_group_ids_must_be_uuids(cloud):
    for method, body in (('GET', None), ('DELETE', None),
                         ('PUT', {'security_group': {
                             'name': 'n', 'description': 'd'}})):
        status, result = call(cloud, method, '/os-security-groups/nope',
                              body)
        assert (status, result['badRequest']['message']) == (
            400, 'Security group id should be uuid')
    assert call(cloud, 'GET', '/os-security-groups/' + UNKNOWN)[0] == 404


def test_network_refusals_keep_novas_codes(cloud, overrides):
    # A second "default" is the network service's 409: Nova's 403.
    status, body = call(cloud, 'POST', '/os-security-groups', {
        'security_group': {'name': 'default', 'description': ''}})
    assert (status, body['forbidden']['message']) == (
        403, 'Default security group already exists.')
    default = _groups(cloud)['default']
    status, body = call(cloud, 'PUT', '/os-security-groups/' +
                        default['id'], {'security_group': {
                            'name': 'renamed', 'description': ''}})
    assert status == 400
    status, body = call(cloud, 'DELETE', '/os-security-groups/' +
                        default['id'])
    assert (status, body['badRequest']['message']) == (
        400, 'Insufficient rights for removing default security group.')
    overrides('security_groups', 2, group='quota')
    _create(cloud)
    status, body = call(cloud, 'POST', '/os-security-groups', {
        'security_group': {'name': 'more', 'description': ''}})
    assert status == 403 and 'Quota exceeded' in body['forbidden'][
        'message']


def test_a_group_in_use_cannot_be_deleted(cloud, networks):
    server = helpers.server_on(cloud, networks['private']['id'])
    group = _create(cloud)
    assert action(cloud, server['uuid'], {'addSecurityGroup': {
        'name': 'web'}})[0] == 202
    status, body = call(cloud, 'DELETE', '/os-security-groups/' +
                        group['id'])
    assert status == 400, body
    assert 'badRequest' in body


# -- rules --------------------------------------------------------------------

def test_rules_in_novas_terms(cloud):
    group = _create(cloud)
    default = _groups(cloud)['default']
    status, body = _rule(cloud, parent_group_id=group['id'],
                         ip_protocol='tcp', from_port=22, to_port='22',
                         cidr='10.0.0.0/8')
    assert status == 200, body
    ssh = body['security_group_rule']
    assert ssh == {'id': ssh['id'], 'parent_group_id': group['id'],
                   'ip_protocol': 'tcp', 'from_port': 22, 'to_port': 22,
                   'group': {}, 'ip_range': {'cidr': '10.0.0.0/8'}}
    # ICMP "any type, any code" is -1/-1 here and no range in the network
    # service.
    status, body = _rule(cloud, parent_group_id=group['id'],
                         ip_protocol='ICMP', from_port=-1, to_port=-1)
    assert status == 200, body
    ping = body['security_group_rule']
    assert (ping['ip_protocol'], ping['from_port'], ping['to_port'],
            ping['ip_range']) == ('icmp', -1, -1, {'cidr': '0.0.0.0/0'})
    stored = network_api.API().get_security_group_rule(P1, ping['id'])
    assert (stored['protocol'], stored['port_range_min'],
            stored['port_range_max'], stored['direction']) == (
        'icmp', None, None, 'ingress')
    # A group rule without ports opens the whole protocol.
    status, body = _rule(cloud, parent_group_id=group['id'],
                         ip_protocol='udp', group_id=default['id'])
    assert status == 200, body
    from_default = body['security_group_rule']
    assert (from_default['from_port'], from_default['to_port'],
            from_default['group'], from_default['ip_range']) == (
        1, 65535, {'name': 'default', 'tenant_id': 'p1'}, {})
    shown = call(cloud, 'GET', '/os-security-groups/' + group['id'])[1]
    assert sorted(r['id'] for r in shown['security_group']['rules']) == \
        sorted([ssh['id'], ping['id'], from_default['id']])
    # The same rule twice: Nova's 400.
    status, body = _rule(cloud, parent_group_id=group['id'],
                         ip_protocol='TCP', from_port=22, to_port=22,
                         cidr='10.0.0.0/8')
    assert (status, body['badRequest']['message']) == (
        400, 'This rule already exists in group %s' % group['id'])

    path = '/os-security-group-rules/' + ssh['id']
    assert call(cloud, 'DELETE', path) == (202, None)
    status, body = call(cloud, 'DELETE', path)
    assert (status, body['itemNotFound']['message']) == (
        404, 'Security group rule %s does not exist' % ssh['id'])
    assert call(cloud, 'DELETE', '/os-security-group-rules/nope')[0] == 400
    # Another project's rule is not found.
    assert call(cloud, 'DELETE', '/os-security-group-rules/' + ping['id'],
                token='u2:p2')[0] == 404


BAD_RULES = [
    ({}, 400, 'Security group id should be uuid'),
    ({'parent_group_id': 'nope'}, 400, 'Security group id should be uuid'),
    ({'parent_group_id': UNKNOWN}, 404,
     'Security group %s does not exist' % UNKNOWN),
    ({'group_id': 'nope'}, 400, 'Security group id should be uuid'),
    ({'group_id': UNKNOWN}, 404,
     'Security group %s does not exist' % UNKNOWN),
    ({'ip_protocol': 'tcp'}, 400,
     'Not enough parameters to build a valid rule.'),
    ({'ip_protocol': 'tcp', 'from_port': 30, 'to_port': 20}, 400,
     'Invalid port range 30:20. Former value cannot be greater than the '
     'later'),
    ({'ip_protocol': 'udp', 'from_port': 0, 'to_port': 20}, 400,
     'Invalid port range 0:20. Valid UDP ports should be between 1-65535'),
    ({'ip_protocol': 'icmp', 'from_port': 300, 'to_port': 0}, 400,
     'Invalid port range 300:0. For ICMP, the type:code must be valid'),
    ({'ip_protocol': 'icmp', 'from_port': -1, 'to_port': 0}, 400, None),
    ({'ip_protocol': 'gre', 'from_port': 1, 'to_port': 2}, 400,
     'Invalid IP protocol gre.'),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2, 'cidr': 'nope'},
     400, 'nope is not a valid IP network.'),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2,
      'cidr': '10.0.0.1'}, 400, '10.0.0.1 is not a valid IP network.'),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2,
      'cidr': '10.0.0.1/0'}, 400,
     'Bad prefix for network in cidr 10.0.0.1/0'),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2,
      'cidr': '2001:db8::/64'}, 400, None),
    ({'ip_protocol': 'tcp', 'from_port': 'x', 'to_port': 2}, 400, None),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 65536}, 400, None),
    ({'ip_protocol': 'tcp', 'from_port': -2, 'to_port': 2}, 400, None),
    ({'ip_protocol': 'tcp', 'from_port': '9' * 400, 'to_port': 2}, 400,
     None),
    ({'ip_protocol': 'tcp', 'from_port': 1.5, 'to_port': 2}, 400, None),
    ({'ip_protocol': 'tcp', 'from_port': True, 'to_port': 2}, 400, None),
    ({'ip_protocol': 't' * 33, 'from_port': 1, 'to_port': 2}, 400, None),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2,
      'cidr': '1' * 65}, 400, None),
    ({'ip_protocol': 6, 'from_port': 1, 'to_port': 2}, 400, None),
]


def test_bad_rules(cloud):
    group = _create(cloud)
    for rule, status, message in BAD_RULES:
        if rule:
            rule = dict({'parent_group_id': group['id']}, **rule)
        result_status, body = _rule(cloud, **rule)
        fault = 'badRequest' if status == 400 else 'itemNotFound'
        assert (result_status, list(body)) == (status, [fault]), rule
        if message:
            assert body[fault]['message'] == message, rule
    for body in (None, {}, {'security_group_rule': None},
                 {'security_group_rule': 'x'},
                 [{'security_group_rule': {}}]):
        status, result = call(cloud, 'POST', '/os-security-group-rules',
                              body)
        assert (status, list(result)) == (400, ['badRequest']), body
    assert call(cloud, 'GET', '/os-security-groups/' + group['id'])[1][
        'security_group']['rules'] == []


# -- a server's groups --------------------------------------------------------

def test_add_and_remove_a_servers_group(cloud, networks):
    server = helpers.server_on(cloud, networks['private']['id'])
    uuid = server['uuid']
    group = _create(cloud)
    default = _groups(cloud)['default']
    assert _port_groups(cloud, uuid) == [[default['id']]]
    assert action(cloud, uuid, {'addSecurityGroup': {'name': 'web'}}) == (
        202, None)
    assert _port_groups(cloud, uuid) == [sorted([default['id'], group['id']])]
    status, body = call(cloud, 'GET', '/servers/%s/os-security-groups'
                        % uuid)
    assert status == 200
    assert [g['name'] for g in body['security_groups']] == ['default',
                                                           'web']
    assert body['security_groups'][1] == group
    shown = call(cloud, 'GET', '/servers/' + uuid)[1]['server']
    assert shown['security_groups'] == [{'name': 'default'},
                                        {'name': 'web'}]
    # By id works as well as by name; adding it again changes nothing.
    assert action(cloud, uuid, {'addSecurityGroup': {
        'name': group['id']}})[0] == 202
    assert _port_groups(cloud, uuid) == [sorted([default['id'], group['id']])]

    assert action(cloud, uuid, {'removeSecurityGroup': {
        'name': 'default'}}) == (202, None)
    assert _port_groups(cloud, uuid) == [[group['id']]]
    shown = call(cloud, 'GET', '/servers/' + uuid)[1]['server']
    assert shown['security_groups'] == [{'name': 'web'}]
    status, body = action(cloud, uuid, {'removeSecurityGroup': {
        'name': 'default'}})
    assert (status, body['itemNotFound']['message']) == (
        404, 'Security group default not associated with the instance %s'
        % uuid)


def test_server_group_errors(cloud, networks):
    server = helpers.server_on(cloud, networks['private']['id'])
    for name in ('addSecurityGroup', 'removeSecurityGroup'):
        status, body = action(cloud, server['uuid'], {name: {
            'name': 'nope'}})
        assert (status, body['itemNotFound']['message']) == (
            404, 'Security group nope is not found for project p1')
    bare = cloud.server()
    status, body = action(cloud, bare['uuid'], {'addSecurityGroup': {
        'name': 'default'}})
    assert (status, body['itemNotFound']['message']) == (
        404, 'instance_id %s could not be found as device id on any ports'
        % bare['uuid'])
    assert call(cloud, 'GET', '/servers/%s/os-security-groups'
                % bare['uuid']) == (200, {'security_groups': []})
    # Another project's server is not found.
    assert action(cloud, server['uuid'], {'addSecurityGroup': {
        'name': 'default'}}, token='u2:p2')[0] == 404
    assert call(cloud, 'GET', '/servers/%s/os-security-groups'
                % server['uuid'], token='u2:p2')[0] == 404
    # Two groups of one name: use its id (Nova's 409).
    _create(cloud, name='twin')
    _create(cloud, name='twin')
    status, body = action(cloud, server['uuid'], {'addSecurityGroup': {
        'name': 'twin'}})
    assert status == 409 and 'conflictingRequest' in body


BAD_SERVER_GROUP_PARAMS = [
    (None, 'Missing parameter dict'),
    ('web', 'Missing parameter dict'),
    ({}, 'Security group not specified'),
    ({'name': ''}, 'Security group name cannot be empty'),
    ({'name': '  '}, 'Security group name cannot be empty'),
    ({'name': None}, 'Security group name cannot be empty'),
    ({'name': 5}, 'Security group name cannot be empty'),
    ({'name': 'n' * 256}, None),
]


def test_bad_server_group_bodies_are_400(cloud, networks):
    server = helpers.server_on(cloud, networks['private']['id'])
    for params, message in BAD_SERVER_GROUP_PARAMS:
        for name in ('addSecurityGroup', 'removeSecurityGroup'):
            status, body = action(cloud, server['uuid'], {name: params})
            assert (status, list(body)) == (400, ['badRequest']), params
            if message:
                assert body['badRequest']['message'] == message


# -- microversions and policy -------------------------------------------------

def test_proxies_are_gone_from_2_36(cloud):
    group = _create(cloud, name='target')
    rule = _rule(cloud, parent_group_id=group['id'], ip_protocol='udp',
                 from_port=53, to_port=53)[1]['security_group_rule']
    group_path = '/os-security-groups/' + group['id']
    group_body = {'security_group': {'name': 'n', 'description': 'd'}}
    # In an order where each one still works at 2.35.
    for method, path, body in (
            ('GET', '/os-security-groups', None),
            ('POST', '/os-security-groups', group_body),
            ('GET', group_path, None),
            ('PUT', group_path, group_body),
            ('POST', '/os-security-group-rules', {'security_group_rule': {
                'parent_group_id': group['id'], 'ip_protocol': 'tcp',
                'from_port': 1, 'to_port': 2}}),
            ('DELETE', '/os-security-group-rules/' + rule['id'], None),
            ('DELETE', group_path, None)):
        status, result = call(cloud, method, path, body, version='2.36')
        assert (status, result) == (404, {'itemNotFound': {
            'code': 404, 'message': 'The resource could not be '
                                    'found.'}}), (method, path)
        assert call(cloud, method, path, body, version='2.35')[0] in (
            200, 202), (method, path)


def test_servers_groups_stay_at_every_version(cloud, networks):
    server = helpers.server_on(cloud, networks['private']['id'])
    _create(cloud)
    path = '/servers/%s/os-security-groups' % server['uuid']
    assert call(cloud, 'GET', path, version='2.47')[0] == 200
    assert action(cloud, server['uuid'], {'addSecurityGroup': {
        'name': 'web'}}, version='2.47')[0] == 202
    assert action(cloud, server['uuid'], {'removeSecurityGroup': {
        'name': 'web'}}, version='2.47')[0] == 202


def test_readers_read_but_may_not_change(cloud, networks, keystone):
    server = helpers.server_on(cloud, networks['private']['id'])
    group = _create(cloud)
    assert keystone('reader', 'GET', '/os-security-groups')[0] == 200
    assert keystone('reader', 'GET', '/os-security-groups/' +
                    group['id'])[0] == 200
    assert keystone('reader', 'GET', '/servers/%s/os-security-groups'
                    % server['uuid'])[0] == 200
    group_body = {'security_group': {'name': 'n', 'description': 'd'}}
    for method, path, body, rule in (
            ('POST', '/os-security-groups', group_body, 'create'),
            ('PUT', '/os-security-groups/' + group['id'], group_body,
             'update'),
            ('DELETE', '/os-security-groups/' + group['id'], None,
             'delete'),
            ('POST', '/os-security-group-rules', {'security_group_rule': {
                'parent_group_id': group['id'], 'ip_protocol': 'tcp',
                'from_port': 1, 'to_port': 2}}, 'rule:create'),
            ('DELETE', '/os-security-group-rules/' + UNKNOWN, None,
             'rule:delete'),
            ('POST', '/servers/%s/action' % server['uuid'],
             {'addSecurityGroup': {'name': 'web'}}, 'add'),
            ('POST', '/servers/%s/action' % server['uuid'],
             {'removeSecurityGroup': {'name': 'default'}}, 'remove')):
        status, result = keystone('reader', method, path, body)
        assert (status, result) == (403, {'forbidden': {
            'code': 403, 'message': "Policy doesn't allow "
            "os_compute_api:os-security-groups:%s to be performed." % rule}})
    assert keystone('member', 'POST', '/os-security-groups',
                    group_body)[0] == 200


# -- server create ------------------------------------------------------------

@pytest.fixture
def booting(cloud):
    """(boot(server body) -> (status, body), build()): POST /servers with
    an image from the stand-in image API; build() then does what the
    scheduler would (claim HOST, hand over) and waits for the compute."""
    cloud.api_db.flavor_create({'flavorid': 'small', 'name': 'small',
                                'memory_mb': 256, 'vcpus': 1,
                                'root_gb': 1})
    with standin.serving() as images:
        image_id = images.add(b'disk')['id']
        cloud.facade._image_api = image_client.API()
        scheduler = cloud.facade._scheduler = \
            api_fakes.RecordingSchedulerAPI()

        def boot(**server):
            body = dict({'name': 'vm', 'imageRef': image_id,
                         'flavorRef': 'small'}, **server)
            return call(cloud, 'POST', '/servers', {'server': body})

        def build():
            node = cloud.cell_db.compute_nodes_get_by_host(
                test_api_actions.HOST)[0]
            built = []
            for builds in scheduler.casts:
                for one in builds:
                    created = claims.claim_and_create(
                        cloud.cell_db, node, dict(one['instance']))
                    assert cloud.api_db.build_request_complete(
                        created['uuid'], cloud.cell['id'])
                    cloud.manager.build_and_run_instance(
                        P1, created, one['spec'], [])
                    built.append(created['uuid'])
            scheduler.casts.clear()
            cloud.wait()
            return built
        yield boot, build


def test_create_with_an_unknown_group_is_400(cloud, booting):
    boot, _build = booting
    _create(cloud)
    for groups, missing in (([{'name': 'default'}, {'name': 'nope'}],
                             'nope'),
                            ([{'name': UNKNOWN}], UNKNOWN)):
        status, body = boot(security_groups=groups)
        assert (status, body) == (400, {'badRequest': {
            'code': 400, 'message': 'Security group %s not found.'
                                    % missing}})
    # Another project's group is not the caller's to use.
    _create(cloud, name='theirs', token='u2:p2')
    assert boot(security_groups=[{'name': 'theirs'}])[0] == 400
    assert cloud.api_db.build_request_get_all(project_id='p1') == []


def test_create_puts_the_groups_on_the_ports(cloud, networks, booting):
    boot, build = booting
    group = _create(cloud)
    status, body = boot(networks=[{'uuid': networks['private']['id']}],
                        security_groups=[{'name': 'web'}])
    assert status == 202, body
    assert body['server']['security_groups'] == [{'name': 'web'}]
    uuid = body['server']['id']
    # Before and after the build the server shows what it asked for.
    shown = call(cloud, 'GET', '/servers/' + uuid)[1]['server']
    assert shown['security_groups'] == [{'name': 'web'}]
    assert build() == [uuid]
    instance = cloud.instance(uuid)
    assert instance['vm_state'] == 'active'
    assert instance['system_metadata']['security_groups'] == ['web']
    assert _port_groups(cloud, uuid) == [[group['id']]]
    shown = call(cloud, 'GET', '/servers/' + uuid)[1]['server']
    assert shown['security_groups'] == [{'name': 'web'}]
    listed = call(cloud, 'GET', '/servers/detail')[1]['servers']
    assert listed[0]['security_groups'] == [{'name': 'web'}]


def test_create_without_groups_gets_the_default(cloud, networks, booting):
    boot, build = booting
    status, body = boot(networks=[{'uuid': networks['private']['id']}])
    assert status == 202, body
    assert body['server']['security_groups'] == [{'name': 'default'}]
    uuid, = build()
    assert cloud.instance(uuid)['system_metadata']['security_groups'] == [
        'default']
    default = _groups(cloud)['default']
    assert _port_groups(cloud, uuid) == [[default['id']]]
