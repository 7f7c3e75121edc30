"""devstack/stack.sh's steps that talk to the running cloud's APIs.

Run with the stack's venv python; passwords come from the environment
(NUBE_STACK_ADMIN_PASSWORD, NUBE_STACK_DEMO_PASSWORD), never argv.

  demo-project --auth-url URL --region R [--user demo]
      project "demo", user demo with the member role on it (and the
      admin with admin on it); idempotent, resets the demo password.
  upload-test-image --auth-url URL --region R --dir DIR --store S
      kernel (aki), ramdisk (ari) and disk (kernel_id/ramdisk_id) from
      DIR/manifest.json as public images; images of the same name whose
      content or store differ are replaced. Prints shell assignments.
  wait-hypervisors --auth-url URL --region R --count N [--timeout S]
      until the compute API lists N hypervisors that are up.
  client-config --auth-url URL --region R --state-dir DIR
      DIR/openrc (admin), DIR/demo-openrc and DIR/clouds.yaml (clouds
      nube / nube-admin and nube-demo).
"""

import argparse
import json
import os
import shlex
import sys
import time

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import yaml

IMAGE_NAMES = {'kernel': 'nube-test-image-kernel',
               'ramdisk': 'nube-test-image-ramdisk',
               'disk': 'nube-test-image'}


def _password(role):
    value = os.environ.get('NUBE_STACK_%s_PASSWORD' % role.upper())
    if not value:
        sys.exit('NUBE_STACK_%s_PASSWORD is not set' % role.upper())
    return value


def session(args, user='admin', project='admin', password=None):
    return ks_session.Session(auth=v3.Password(
        auth_url=args.auth_url + '/v3', username=user,
        password=password or _password('admin'), project_name=project,
        user_domain_name='Default', project_domain_name='Default'))


class Api:
    """JSON calls to one service type of the catalog, raising on errors."""

    def __init__(self, sess, service_type, region):
        self.sess = sess
        self.filter = {'service_type': service_type, 'interface': 'public',
                       'region_name': region}

    def call(self, method, path, body=None, ok=(200, 201, 202, 204),
             **kwargs):
        resp = self.sess.request(path, method, json=body, raise_exc=False,
                                 endpoint_filter=self.filter, **kwargs)
        if resp.status_code not in ok:
            raise SystemExit('%s %s -> %s %s' % (method, path,
                                                 resp.status_code,
                                                 resp.text[:500]))
        return resp.json() if resp.content else None


# -- demo project ------------------------------------------------------------

def _find(identity, kind, name):
    found = identity.call('GET', '/%s?name=%s' % (kind, name))[kind]
    return found[0]['id'] if found else None


def demo_project(args):
    identity = Api(session(args), 'identity', args.region)
    project = _find(identity, 'projects', 'demo') or identity.call(
        'POST', '/projects', {'project': {
            'name': 'demo', 'domain_id': 'default',
            'description': 'devstack demo project'}})['project']['id']
    password = _password('demo')
    user = _find(identity, 'users', args.user)
    if user:
        identity.call('PATCH', '/users/%s' % user, {'user': {
            'password': password, 'enabled': True}})
    else:
        user = identity.call('POST', '/users', {'user': {
            'name': args.user, 'password': password, 'domain_id': 'default',
            'default_project_id': project}})['user']['id']
    for who, role in ((user, 'member'), (_find(identity, 'users', 'admin'),
                                         'admin')):
        identity.call('PUT', '/projects/%s/users/%s/roles/%s' % (
            project, who, _find(identity, 'roles', role)))
    print('demo: project %s, user %s (%s, member)' % (project, args.user,
                                                       user))


# -- test image --------------------------------------------------------

def _matches(image, sha256, store, extra):
    return (image['status'] == 'active'
            and image.get('nube_stack_sha256') == sha256
            and image.get('nube_stack_store') == store
            and all(image.get(k) == v for k, v in extra.items()))


def _ensure_image(glance, name, path, entry, store, extra):
    existing = glance.call('GET', '/v2/images?name=%s' % name)['images']
    keep = [i for i in existing if _matches(i, entry['sha256'], store, extra)]
    if keep:
        image = keep[0]
        print('# %s: reused %s' % (name, image['id']), file=sys.stderr)
    else:
        body = dict(extra, name=name, disk_format=entry['disk_format'],
                    container_format=entry['container_format'],
                    visibility='public', nube_stack_sha256=entry['sha256'],
                    nube_stack_store=store)
        image = glance.call('POST', '/v2/images', body)
        with open(path, 'rb') as f:
            glance.call('PUT', '/v2/images/%s/file' % image['id'],
                        headers={'Content-Type': 'application/octet-stream'},
                        data=f)
        image = glance.call('GET', '/v2/images/%s' % image['id'])
        if image['status'] != 'active':
            raise SystemExit('%s: image %s is %s after upload' % (
                name, image['id'], image['status']))
        print('# %s: uploaded %s (%d bytes)' % (name, image['id'],
                                                image['size']),
              file=sys.stderr)
    # Images of this name from earlier runs (other content or store) go.
    for old in existing:
        if old['id'] != image['id']:
            glance.call('DELETE', '/v2/images/%s' % old['id'],
                        ok=(204, 404))
            print('# %s: deleted older %s' % (name, old['id']),
                  file=sys.stderr)
    return image['id']


