"""The ``openstack`` CLI (python-openstackclient, unchanged from PyPI) as a
subprocess against a whole nube cloud, configured by OS_* variables as in
an openrc file (and once by --os-cloud and a clouds.yaml). Assertions are
on ``-f json`` output.
"""

import hashlib
import json
import os
import subprocess

import pytest

from tests.functional import fixtures
from tests.functional import keystone_cloud
from tests.functional import test_real_clients as base

FLAVOR = base.FLAVOR


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, request):
    yield from base.running_cloud(tmp_path_factory, request)


class OSC:
    """Runs ``openstack`` with an openrc-style environment."""

    def __init__(self, cloud, username, password, project):
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith('OS_')}
        self.env.update({
            'OS_AUTH_URL': cloud.auth_url, 'OS_USERNAME': username,
            'OS_PASSWORD': password, 'OS_PROJECT_NAME': project,
            'OS_USER_DOMAIN_NAME': 'Default',
            'OS_PROJECT_DOMAIN_NAME': 'Default',
            'OS_REGION_NAME': keystone_cloud.REGION,
            'OS_IDENTITY_API_VERSION': '3', 'OS_INTERFACE': 'public',
            # No stray clouds.yaml from the machine.
            'OS_CLIENT_CONFIG_FILE': cloud.clouds_yaml,
        })
        self.executable = fixtures.script_path('openstack')

    def run(self, *args, expect=0, env=None):
        result = subprocess.run(
            [self.executable] + [str(a) for a in args],
            env=self.env if env is None else env, capture_output=True,
            text=True, timeout=300, stdin=subprocess.DEVNULL)
        assert result.returncode == expect, (
            'openstack %s: exit %d\n%s%s' % (
                ' '.join(map(str, args)), result.returncode, result.stdout,
                result.stderr))
        return result

    def json(self, *args):
        return json.loads(self.run(*(args + ('-f', 'json'))).stdout)


@pytest.fixture(scope='module')
def admin(cloud):
    return OSC(cloud, 'admin', keystone_cloud.ADMIN_PASSWORD, 'admin')


@pytest.fixture(scope='module')
def demo(cloud):
    return OSC(cloud, 'demo', base.DEMO_PASSWORD, 'demo')


@pytest.fixture(scope='module')
def image_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('osc') / 'cirros-like.raw'
    data = os.urandom(1024 * 1024 + 3)
    path.write_bytes(data)
    return path, data


@pytest.fixture(scope='module')
def image(demo, image_file):
    """An image made by ``image create --file`` as the demo member."""
    path, _data = image_file
    return demo.json('image', 'create', '--file', path, '--disk-format',
                     'raw', '--container-format', 'bare', 'osc-boot')


def test_flavor_create_list_show_delete(admin, demo):
    created = admin.json('flavor', 'create', '--ram', 128, '--vcpus', 2,
                         '--disk', 2, '--ephemeral', 1, '--swap', 16,
                         'osc.flavor')
    assert created['name'] == 'osc.flavor'
    assert (created['ram'], created['vcpus'], created['disk']) == (128, 2, 2)
    assert created['OS-FLV-EXT-DATA:ephemeral'] == 1
    assert created['swap'] == 16
    assert created['os-flavor-access:is_public'] is True
    listed = {f['Name']: f for f in demo.json('flavor', 'list')}
    assert listed['osc.flavor']['ID'] == created['id']
    assert listed['osc.flavor']['RAM'] == 128
    assert FLAVOR in listed
    by_name = demo.json('flavor', 'show', 'osc.flavor')
    assert by_name['id'] == created['id']
    assert demo.json('flavor', 'show', created['id'])['name'] == \
        'osc.flavor'
    # A member may not make flavors (Nova's admin-only policy).
    result = demo.run('flavor', 'create', '--ram', 64, 'nope', expect=1)
    assert '403' in result.stderr or 'forbidden' in result.stderr.lower()
    admin.run('flavor', 'delete', 'osc.flavor')
    result = demo.run('flavor', 'show', 'osc.flavor', expect=1)
    assert 'osc.flavor' in result.stderr
    assert 'osc.flavor' not in [f['Name']
                                for f in demo.json('flavor', 'list')]


