"""Microversion negotiation: headers, latest, range, echo and Vary."""

import pytest

from nube.api import microversion

LEGACY = 'X-OpenStack-Nova-API-Version'


@pytest.mark.parametrize('headers,expected', [
    ({}, (2, 1)),
    ({'OpenStack-API-Version': 'compute 2.19'}, (2, 19)),
    ({LEGACY: '2.26'}, (2, 26)),
    ({'OpenStack-API-Version': 'compute latest'}, (2, 47)),
    ({LEGACY: 'latest'}, (2, 47)),
    # The standard header wins over the legacy one.
    ({'OpenStack-API-Version': 'compute 2.9', LEGACY: '2.3'}, (2, 9)),
    # Another service's version is not ours.
    ({'OpenStack-API-Version': 'image 2.9'}, (2, 1)),
])
def test_from_headers(headers, expected):
    assert microversion.from_headers(headers) == expected


@pytest.mark.parametrize('value', ['2.48', '2.100', '3.0', '2.0', '1.1'])
def test_out_of_range_is_unsupported(value):
    with pytest.raises(microversion.UnsupportedVersion) as err:
        microversion.from_headers({LEGACY: value})
    assert 'Minimum is 2.1 and maximum is 2.47' in str(err.value)


@pytest.mark.parametrize('value', ['2', '2.x', 'two', '2.01', '2.1.1'])
def test_malformed_is_invalid(value):
    with pytest.raises(microversion.InvalidVersionString):
        microversion.from_headers({LEGACY: value})


def test_response_echoes_both_headers_and_vary(call):
    result = call('GET', '/v2.1/flavors', version='2.19')
    assert result.status == 200
    assert result.headers['OpenStack-API-Version'] == 'compute 2.19'
    assert result.headers[LEGACY] == '2.19'
    assert result.headers['Vary'] == \
        'OpenStack-API-Version, X-OpenStack-Nova-API-Version'


def test_no_header_means_2_1(call):
    result = call('GET', '/v2.1/flavors')
    assert result.headers['OpenStack-API-Version'] == 'compute 2.1'


def test_latest_answers_with_max(call):
    result = call('GET', '/v2.1/flavors', headers={LEGACY: 'latest'})
    assert result.headers[LEGACY] == microversion.MAX_VERSION_STRING


def test_error_responses_carry_the_version_too(call):
    result = call('GET', '/v2.1/servers/nope', version='2.9')
    assert result.status == 404
    assert result.headers['OpenStack-API-Version'] == 'compute 2.9'


def test_unsupported_version_is_406_with_nova_body(call):
    result = call('GET', '/v2.1/flavors', version='2.99')
    assert result.status == 406
    assert result.body == {'computeFault': {
        'code': 406,
        'message': 'Version 2.99 is not supported by the API. Minimum is '
                   '2.1 and maximum is 2.47.'}}


def test_malformed_version_is_400(call):
    result = call('GET', '/v2.1/flavors', headers={LEGACY: '2.abc'})
    assert result.status == 400
    assert 'is of invalid format' in result.body['badRequest']['message']


def test_legacy_v2_ignores_headers_and_runs_at_2_1(call, compute_api):
    compute_api.add()
    result = call('GET', '/v2/demo/servers/detail', token='alice:demo',
                  version='2.26')
    assert result.status == 200
    assert 'OpenStack-API-Version' not in result.headers
    assert 'tags' not in result.body['servers'][0]
