"""nube-all: a whole cloud in one process with no configuration."""

import os

import requests

from tests.functional import fixtures

IMAGE = '8b1a8c5e-3c7b-4c8f-9a4a-2f0d5c0a1b2c'


def test_nube_all_boots_lists_and_deletes(tmp_path):
    port = fixtures.free_tcp_port()
    state = tmp_path / 'state'
    svc = fixtures.ServiceProcess(
        'nube-all', args=['--state-dir', state, '--fake-hosts', '3',
                          '--api-port', port], log_dir=tmp_path / 'logs')
    svc.start()
    try:
        base = 'http://127.0.0.1:%d/v2.1' % port
        svc.wait_for_http(base, timeout=60, status=200)
        svc.wait_for_log(r'nube-all: compute API', timeout=30)
        assert 'NUBE_COMPUTE_URL=%s' % base in (state / 'openrc').read_text()
        s = requests.Session()
        s.headers.update({'X-Auth-Token': 'admin:admin',
                          'X-OpenStack-Nova-API-Version': '2.47'})
        flavors = {f['name'] for f in
                   s.get(base + '/flavors').json()['flavors']}
        assert {'m1.nano', 'm1.tiny', 'm1.small', 'm1.medium',
                'm1.large'} <= flavors

        def hosts_up():
            hvs = s.get(base + '/os-hypervisors').json()['hypervisors']
            return len([h for h in hvs if h['state'] == 'up']) == 3
        fixtures.poll(hosts_up, 30, message='3 fake hosts never came up')

        resp = s.post(base + '/servers', json={'server': {
            'name': 'aio', 'imageRef': IMAGE, 'flavorRef': '42',
            'networks': 'none', 'min_count': 6, 'max_count': 6}})
        assert resp.status_code == 202, resp.text

        def active():
            servers = s.get(base + '/servers/detail').json()['servers']
            return (len(servers) == 6 and
                    all(x['status'] == 'ACTIVE' for x in servers) and
                    servers)
        servers = fixtures.poll(active, 30, message='servers not ACTIVE')
        # Multi-create spreads over the hosts (the weighers spread).
        assert len({x['OS-EXT-SRV-ATTR:host'] for x in servers}) == 3
        assert all(x['addresses'] == {} for x in servers)
        for server in servers:
            assert s.delete(base + '/servers/' + server['id']).status_code \
                == 204
        fixtures.poll(lambda: s.get(base + '/servers').json()['servers']
                      == [], 30, message='servers not deleted')
        assert os.path.exists(state / 'api.db')
    finally:
        assert svc.stop() in (0, -15), svc.tail()