def test_image_create_list_show_save_delete(demo, image_file, tmp_path):
    path, data = image_file
    created = demo.json('image', 'create', '--file', path, '--disk-format',
                        'raw', '--container-format', 'bare', '--property',
                        'purpose=osc-test', 'osc-image')
    assert created['status'] == 'active'
    assert created['size'] == len(data)
    assert created['checksum'] == hashlib.md5(data).hexdigest()
    listed = {i['Name']: i for i in demo.json('image', 'list')}
    assert listed['osc-image']['ID'] == created['id']
    assert listed['osc-image']['Status'] == 'active'
    shown = demo.json('image', 'show', 'osc-image')
    assert shown['id'] == created['id']
    assert shown['disk_format'] == 'raw'
    assert shown['properties']['purpose'] == 'osc-test'
    assert shown['properties']['os_hash_value'] == \
        hashlib.sha512(data).hexdigest()
    out = tmp_path / 'saved.raw'
    demo.run('image', 'save', '--file', out, 'osc-image')
    assert out.read_bytes() == data
    demo.run('image', 'delete', 'osc-image')
    demo.run('image', 'show', 'osc-image', expect=1)
    assert 'osc-image' not in [i['Name'] for i in demo.json('image', 'list')]


def test_server_create_wait_no_network(demo, image):
    server = demo.json('server', 'create', '--image', 'osc-boot', '--flavor',
                       FLAVOR, '--no-network', '--wait', 'osc-nonet')
    assert server['status'] == 'ACTIVE'
    assert server['OS-EXT-STS:task_state'] is None
    assert server['addresses'] == {}
    assert server['image'] == 'osc-boot (%s)' % image['id']
    assert server['flavor']['original_name'] == FLAVOR
    shown = demo.json('server', 'show', 'osc-nonet')
    assert shown['id'] == server['id']
    assert shown['status'] == 'ACTIVE'
    demo.run('server', 'delete', '--wait', 'osc-nonet')
    assert 'osc-nonet' not in [s['Name']
                               for s in demo.json('server', 'list')]


def test_server_create_list_show_delete(demo, image):
    server = demo.json('server', 'create', '--image', image['id'],
                       '--flavor', FLAVOR, '--property', 'role=web',
                       '--wait', 'osc-net')
    assert server['status'] == 'ACTIVE'
    (label, addresses), = server['addresses'].items()
    assert len(addresses) == 1
    listed = {s['Name']: s for s in demo.json('server', 'list')}
    row = listed['osc-net']
    assert row['ID'] == server['id']
    assert row['Status'] == 'ACTIVE'
    assert row['Networks'] == {label: addresses}
    assert row['Image'] == 'osc-boot'
    assert row['Flavor'] == FLAVOR
    long = {s['ID']: s for s in demo.json('server', 'list', '--long')}
    assert long[server['id']]['Availability Zone'] == 'nova'
    assert long[server['id']]['Properties'] == {'role': 'web'}
    shown = demo.json('server', 'show', 'osc-net')
    assert shown['id'] == server['id']
    assert shown['properties'] == {'role': 'web'}
    assert shown['addresses'] == server['addresses']
    by_id = demo.json('server', 'show', server['id'])
    assert by_id['name'] == 'osc-net'
    demo.run('server', 'delete', '--wait', server['id'])
    result = demo.run('server', 'show', server['id'], expect=1)
    assert server['id'] in result.stderr


def test_server_list_deleted(admin, demo, image):
    live = demo.json('server', 'create', '--image', image['id'],
                     '--flavor', FLAVOR, '--no-network', '--wait',
                     'osc-live')
    gone = demo.json('server', 'create', '--image', image['id'],
                     '--flavor', FLAVOR, '--no-network', '--wait',
                     'osc-gone')
    demo.run('server', 'delete', '--wait', gone['id'])
    # Only deleted servers, as in Nova (admin: --deleted is admin-only).
    deleted = {s['ID']: s['Status'] for s in admin.json(
        'server', 'list', '--deleted', '--all-projects')}
    assert deleted.get(gone['id']) == 'DELETED'
    assert live['id'] not in deleted
    assert set(deleted.values()) == {'DELETED'}
    demo.run('server', 'delete', '--wait', live['id'])


