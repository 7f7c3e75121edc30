"""Discovery documents, error bodies, and bad input that must not 500."""

import pytest

from nube.identity import errors

V3_ENTRY = {
    'id': 'v3.14',
    'status': 'stable',
    'updated': '2020-04-07T00:00:00Z',
    'links': [{'rel': 'self', 'href': 'http://id.example:5000/v3/'}],
    'media-types': [{'base': 'application/json',
                     'type': 'application/vnd.openstack.identity-v3+json'}],
}


def test_root_lists_versions_with_300(cloud):
    result = cloud.request('GET', '/')
    assert result.status == 300
    assert result.body == {'versions': {'values': [V3_ENTRY]}}
    assert result.headers['x-openstack-request-id'].startswith('req-')


@pytest.mark.parametrize('path', ['/v3', '/v3/'])
def test_v3_is_the_version_document(cloud, path):
    result = cloud.request('GET', path)
    assert result.status == 200
    assert result.body == {'version': V3_ENTRY}


def test_public_endpoint_overrides_request_host(cloud, overrides):
    overrides('public_endpoint', 'https://keystone.example/identity/',
              group='identity')
    body = cloud.request('GET', '/v3').body
    assert body['version']['links'][0]['href'] == \
        'https://keystone.example/identity/v3/'


def _assert_error(result, code, message=None):
    assert result.status == code
    assert result.headers['Content-Type'] == 'application/json'
    assert set(result.body) == {'error'}
    error = result.body['error']
    assert error['code'] == code
    assert error['title'] == errors.TITLES[code]
    if message is not None:
        assert error['message'] == message
    return error


def test_no_token_is_401_with_keystone_body_and_auth_uri(cloud):
    result = cloud.request('GET', '/v3/users')
    _assert_error(result, 401, errors.AUTH_REQUIRED)
    assert result.headers['WWW-Authenticate'] == \
        'Keystone uri="http://id.example:5000"'


def test_garbage_token_is_401(cloud):
    _assert_error(cloud.request('GET', '/v3/users', token='gAAAAAnope'),
                  401, errors.AUTH_REQUIRED)


def test_unknown_path_404_and_wrong_method_405(cloud):
    token = cloud.token()
    _assert_error(cloud.request('GET', '/v3/nothing', token=token), 404)
    _assert_error(cloud.request('GET', '/v2.0/tokens'), 404)
    result = cloud.request('PUT', '/v3/users', token=token)
    _assert_error(result, 405)
    assert result.headers['Allow'] == 'GET, POST'


@pytest.mark.parametrize('body', [
    b'not json',
    b'[1, 2]',
    b'{"auth": "x"}',
    b'{"auth": {}}',
    b'{"auth": {"identity": {"methods": []}}}',
    b'{"auth": {"identity": {"methods": "password"}}}',
    b'{"auth": {"identity": {"methods": ["password"]}}}',
    b'{"auth": {"identity": {"methods": ["password"], "password": '
    b'{"user": {"name": "admin", "password": "x"}}}}}',
    b'{"auth": {"identity": {"methods": ["password"], "password": '
    b'{"user": {"id": 7, "password": "x"}}}}}',
    b'{"auth": {"identity": {"methods": ["token"]}}}',
    b'{"auth": {"identity": {"methods": ["token"], "token": {}}}}',
    b'{"auth": {"identity": {"methods": ["password"], "password": '
    b'{"user": {"id": "x", "password": "x"}}}, "scope": 5}}',
    b'{"auth": {"identity": {"methods": ["password"], "password": '
    b'{"user": {"id": "x", "password": "x"}}}, "scope": {"project": {}}}}',
    '{"auth": {"identity": {"methods": ["password"], "password": '
    '{"user": {"id": "\u00e9\u0000", "password": "\ud800"}}}}}'.encode(
        'utf-8', 'surrogatepass'),
])
def test_bad_auth_bodies_are_400_never_500(cloud, body):
    result = cloud.request('POST', '/v3/auth/tokens', body)
    _assert_error(result, 400)


def test_schema_error_names_the_field(cloud):
    token = cloud.token()
    result = cloud.request('POST', '/v3/users', {'user': {'name': 7}},
                           token=token)
    error = _assert_error(result, 400)
    assert "'name'" in error['message']


def test_unsupported_method_is_401(cloud):
    result = cloud.request('POST', '/v3/auth/tokens', {'auth': {'identity': {
        'methods': ['totp'], 'totp': {}}}})
    _assert_error(result, 401)


def test_oversized_body_is_413(cloud, overrides):
    overrides('max_request_body_size', 1024, group='identity')
    result = cloud.request('POST', '/v3/auth/tokens', b'{' + b' ' * 2000)
    _assert_error(result, 413)


def test_unexpected_error_is_500_without_details(cloud, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError('secret internals')

    monkeypatch.setattr(cloud.deps.manager, 'find', broken)
    result = cloud.auth()
    error = _assert_error(result, 500)
    assert 'secret' not in error['message']
