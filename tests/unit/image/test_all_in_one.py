"""nube.image.all_in_one: registry and API green in one process."""

import hashlib
import json
import os
import subprocess
import sys
import textwrap


def test_all_in_one_serves_images(tmp_path):
    # A child process: it monkey-patches eventlet like nube-all does.
    script = textwrap.dedent('''
        import nube.cmd  # monkey-patches
        import hashlib, json, sys
        import eventlet
        import requests
        import nube.conf
        from nube.image import all_in_one
        # Never a deployed /etc/nube/nube.conf: this test sets its own.
        nube.conf.CONF([], project='nube', default_config_files=[])
        services = all_in_one.services(sys.argv[1], registry_port=0,
                                       api_port=0)
        for service in services:
            service.start()
        url = 'http://127.0.0.1:%d' % services[1].server.port
        s = requests.Session()
        s.headers['X-Auth-Token'] = 'admin:admin'
        image = s.post(url + '/v2/images', json={'name': 'aio'}).json()
        s.put(url + '/v2/images/%s/file' % image['id'], data=b'aio-data',
              headers={'Content-Type': 'application/octet-stream'})
        shown = s.get(url + '/v2/images/' + image['id']).json()
        data = s.get(url + '/v2/images/%s/file' % image['id']).content
        print(json.dumps({'status': shown['status'],
                          'checksum': shown['checksum'],
                          'data': data.decode()}))
        for service in reversed(services):
            service.stop()
    ''')
    env = {k: v for k, v in os.environ.items()
           if k != 'NUBE_NO_MONKEY_PATCH'}
    result = subprocess.run([sys.executable, '-c', script, str(tmp_path)],
                            capture_output=True, text=True, timeout=60,
                            env=env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {'status': 'active', 'data': 'aio-data',
                   'checksum': hashlib.md5(b'aio-data').hexdigest()}
    assert (tmp_path / 'image.db').exists()
    assert len(list((tmp_path / 'images').iterdir())) == 1
