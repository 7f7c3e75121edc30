"""The stack around the handlers: request ids, faults, auth, body limits,
routing errors and the project id in the path."""

import re

import pytest

from nube.api import app as api_app
from nube import exception

REQ_ID = re.compile(r'^req-[0-9a-f-]{36}$')


class ExplodingComputeAPI:
    """A facade whose every call fails the way a bug would."""

    def get_all(self, *args, **kwargs):
        raise RuntimeError('secret internal detail')


# -- request ids --------------------------------------------------------------

@pytest.mark.parametrize('path,token,status', [
    ('/v2.1/flavors', 'alice:demo', 200),
    ('/v2.1/flavors/nope', 'alice:demo', 404),
    ('/v2.1/no-such-thing', 'alice:demo', 404),
    ('/v2.1/flavors', None, 401),
    ('/', None, 200),
])
def test_every_response_has_a_request_id(call, path, token, status):
    result = call('GET', path, token=token)
    assert result.status == status
    request_id = result.headers['x-openstack-request-id']
    assert REQ_ID.match(request_id)
    assert result.headers['x-compute-request-id'] == request_id


def test_request_ids_differ_between_requests(call):
    first = call('GET', '/v2.1/flavors').headers['x-openstack-request-id']
    second = call('GET', '/v2.1/flavors').headers['x-openstack-request-id']
    assert first != second


# -- faults -------------------------------------------------------------------

def test_unexpected_error_is_500_without_traceback(host_api, flavor_db):
    import webob
    app = api_app.create_app(compute_api=ExplodingComputeAPI(),
                             host_api=host_api, db=flavor_db)
    req = webob.Request.blank('/v2.1/servers',
                              headers={'X-Auth-Token': 'alice:demo'})
    response = req.get_response(app)
    assert response.status_int == 500
    body = response.json_body
    assert body['computeFault']['code'] == 500
    assert 'secret internal detail' not in response.text
    assert 'Traceback' not in response.text
    assert REQ_ID.match(response.headers['x-openstack-request-id'])


@pytest.mark.parametrize('error,status,name', [
    (exception.InstanceNotFound(instance_id='x'), 404, 'itemNotFound'),
    (exception.InstanceInvalidState(action='delete', instance_uuid='x',
                                    attr='task_state', state='deleting'),
     409, 'conflictingRequest'),
    (exception.OverQuota(resources='instances'), 403, 'forbidden'),
    (exception.Invalid(reason='bad'), 400, 'badRequest'),
    (exception.NoValidHost(reason='none'), 500, 'computeFault'),
])
def test_nube_exceptions_map_by_code(call, compute_api, error, status, name):
    server = compute_api.add()
    compute_api.delete_error = error
    result = call('DELETE', '/v2.1/servers/%s' % server['uuid'])
    assert result.status == status
    assert result.body == {name: {'code': status, 'message': error.message}}


def test_unknown_route_is_item_not_found(call):
    result = call('GET', '/v2.1/os-nothing/here/at/all')
    assert result.status == 404
    assert result.body == {'itemNotFound': {
        'code': 404, 'message': 'The resource could not be found.'}}


def test_unknown_version_prefix_is_404(call):
    assert call('GET', '/v3/servers').status == 404


def test_wrong_method_is_405_with_allow(call):
    result = call('PATCH', '/v2.1/flavors')
    assert result.status == 405
    assert result.headers['Allow'] == 'GET, POST'
    assert result.body['badMethod']['code'] == 405


def test_malformed_json_is_400(call):
    result = call('POST', '/v2.1/servers', raw_body=b'{"server": ')
    assert result.status == 400
    assert result.body == {'badRequest': {
        'code': 400, 'message': 'Malformed request body'}}


def test_non_json_content_type_is_415(call):
    result = call('POST', '/v2.1/servers', raw_body=b'a=b',
                  content_type='application/x-www-form-urlencoded')
    assert result.status == 415
    assert result.body['badMediaType']['code'] == 415


def test_body_over_the_limit_is_413(call, overrides):
    overrides('max_request_body_size', 2048, group='api')
    result = call('POST', '/v2.1/servers',
                  body={'server': {'name': 'x' * 4096}})
    assert result.status == 413
    assert result.body == {'overLimit': {'code': 413,
                                         'message': 'Request is too large.'}}
    assert REQ_ID.match(result.headers['x-openstack-request-id'])


# -- auth ---------------------------------------------------------------------

def test_missing_token_is_401(call):
    result = call('GET', '/v2.1/servers', token=None)
    assert result.status == 401
    assert result.body['error']['code'] == 401
    assert 'WWW-Authenticate' in result.headers


def test_token_user_only_means_project_named_like_user(call, compute_api):
    call('GET', '/v2.1/servers', token='bob')
    opts = compute_api.last('get_all')[1]['search_opts']
    assert opts['project_id'] == 'bob'


def test_admin_users_get_admin_role(call):
    # os-services is admin only: the configured admin user passes.
    assert call('GET', '/v2.1/os-services', token='admin:admin').status == 200
    assert call('GET', '/v2.1/os-services', token='alice:demo').status == 403


def test_noauth_admin_users_is_configurable(call, overrides):
    overrides('noauth_admin_users', ['root'], group='api')
    assert call('GET', '/v2.1/os-services', token='root:ops').status == 200
    assert call('GET', '/v2.1/os-services', token='admin:ops').status == 403


# -- project id in the path ---------------------------------------------------

def test_project_in_path_matching_context(call, compute_api):
    server = compute_api.add()
    result = call('GET', '/v2.1/demo/servers/%s' % server['uuid'])
    assert result.status == 200
    self_link = result.body['server']['links'][0]['href']
    assert self_link == 'http://localhost/v2.1/demo/servers/%s' % \
        server['uuid']
    bookmark = result.body['server']['links'][1]['href']
    assert bookmark == 'http://localhost/demo/servers/%s' % server['uuid']


def test_links_without_project_when_path_had_none(call, compute_api):
    server = compute_api.add()
    result = call('GET', '/v2.1/servers/%s' % server['uuid'])
    assert result.body['server']['links'][0]['href'] == \
        'http://localhost/v2.1/servers/%s' % server['uuid']


def test_project_in_path_differing_from_context_is_400(call):
    result = call('GET', '/v2.1/other/servers', token='alice:demo')
    assert result.status == 400
    assert result.body['badRequest']['message'] == (
        "Malformed request URL: URL's project_id 'other' doesn't match "
        "Context's project_id 'demo'")


def test_legacy_v2_with_tenant_in_path(call, compute_api):
    compute_api.add()
    result = call('GET', '/v2/demo/servers')
    assert result.status == 200
    assert len(result.body['servers']) == 1
    assert result.body['servers'][0]['links'][0]['href'].startswith(
        'http://localhost/v2/demo/servers/')