def upload_test_image(args):
    with open(os.path.join(args.dir, 'manifest.json')) as f:
        files = json.load(f)['files']
    glance = Api(session(args), 'image', args.region)
    ids = {}
    for role in ('kernel', 'ramdisk'):
        ids[role] = _ensure_image(
            glance, IMAGE_NAMES[role],
            os.path.join(args.dir, files[role]['file']), files[role],
            args.store, {})
    ids['disk'] = _ensure_image(
        glance, IMAGE_NAMES['disk'],
        os.path.join(args.dir, files['disk']['file']), files['disk'],
        args.store, {'kernel_id': ids['kernel'],
                     'ramdisk_id': ids['ramdisk']})
    print('TEST_IMAGE_ID=%s' % ids['disk'])
    print('TEST_IMAGE_KERNEL_ID=%s' % ids['kernel'])
    print('TEST_IMAGE_RAMDISK_ID=%s' % ids['ramdisk'])


# -- hypervisors -------------------------------------------------------------

def wait_hypervisors(args):
    compute = Api(session(args), 'compute', args.region)
    deadline = time.monotonic() + args.timeout
    while True:
        hvs = compute.call('GET', '/os-hypervisors/detail')['hypervisors']
        up = [h['hypervisor_hostname'] for h in hvs if h['state'] == 'up'
              and h['status'] == 'enabled']
        if len(up) >= args.count:
            print('hypervisors up: %s' % ', '.join(sorted(up)))
            return
        if time.monotonic() >= deadline:
            raise SystemExit('only %d of %d hypervisors up after %ss: %s'
                             % (len(up), args.count, args.timeout, hvs))
        time.sleep(0.5)


# -- openrc / clouds.yaml -----------------------------------------------

def _private(path, text):
    fd = os.open(path + '.new', os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.replace(path + '.new', path)
    return path


def _auth(args, user, project, password):
    return {'auth_url': args.auth_url + '/v3', 'username': user,
            'password': password, 'project_name': project,
            'user_domain_name': 'Default', 'project_domain_name': 'Default'}


def _openrc(args, auth):
    lines = ['# Written by devstack/stack.sh: source it, then use a client.']
    for name in ('auth_url', 'username', 'password', 'project_name',
                 'user_domain_name', 'project_domain_name'):
        lines.append('export OS_%s=%s' % (name.upper(),
                                          shlex.quote(auth[name])))
    lines += ['export OS_IDENTITY_API_VERSION=3',
              'export OS_REGION_NAME=%s' % shlex.quote(args.region),
              'export OS_COMPUTE_API_VERSION=2.47',
              'export OS_CLIENT_CONFIG_FILE=%s' % shlex.quote(
                  os.path.join(args.state_dir, 'clouds.yaml')),
              'export NUBE_COMPUTE_URL=%s' % shlex.quote(args.compute_url)]
    if args.bin_dir:
        # The stack's clients (openstack, nube) first on PATH, once.
        bin_dir = shlex.quote(args.bin_dir)
        lines.append('case ":$PATH:" in *:%s:*) ;; *) export PATH=%s:$PATH '
                     ';; esac' % (bin_dir, bin_dir))
    lines.append('')
    return '\n'.join(lines)


def client_config(args):
    admin = _auth(args, 'admin', 'admin', _password('admin'))
    demo = _auth(args, args.user, 'demo', _password('demo'))
    written = [
        _private(os.path.join(args.state_dir, 'openrc'), _openrc(args,
                                                                 admin)),
        _private(os.path.join(args.state_dir, 'demo-openrc'),
                 _openrc(args, demo))]
    cloud = {'region_name': args.region, 'identity_api_version': 3}
    clouds = {'clouds': {
        'nube': dict(cloud, auth=admin),
        'nube-admin': dict(cloud, auth=admin),
        'nube-demo': dict(cloud, auth=demo)}}
    written.append(_private(os.path.join(args.state_dir, 'clouds.yaml'),
                            yaml.safe_dump(clouds, default_flow_style=False)))
    print('wrote %s' % ', '.join(written))


def main(argv=None):
    parser = argparse.ArgumentParser(prog='devstack_setup')
    sub = parser.add_subparsers(dest='command', required=True)
    commands = {'demo-project': demo_project,
                'upload-test-image': upload_test_image,
                'wait-hypervisors': wait_hypervisors,
                'client-config': client_config}
    parsers = {name: sub.add_parser(name) for name in commands}
    for p in parsers.values():
        p.add_argument('--auth-url', required=True,
                       help='identity URL without /v3')
        p.add_argument('--region', default='RegionOne')
        p.add_argument('--user', default='demo', help='the demo user')
    parsers['upload-test-image'].add_argument('--dir', required=True)
    parsers['upload-test-image'].add_argument('--store', required=True)
    parsers['wait-hypervisors'].add_argument('--count', type=int,
                                             default=1)
    parsers['wait-hypervisors'].add_argument('--timeout', type=float,
                                             default=60)
    parsers['client-config'].add_argument('--state-dir', required=True)
    parsers['client-config'].add_argument('--compute-url', required=True)
    parsers['client-config'].add_argument(
        '--bin-dir', help='put this directory (the clients) on PATH')
    args = parser.parse_args(argv)
    commands[args.command](args)


if __name__ == '__main__':
    main()
