"""Version documents: GET /, /v2.1, /v2 (no authentication needed)."""


def test_root_lists_v2_0_then_v2_1(call):
    result = call('GET', '/', token=None)
    assert result.status == 200
    ids = [v['id'] for v in result.body['versions']]
    assert ids == ['v2.0', 'v2.1']
    v21 = result.body['versions'][1]
    assert v21 == {'id': 'v2.1', 'status': 'CURRENT', 'version': '2.47',
                   'min_version': '2.1', 'updated': '2013-07-23T11:33:21Z',
                   'links': [{'rel': 'self',
                              'href': 'http://localhost/v2.1/'}]}
    assert result.body['versions'][0]['status'] == 'SUPPORTED'


def test_v2_1_document_with_and_without_slash(call):
    for path in ('/v2.1', '/v2.1/'):
        result = call('GET', path, token=None)
        assert result.status == 200
        version = result.body['version']
        assert version['id'] == 'v2.1'
        assert version['version'] == '2.47'
        assert version['min_version'] == '2.1'
        assert version['updated'] == '2013-07-23T11:33:21Z'
        rels = [link['rel'] for link in version['links']]
        assert rels == ['self', 'describedby']
        assert version['links'][0]['href'] == 'http://localhost/v2.1/'
        assert version['media-types'] == [{
            'base': 'application/json',
            'type': 'application/vnd.openstack.compute+json;version=2.1'}]


def test_v2_document_is_v2_0(call):
    result = call('GET', '/v2', token=None)
    assert result.status == 200
    assert result.body['version']['id'] == 'v2.0'
    assert result.body['version']['links'][0]['href'] == \
        'http://localhost/v2/'


def test_link_prefix_overrides_host(call, overrides):
    overrides('compute_link_prefix', 'https://api.example.com/compute',
              group='api')
    result = call('GET', '/', token=None)
    assert result.body['versions'][1]['links'][0]['href'] == \
        'https://api.example.com/compute/v2.1/'


def test_version_documents_carry_request_id(call):
    result = call('GET', '/', token=None)
    assert result.headers['x-openstack-request-id'].startswith('req-')


def test_version_document_under_the_project(call):
    result = call('GET', '/v2.1/demo', token='alice:demo')
    assert result.status == 200
    assert result.body['version']['id'] == 'v2.1'
    assert call('GET', '/v2/demo/', token='alice:demo').body[
        'version']['id'] == 'v2.0'


def test_unknown_single_segment_is_404_not_a_project(call):
    result = call('GET', '/v2.1/os-no-such-api', token='alice:demo')
    assert result.status == 404
    assert 'itemNotFound' in result.body
