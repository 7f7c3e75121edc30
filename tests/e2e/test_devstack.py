"""A real guest through a devstack cloud's APIs (devstack/stack.sh).

Reads the running cloud from the stack.env and clouds.yaml that stack.sh
wrote (NUBE_STACK_ENV, default /opt/stack/data/stack.env); as the demo
user it boots a server from the uploaded test image, waits for ACTIVE,
finds the guest's marker line in os-getConsoleOutput (and, with FlatDHCP
on linux_net, the address the guest leased by DHCP, then pings it), deletes
the server
and checks with virsh that the domain is gone. It also checks that the
image's data sits in the store stack.sh was run with (IMAGE_STORE; the
e2e driver tools/e2e_stage.sh sets NUBE_E2E_IMAGE_STORE to the one it
expects). Needs root (virsh on qemu:///system) and VIRT_DRIVER=libvirt.
Without a stack the tests skip, unless NUBE_E2E_REQUIRED=1.
"""

import configparser
import ipaddress
import os
import shlex
import subprocess
import sys
import time

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import pytest
import yaml

from tests.functional import fixtures

REQUIRED = os.environ.get('NUBE_E2E_REQUIRED') == '1'
STACK_ENV = os.environ.get('NUBE_STACK_ENV', '/opt/stack/data/stack.env')
EXPECTED_STORE = os.environ.get('NUBE_E2E_IMAGE_STORE')
URI = 'qemu:///system'
MARKER = 'nube-test-image: booted'
ACTIVE_TIMEOUT = 180
CONSOLE_TIMEOUT = 120
DELETE_TIMEOUT = 120


def unavailable(reason):
    if REQUIRED:
        pytest.fail('NUBE_E2E_REQUIRED=1 but %s' % reason, pytrace=False)
    pytest.skip('%s (run devstack/stack.sh as root first)' % reason)


def read_stack_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            if '=' not in line or line.startswith('#'):
                continue
            key, _sep, value = line.rstrip('\n').partition('=')
            words = shlex.split(value)
            env[key] = words[0] if words else ''
    return env


class Cloud:
    """Sessions and helpers for one devstack cloud."""

    def __init__(self, env):
        self.env = env
        with open(env['OS_CLIENT_CONFIG_FILE']) as f:
            self.clouds = yaml.safe_load(f)['clouds']
        self.region = env['REGION_NAME']
        self.demo = self.session('nube-demo')
        self.admin = self.session('nube-admin')
        conf = configparser.ConfigParser(interpolation=None)
        conf.read(os.path.join(env['NUBE_CONF_DIR'], 'nube.conf'))
        self.conf = conf

    def session(self, cloud):
        auth = self.clouds[cloud]['auth']
        return ks_session.Session(auth=v3.Password(**auth))

    def request(self, sess, service_type, method, path, body=None,
                expect=(200, 202, 204)):
        resp = sess.request(path, method, json=body, raise_exc=False,
                            endpoint_filter={'service_type': service_type,
                                             'interface': 'public',
                                             'region_name': self.region})
        assert resp.status_code in expect, (method, path, resp.status_code,
                                            resp.text[:1000])
        return resp

    def compute(self, method, path, body=None, expect=(200, 202, 204),
                sess=None):
        resp = self.request(sess or self.demo, 'compute', method, path,
                            body, expect)
        return resp.json() if resp.content else None


@pytest.fixture(scope='module')
def cloud():
    if not os.path.exists(STACK_ENV):
        unavailable('no %s' % STACK_ENV)
    env = read_stack_env(STACK_ENV)
    if env.get('VIRT_DRIVER') != 'libvirt':
        unavailable('the stack runs VIRT_DRIVER=%s, not libvirt'
                    % env.get('VIRT_DRIVER'))
    if os.geteuid() != 0:
        unavailable('not root: virsh cannot see qemu:///system')
    return Cloud(env)