def test_os_cloud_and_clouds_yaml(cloud, demo):
    """--os-cloud NAME instead of OS_* (clouds.yaml from the cloud)."""
    env = {k: v for k, v in demo.env.items() if not k.startswith('OS_')
           or k == 'OS_CLIENT_CONFIG_FILE'}
    result = demo.run('--os-cloud', 'nube-demo', 'flavor', 'list', '-f',
                      'json', env=env)
    assert FLAVOR in [f['Name'] for f in json.loads(result.stdout)]


def test_hypervisor_list(admin, demo):
    hypervisors = admin.json('hypervisor', 'list')
    assert [(h['Hypervisor Hostname'], h['State']) for h in hypervisors] \
        == [(base.HOST, 'up')]
    assert hypervisors[0]['Hypervisor Type'] == 'fake'
    # Admin only, as in Nova.
    demo.run('hypervisor', 'list', expect=1)


def test_availability_zone_list(admin, demo):
    zones = {z['Zone Name']: z['Zone Status']
             for z in demo.json('availability', 'zone', 'list')}
    assert zones == {'nova': 'available'}
    detailed = admin.json('availability', 'zone', 'list', '--compute',
                          '--long')
    hosts = {(z['Zone Name'], z['Host Name']) for z in detailed}
    assert ('nova', base.HOST) in hosts


def test_networks_subnets_ports_and_servers_on_them(demo, image):
    """OSC's network commands, `server create --network/--nic port-id`
    and `server add/remove network/port`, all through the network API."""
    net = demo.json('network', 'create', 'osc-net-a')
    assert net['status'] == 'ACTIVE'
    assert net['name'] == 'osc-net-a'
    assert net['id'] in [n['ID'] for n in demo.json('network', 'list')]
    assert demo.json('network', 'show', 'osc-net-a')['id'] == net['id']
    subnet = demo.json('subnet', 'create', 'osc-sub-a', '--network',
                       'osc-net-a', '--subnet-range', '10.71.0.0/24')
    assert subnet['gateway_ip'] == '10.71.0.1'
    assert demo.json('subnet', 'show', 'osc-sub-a')['cidr'] == '10.71.0.0/24'
    assert subnet['id'] in [s['ID'] for s in demo.json('subnet', 'list')]
    overlap = demo.run('subnet', 'create', 'osc-sub-x', '--network',
                       'osc-net-a', '--subnet-range', '10.71.0.128/25',
                       expect=1)
    assert 'overlaps' in overlap.stderr
    port = demo.json('port', 'create', 'osc-port-a', '--network',
                     'osc-net-a', '--fixed-ip', 'ip-address=10.71.0.50')
    assert port['fixed_ips'][0]['ip_address'] == '10.71.0.50'
    assert demo.json('port', 'show', 'osc-port-a')['id'] == port['id']

    server = demo.json('server', 'create', '--image', image['id'],
                       '--flavor', FLAVOR, '--network', 'osc-net-a',
                       '--wait', 'osc-on-net')
    assert server['status'] == 'ACTIVE'
    assert list(server['addresses']) == ['osc-net-a']
    on_port = demo.json('server', 'create', '--image', image['id'],
                        '--flavor', FLAVOR, '--nic',
                        'port-id=%s' % port['id'], '--wait', 'osc-on-port')
    assert on_port['addresses'] == {'osc-net-a': ['10.71.0.50']}
    assert demo.json('port', 'show', port['id'])['device_id'] == \
        on_port['id']

    net_b = demo.json('network', 'create', 'osc-net-b')
    demo.json('subnet', 'create', 'osc-sub-b', '--network', 'osc-net-b',
              '--subnet-range', '10.72.0.0/24')
    demo.run('server', 'add', 'network', 'osc-on-net', 'osc-net-b')
    shown = demo.json('server', 'show', 'osc-on-net')
    assert sorted(shown['addresses']) == ['osc-net-a', 'osc-net-b']
    spare = demo.json('port', 'create', 'osc-port-b', '--network',
                      'osc-net-b')
    demo.run('server', 'add', 'port', 'osc-on-net', spare['id'])
    assert len(demo.json('server', 'show', 'osc-on-net')['addresses'][
        'osc-net-b']) == 2
    demo.run('server', 'remove', 'port', 'osc-on-net', spare['id'])
    demo.run('server', 'remove', 'network', 'osc-on-net', 'osc-net-b')
    assert list(demo.json('server', 'show', 'osc-on-net')['addresses']) == [
        'osc-net-a']
    in_use = demo.run('network', 'delete', 'osc-net-a', expect=1)
    assert 'in use' in in_use.stderr.lower() or '409' in in_use.stderr

    for name in ('osc-on-net', 'osc-on-port'):
        demo.run('server', 'delete', '--wait', name)
    # The port nube made went with its server; the user's stays, freed.
    ports = {p['Name']: p for p in demo.json('port', 'list')}
    assert set(ports) == {'osc-port-a', 'osc-port-b'}
    assert demo.json('port', 'show', port['id'])['device_id'] == ''
    demo.run('port', 'delete', 'osc-port-a', 'osc-port-b')
    demo.run('network', 'delete', 'osc-net-a', net_b['id'])
    assert not {'osc-net-a', 'osc-net-b'} & {
        n['Name'] for n in demo.json('network', 'list')}