def virsh_domains(running_only=False):
    args = ['virsh', '-c', URI, 'list', '--name']
    if not running_only:
        args.append('--all')
    out = subprocess.run(args, capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def poll(fn, timeout, message):
    """fixtures.poll at the pace of real guests (every half second)."""
    return fixtures.poll(fn, timeout, interval=0.5, message=message)


def fixed_address(server):
    """(network name, address) of the server's one fixed IPv4 address."""
    found = [(name, a['addr']) for name, addrs in server['addresses'].items()
             for a in addrs if a.get('OS-EXT-IPS:type', 'fixed') == 'fixed'
             and a.get('version', 4) == 4]
    assert len(found) == 1, server['addresses']
    return found[0]


def check_guest_network(cloud, server, path):
    """With FlatDHCP on linux_net the guest's DHCP client got the address
    the API shows (from nube's dnsmasq on the cell's bridge), and the host
    reaches the guest there; on noop it has a user-mode NIC."""
    name, address = fixed_address(server)
    if cloud.env.get('NETWORK_DRIVER') != 'linux_net':
        print('network driver %s: no host networking to check'
              % cloud.env.get('NETWORK_DRIVER'))
        return
    assert cloud.env.get('NETWORK_MANAGER') == 'flat_dhcp', cloud.env
    expected = 'nube-test-image: eth0 dhcp %s/' % address

    def leased():
        out = cloud.compute('POST', path + '/action', {
            'os-getConsoleOutput': {}})['output']
        if 'eth0 no DHCP answer' in out:
            pytest.fail('the guest got no DHCP answer:\n%s' % out[-2000:],
                        pytrace=False)
        return expected in out and out
    poll(leased, CONSOLE_TIMEOUT, 'the guest never leased %s' % address)
    # The guest's NIC is a tap in a bridge that carries the host's
    # address of the network (the gateway; dnsmasq listens there).
    iflist = subprocess.run(
        ['virsh', '-c', URI, 'domiflist', 'instance-%s' % server['id']],
        capture_output=True, text=True, check=True, timeout=30).stdout
    rows = [line.split() for line in iflist.splitlines()[2:] if line.strip()]
    assert [row[1] for row in rows] == ['bridge'], iflist
    tap, bridge = rows[0][0], rows[0][2]
    master = subprocess.run(['ip', '-o', 'link', 'show', tap],
                            capture_output=True, text=True, check=True,
                            timeout=30).stdout
    assert 'master %s ' % bridge in master, master
    host_addrs = subprocess.run(['ip', '-o', '-4', 'addr', 'show', bridge],
                                capture_output=True, text=True, check=True,
                                timeout=30).stdout
    assert 'inet ' in host_addrs, host_addrs

    def answers():
        return subprocess.run(
            ['busybox', 'ping', '-c', '1', '-W', '1', address],
            capture_output=True,
            timeout=10).returncode == 0
    poll(answers, 30, 'the guest never answered ping on %s' % address)
    print('guest %s on %s: leased %s by DHCP, answers ping'
          % (server['id'], name, address))


def test_image_is_in_the_configured_store(cloud):
    store = cloud.conf.get('image_store', 'default_store')
    assert store == cloud.env['IMAGE_STORE']
    if EXPECTED_STORE:
        assert store == EXPECTED_STORE
    image = cloud.request(cloud.demo, 'image', 'GET', '/v2/images/%s'
                          % cloud.env['TEST_IMAGE_ID']).json()
    assert image['status'] == 'active'
    assert image['kernel_id'] == cloud.env['TEST_IMAGE_KERNEL_ID']
    assert image['ramdisk_id'] == cloud.env['TEST_IMAGE_RAMDISK_ID']
    assert image['nube_stack_store'] == store
    for image_id in (image['id'], image['kernel_id'], image['ramdisk_id']):
        if store == 'file':
            path = os.path.join(cloud.conf.get(
                'image_store', 'filesystem_store_datadir'), image_id)
            assert os.path.getsize(path) > 0, path
        else:
            from swiftclient import client as swift
            conn = swift.Connection(
                authurl=cloud.conf.get('image_store', 'swift_auth_address'),
                user=cloud.conf.get('image_store', 'swift_user'),
                key=cloud.conf.get('image_store', 'swift_key'))
            container = cloud.conf.get('image_store', 'swift_container')
            names = [o['name'] for o in conn.get_container(container)[1]]
            assert any(n.startswith(image_id) for n in names), (image_id,
                                                                names)


# Run in the outside namespace: print the page, or exit 3 when the
# connection cannot be made.
FETCH = '''
import socket, sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2]))
          .read().decode())
except urllib.error.HTTPError:
    raise
except (socket.timeout, TimeoutError, ConnectionError, urllib.error.URLError):
    sys.exit(3)
'''


def network(cloud, method, path, body=None, expect=(200, 201, 204),
            sess=None):
    resp = cloud.request(sess or cloud.demo, 'network', method, path, body,
                         expect)
    return resp.json() if resp.content else None


class Outside:
    """A namespace on the floating IP pool's bridge: "the internet" as
    far as the guest is concerned. Its veth is the test's own, removed
    with the namespace."""

    def __init__(self, bridge, cidr, taken):
        net = ipaddress.ip_network(cidr)
        hosts = list(net.hosts())
        self.address = next(str(a) for a in reversed(hosts)
                            if str(a) not in taken)
        self.ns = 'nubee-out-%d' % os.getpid()
        self.veth = 'nubee%d' % (os.getpid() % 100000)
        self._run('ip', 'netns', 'add', self.ns)
        try:
            self._run('ip', 'link', 'add', self.veth, 'type', 'veth',
                      'peer', 'name', 'eth0', 'netns', self.ns)
            self._run('ip', 'link', 'set', self.veth, 'master', bridge,
                      'up')
            self._run('ip', '-n', self.ns, 'addr', 'add',
                      '%s/%d' % (self.address, net.prefixlen), 'dev', 'eth0')
            self._run('ip', '-n', self.ns, 'link', 'set', 'eth0', 'up')
            self._run('ip', '-n', self.ns, 'link', 'set', 'lo', 'up')
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _run(*argv):
        subprocess.run(argv, check=True, capture_output=True, timeout=30)

    def fetch(self, url, timeout=1):
        """The body at ``url`` fetched from the namespace, or None when
        the connection fails (timed out or refused); anything else (the
        fetch itself broken) fails the test."""
        proc = subprocess.run(
            ['ip', 'netns', 'exec', self.ns, sys.executable, '-c', FETCH,
             url, str(timeout)], capture_output=True, text=True,
            timeout=timeout + 30)
        if proc.returncode == 3:
            return None
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def close(self):
        subprocess.run(['ip', 'link', 'del', self.veth], capture_output=True)
        subprocess.run(['ip', 'netns', 'del', self.ns], capture_output=True)


def check_floating_ip(cloud, server, path):
    """The guest's httpd answers on a floating IP from outside once the
    default group admits port 80, and stops answering when the rule goes
    (linux_net only: NAT and filtering are real here)."""
    env = cloud.env
    if env.get('NETWORK_DRIVER') != 'linux_net':
        print('network driver %s: floating IP reachability not checked'
              % env.get('NETWORK_DRIVER'))
        return
    poll(lambda: 'httpd on port 80' in cloud.compute(
        'POST', path + '/action', {'os-getConsoleOutput': {}})['output'],
        30, 'the guest never started its httpd')
    public = network(cloud, 'GET', '/v2.0/networks?name=public')[
        'networks'][0]
    ports = network(cloud, 'GET', '/v2.0/ports?device_id=%s'
                    % server['id'])['ports']
    fip = network(cloud, 'POST', '/v2.0/floatingips', {'floatingip': {
        'floating_network_id': public['id'],
        'port_id': ports[0]['id']}})['floatingip']
    taken = {f['floating_ip_address'] for f in network(
        cloud, 'GET', '/v2.0/floatingips', sess=cloud.admin)['floatingips']}
    # Not an allocated address, nor the host's (the pool's first).
    gateway = str(ipaddress.ip_network(env['FLOATING_RANGE'])
                  .network_address + 1)
    outside = Outside(env['NETWORK_BRIDGE_PREFIX'] + '-ex',
                      env['FLOATING_RANGE'], taken | {gateway})
    url = 'http://%s/' % fip['floating_ip_address']
    rule = None
    try:
        shown = poll(lambda: (lambda s: s if any(
            a.get('OS-EXT-IPS:type') == 'floating'
            for addrs in s['addresses'].values() for a in addrs) else None)(
            cloud.compute('GET', path)['server']), 30,
            'the server never showed its floating IP')
        assert fip['floating_ip_address'] in str(shown['addresses'])
        # The default group admits only its own members: outside is not.
        assert outside.fetch(url) is None
        group = network(cloud, 'GET', '/v2.0/security-groups?name=default')[
            'security_groups'][0]
        rule = network(cloud, 'POST', '/v2.0/security-group-rules', {
            'security_group_rule': {
                'security_group_id': group['id'], 'direction': 'ingress',
                'protocol': 'tcp', 'port_range_min': 80,
                'port_range_max': 80,
                'remote_ip_prefix': '0.0.0.0/0'}})['security_group_rule']
        opened = time.monotonic()
        body = poll(lambda: outside.fetch(url, timeout=1), 10,
                    'port 80 never answered on %s' % url)
        open_s = time.monotonic() - opened
        assert 'nube-test-image' in body
        network(cloud, 'DELETE', '/v2.0/security-group-rules/%s'
                % rule['id'])
        rule = None
        closed = time.monotonic()
        poll(lambda: outside.fetch(url, timeout=1) is None, 10,
             'port 80 still answers without its rule')
        print('floating IP %s: port 80 open %.1fs after the rule, closed '
              '%.1fs after its removal' % (fip['floating_ip_address'],
                                          open_s, time.monotonic() - closed))
    finally:
        if rule is not None:
            network(cloud, 'DELETE', '/v2.0/security-group-rules/%s'
                    % rule['id'], expect=(204, 404))
        outside.close()
        network(cloud, 'DELETE', '/v2.0/floatingips/%s' % fip['id'],
                expect=(204, 404))


def test_server_boots_prints_marker_and_is_gone_after_delete(cloud):
    started = time.monotonic()
    server = cloud.compute('POST', '/servers', {'server': {
        'name': 'e2e-devstack', 'imageRef': cloud.env['TEST_IMAGE_ID'],
        'flavorRef': '1'}})['server']
    server_id = server['id']
    path = '/servers/%s' % server_id
    try:
        def active():
            body = cloud.compute('GET', path)['server']
            if body['status'] == 'ERROR':
                pytest.fail('server went to ERROR: %s' % body.get('fault'),
                            pytrace=False)
            return body['status'] == 'ACTIVE' and body
        body = poll(active, ACTIVE_TIMEOUT, 'server never became ACTIVE')
        active_s = time.monotonic() - started
        assert body['image']['id'] == cloud.env['TEST_IMAGE_ID']
        domain = 'instance-%s' % server_id
        assert domain in virsh_domains(running_only=True)

        def console():
            out = cloud.compute('POST', path + '/action', {
                'os-getConsoleOutput': {'length': 50}})['output']
            return MARKER in out and 'uuid %s' % server_id in out and out
        output = poll(console, CONSOLE_TIMEOUT,
                      'no %r line in the console output' % MARKER)
        marker_s = time.monotonic() - started
        assert len(output.splitlines()) <= 50
        # The initramfs read the qcow2 overlay's first sector.
        output = poll(lambda: (lambda o: 'nube-test-image: vda' in o and o)(
            cloud.compute('POST', path + '/action', {
                'os-getConsoleOutput': {}})['output']), 30,
            'the guest never reported its disk')
        assert 'nube-test-image: vda NUBE-TEST-DISK' in output
        check_guest_network(cloud, body, path)
        check_floating_ip(cloud, body, path)
        print('\n%s: ACTIVE after %.1fs, marker after %.1fs (store %s)'
              % (server_id, active_s, marker_s, cloud.env['IMAGE_STORE']))
    finally:
        cloud.compute('DELETE', path, expect=(204, 404))
    poll(lambda: cloud.request(cloud.demo, 'compute', 'GET', path,
                               expect=(200, 404)).status_code == 404,
         DELETE_TIMEOUT, 'server %s was never deleted' % server_id)
    assert 'instance-%s' % server_id not in virsh_domains()
    instance_dir = os.path.join(cloud.env['NUBE_STATE_PATH'], 'instances',
                                server_id)
    assert not os.path.exists(instance_dir)