def test_floating_ips_and_security_groups(admin, demo, image):
    """OSC's floating ip, security group and rule commands, and `server
    add/remove floating ip / security group`, as a project member."""
    server = demo.json('server', 'create', '--image', image['id'],
                       '--flavor', FLAVOR, '--wait', 'osc-fip-server')
    fixed = [a for addrs in server['addresses'].values() for a in addrs][0]
    fip = demo.json('floating ip', 'create', 'public')
    address = fip['floating_ip_address']
    assert address.startswith('172.31.250.')
    assert fip['port_id'] is None
    assert fip['id'] in [f['ID'] for f in demo.json('floating ip', 'list')]
    demo.run('server', 'add', 'floating ip', 'osc-fip-server', address)
    shown = demo.json('floating ip', 'show', fip['id'])
    assert shown['fixed_ip_address'] == fixed
    assert shown['status'] == 'ACTIVE'
    addresses = demo.json('server', 'show', 'osc-fip-server')['addresses']
    assert sorted(a for addrs in addresses.values() for a in addrs) == \
        sorted([fixed, address])
    # Another project sees none of it.
    assert fip['id'] not in [f['ID'] for f in admin.json(
        'floating ip', 'list', '--project', 'admin')]
    demo.run('server', 'remove', 'floating ip', 'osc-fip-server', address)
    assert demo.json('floating ip', 'show', fip['id'])['port_id'] is None

    group = demo.json('security group', 'create', 'osc-web',
                      '--description', 'web servers')
    assert group['name'] == 'osc-web'
    names = [g['Name'] for g in demo.json('security group', 'list')]
    assert 'default' in names and 'osc-web' in names
    rule = demo.json('security group rule', 'create', '--protocol', 'tcp',
                     '--dst-port', '80', '--remote-ip', '0.0.0.0/0',
                     'osc-web')
    assert (rule['port_range_min'], rule['port_range_max']) == (80, 80)
    rules = demo.json('security group rule', 'list', 'osc-web')
    assert rule['id'] in [r['ID'] for r in rules]
    # (OSC itself refuses a reversed range before asking.)
    bad = demo.run('security group rule', 'create', '--protocol', 'udp',
                   '--dst-port', '0', 'osc-web', expect=1)
    assert 'Invalid value for port 0' in bad.stderr, bad.stderr
    demo.run('server', 'add', 'security group', 'osc-fip-server', 'osc-web')
    groups = {g['name'] for g in demo.json('server', 'show',
                                           'osc-fip-server')[
        'security_groups']}
    assert groups == {'default', 'osc-web'}, groups
    in_use = demo.run('security group', 'delete', 'osc-web', expect=1)
    assert 'in use' in in_use.stderr.lower() or '409' in in_use.stderr
    demo.run('server', 'remove', 'security group', 'osc-fip-server',
             'osc-web')
    demo.run('security group rule', 'delete', rule['id'])
    assert rule['id'] not in [r['ID'] for r in demo.json(
        'security group rule', 'list', 'osc-web')]
    demo.run('security group', 'delete', 'osc-web')
    assert 'osc-web' not in [g['Name'] for g in demo.json(
        'security group', 'list')]

    demo.run('server', 'delete', '--wait', 'osc-fip-server')
    demo.run('floating ip', 'delete', fip['id'])
    assert fip['id'] not in [f['ID'] for f in demo.json('floating ip',
                                                        'list')]
