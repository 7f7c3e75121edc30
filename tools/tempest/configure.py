"""Prepare a Tempest workspace for a running nube (or any small cloud).

Reads admin credentials from the OS_* variables an openrc sets, then,
through the identity, compute and image APIs found in the catalog,
idempotently ensures what Tempest's pre-provisioned credentials and its
compute and image tests need: projects with a member and a reader, extra
admins (one per concurrent worker), two flavors and two small images.
Writes ``etc/tempest.conf`` and ``etc/accounts.yaml`` into the workspace
(``$NUBE_TEMPEST_DIR``, default ``.tempest`` in the repository).

Only the standard library is used: it runs in Tempest's own environment.
"""

import argparse
import hashlib
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PREFIX = 'tempest-nube'
# Per concurrent worker a test class may hold a member, an "alt" user in
# another project, a reader and an admin: four projects cover two workers.
PROJECTS = 4
ADMINS = 2
FLAVORS = (
    # (id, name, ram MB, vcpus, disk GB)
    ('tempest-1', 'tempest.nano', 64, 1, 1),
    ('tempest-2', 'tempest.micro', 128, 1, 1),
)
IMAGES = ('tempest-image-1', 'tempest-image-2')
MIN_MICROVERSION = '2.1'
AUTH_WAIT = 60  # seconds


class APIError(Exception):
    pass


def _env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        sys.exit('configure.py: $%s is not set (source an openrc)' % name)
    return value


class Cloud:
    """A tiny REST client: token, catalog lookups, JSON requests."""

    def __init__(self, auth_url, username, password, project_name,
                 user_domain, project_domain, region):
        self.auth_url = auth_url.rstrip('/')
        if not self.auth_url.endswith('/v3'):
            self.auth_url += '/v3'
        self.region = region
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': username, 'password': password,
                'domain': {'name': user_domain}}}},
            'scope': {'project': {'name': project_name,
                                  'domain': {'name': project_domain}}}}}
        deadline = time.monotonic() + AUTH_WAIT
        while True:
            # A cloud that was just started may not listen yet.
            try:
                resp, token = self.request(
                    'POST', self.auth_url + '/auth/tokens', body, auth=False)
                break
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        self.token = resp.headers['X-Subject-Token']
        self.catalog = token['token']['catalog']
        self.project = token['token']['project']
        self.user = token['token']['user']

    def request(self, method, url, body=None, auth=True, headers=None,
                data=None, ok=(200, 201, 202, 204)):
        hdrs = {'Accept': 'application/json'}
        if auth:
            hdrs['X-Auth-Token'] = self.token
        if body is not None:
            data = json.dumps(body).encode()
            hdrs['Content-Type'] = 'application/json'
        hdrs.update(headers or {})
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                raw = resp.read()
                status = resp.status
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            status = exc.code
            resp = exc
        if status not in ok:
            raise APIError('%s %s -> %s %s' % (method, url, status,
                                               raw[:300]))
        text = raw.decode() if raw else ''
        return resp, (json.loads(text) if text.strip() else None)

    def endpoint(self, service_type, interface='public'):
        for service in self.catalog:
            if service['type'] != service_type:
                continue
            for ep in service['endpoints']:
                if ep['interface'] == interface and (
                        not self.region or ep.get('region_id') ==
                        self.region or ep.get('region') == self.region):
                    return ep['url'].rstrip('/')
        raise APIError('no %s endpoint for %s in region %s'
                       % (interface, service_type, self.region))


def _one(cloud, collection, **query):
    url = '%s/%s?%s' % (cloud.auth_url, collection,
                        urllib.parse.urlencode(query))
    _resp, body = cloud.request('GET', url)
    found = body[collection]
    return found[0] if found else None


def ensure_identity(cloud, log, password):
    """Projects, users and grants for accounts.yaml; returns the accounts.

    Every run sets ``password`` (new each run) on every account it keeps,
    so no known password ever guards these users, admins among them.
    """
    domain_id = cloud.user['domain']['id']
    domain_name = cloud.user['domain']['name']
    roles = {}
    for name in ('admin', 'member', 'reader'):
        role = _one(cloud, 'roles', name=name)
        if role is None:
            raise APIError('the identity service has no role %r' % name)
        roles[name] = role['id']

    def project(name):
        found = _one(cloud, 'projects', name=name, domain_id=domain_id)
        if found:
            return found['id']
        _r, body = cloud.request('POST', cloud.auth_url + '/projects', {
            'project': {'name': name, 'domain_id': domain_id,
                        'description': 'Tempest (tools/tempest)'}})
        log('created project %s' % name)
        return body['project']['id']

    def user(name, project_id):
        found = _one(cloud, 'users', name=name, domain_id=domain_id)
        values = {'password': password, 'enabled': True,
                  'default_project_id': project_id}
        if found:
            cloud.request('PATCH', '%s/users/%s' % (cloud.auth_url,
                                                    found['id']),
                          {'user': values})
            return found['id']
        values.update(name=name, domain_id=domain_id)
        _r, body = cloud.request('POST', cloud.auth_url + '/users',
                                 {'user': values})
        log('created user %s' % name)
        return body['user']['id']

    def grant(user_id, project_id, role_names):
        for name in role_names:
            cloud.request('PUT', '%s/projects/%s/users/%s/roles/%s' % (
                cloud.auth_url, project_id, user_id, roles[name]))

    def account(name, project_name, role_names, types=None):
        entry = {'username': name, 'project_name': project_name,
                 'password': password,
                 'user_domain_name': domain_name,
                 'project_domain_name': domain_name,
                 'roles': list(role_names)}
        if types:
            entry['types'] = types
        return entry

    members, readers, admins = [], [], []
    for index in range(1, PROJECTS + 1):
        pname = '%s-project-%d' % (PREFIX, index)
        pid = project(pname)
        for kind, out in (('member', members), ('reader', readers)):
            uname = '%s-%s-%d' % (PREFIX, kind, index)
            grant(user(uname, pid), pid, [kind])
            out.append(account(uname, pname, [kind]))
    for index in range(1, ADMINS + 1):
        pname = '%s-admin-project-%d' % (PREFIX, index)
        pid = project(pname)
        uname = '%s-admin-%d' % (PREFIX, index)
        # Keystone's admin implies member and reader; grant all three so
        # the token carries the same roles with an identity service that
        # does not imply roles.
        grant(user(uname, pid), pid, ['admin', 'member', 'reader'])
        admins.append(account(uname, pname, ['admin', 'member', 'reader'],
                              types=['admin']))
    # Members first: an "alt" user (any free non-admin account, in file
    # order) is then a member of another project.
    return members + readers + admins


def _compute_headers():
    return {'OpenStack-API-Version': 'compute 2.1',
            'X-OpenStack-Nova-API-Version': '2.1'}


def ensure_flavors(cloud, log):
    url = cloud.endpoint('compute')
    refs = []
    for flavorid, name, ram, vcpus, disk in FLAVORS:
        resp, _b = cloud.request('GET', '%s/flavors/%s' % (url, flavorid),
                                 headers=_compute_headers(),
                                 ok=(200, 404))
        if resp.status == 404:
            cloud.request('POST', url + '/flavors', {'flavor': {
                'name': name, 'id': flavorid, 'ram': ram, 'vcpus': vcpus,
                'disk': disk, 'os-flavor-access:is_public': True}},
                headers=_compute_headers())
            log('created flavor %s' % name)
        refs.append(flavorid)
    return refs


def ensure_images(cloud, log):
    url = cloud.endpoint('image')
    refs = []
    for name in IMAGES:
        _r, body = cloud.request('GET', '%s/v2/images?%s' % (
            url, urllib.parse.urlencode({'name': name})))
        active = [i for i in body['images'] if i['status'] == 'active']
        if active:
            refs.append(active[0]['id'])
            continue
        for stale in body['images']:
            cloud.request('DELETE', '%s/v2/images/%s' % (url, stale['id']))
        _r, image = cloud.request('POST', url + '/v2/images', {
            'name': name, 'disk_format': 'raw', 'container_format': 'bare',
            'visibility': 'public'})
        data = hashlib.sha256(name.encode()).digest() * 2048  # 64 KiB
        cloud.request('PUT', '%s/v2/images/%s/file' % (url, image['id']),
                      data=data,
                      headers={'Content-Type': 'application/octet-stream'})
        log('uploaded image %s (%s)' % (name, image['id']))
        refs.append(image['id'])
    return refs


def max_microversion(cloud):
    url = cloud.endpoint('compute')
    _r, body = cloud.request('GET', url, headers=_compute_headers())
    return body['version']['version'] or MIN_MICROVERSION


def network_extensions(cloud):
    """The aliases /v2.0/extensions lists, or None without a network
    endpoint in the catalog (Tempest is then told neutron is off)."""
    try:
        url = cloud.endpoint('network')
    except APIError:
        return None
    _r, body = cloud.request('GET', url + '/v2.0/extensions')
    return sorted(ext['alias'] for ext in body['extensions'])


def public_network(cloud):
    """The floating IP pool devstack makes (an external network named
    'public'), or None."""
    try:
        url = cloud.endpoint('network')
    except APIError:
        return None
    _r, body = cloud.request('GET', url + '/v2.0/networks?name=public'
                             '&router:external=True')
    return body['networks'][0] if body['networks'] else None


def _ini(sections):
    lines = []
    for section, values in sections:
        lines.append('[%s]' % section)
        for key, value in values.items():
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, (list, tuple)):
                value = ','.join(value)
            lines.append('%s = %s' % (key, value))
        lines.append('')
    return '\n'.join(lines)


def tempest_conf(workspace, cloud, flavors, images, max_version,
                 extensions=None, public=None):
    region = cloud.region
    neutron = extensions is not None
    floating = {}
    if public is not None:
        floating = {'public_network_id': public['id'],
                    'floating_network_name': public['name']}
    return _ini([
        ('DEFAULT', {'log_dir': os.path.join(workspace, 'logs'),
                     'log_file': 'tempest.log', 'debug': True}),
        ('oslo_concurrency', {'lock_path': os.path.join(workspace,
                                                        'locks')}),
        ('auth', {'use_dynamic_credentials': False,
                  'test_accounts_file': os.path.join(workspace, 'etc',
                                                     'accounts.yaml'),
                  'default_credentials_domain_name':
                      cloud.user['domain']['name'],
                  'admin_domain_name': cloud.user['domain']['name']}),
        ('identity', {'uri_v3': cloud.auth_url, 'auth_version': 'v3',
                      'region': region, 'v3_endpoint_type': 'public',
                      'admin_role': 'admin'}),
        ('identity-feature-enabled', {
            'api_v2': False, 'api_v2_admin': False, 'api_v3': True,
            'trust': False, 'access_rules': False,
            'security_compliance': False, 'project_tags': False,
            'application_credentials': False}),
        ('compute', {'region': region, 'endpoint_type': 'publicURL',
                     'image_ref': images[0], 'image_ref_alt': images[1],
                     'flavor_ref': flavors[0], 'flavor_ref_alt': flavors[1],
                     'min_microversion': MIN_MICROVERSION,
                     'max_microversion': max_version,
                     'build_timeout': 120, 'build_interval': 1}),
        # What nube's compute API does: boot, list, show, update, delete,
        # stop/start/reboot and console output; nothing else.
        ('compute-feature-enabled', {
            'disk_config': True, 'change_password': False,
            'console_output': True, 'resize': False, 'pause': False,
            'shelve': False, 'shelve_migrate': False, 'suspend': False,
            'cold_migration': False, 'live_migration': False,
            'metadata_service': False, 'vnc_console': False,
            'spice_console': False, 'serial_console': False,
            'rescue': False, 'stable_rescue': False,
            'enable_instance_password': True, 'interface_attach': neutron,
            'snapshot': False, 'personality': False,
            'attach_encrypted_volume': False, 'config_drive': False,
            'swap_volume': False, 'volume_multiattach': False,
            'volume_backed_live_migration': False,
            'unified_limits': False}),
        ('image', {'region': region, 'endpoint_type': 'publicURL',
                   'build_timeout': 60, 'build_interval': 1,
                   'container_formats': 'bare,ami,ari,aki,ovf,ova',
                   'disk_formats': 'raw,qcow2,ami,ari,aki,vhd,vmdk,vdi,'
                                   'iso'}),
        ('image-feature-enabled', {
            'api_v2': True, 'import_image': True,
            'manage_locations': False, 'image_conversion': False,
            'image_format_enforcement': False, 'do_secure_hash': True,
            'http_store_enabled': False}),
        # The network API: what /v2.0/extensions lists, IPv4 only, no
        # routers (project networks are not reachable from Tempest's
        # host); floating IPs from devstack's pool 'public'.
        ('network', dict({'region': region, 'endpoint_type': 'publicURL',
                          'project_networks_reachable': False,
                          'shared_physical_network': False}, **floating)),
        ('network-feature-enabled', {
            'ipv6': False, 'ipv6_subnet_attributes': False,
            'port_security': False, 'floating_ips': public is not None,
            'api_extensions': ','.join(extensions or []) or 'None'}),
        ('service_available', {'nova': True, 'glance': True,
                               'neutron': neutron, 'cinder': False,
                               'swift': False, 'horizon': False}),
        ('validation', {'run_validation': False, 'security_group': False,
                        'security_group_rules': False}),
    ])


def accounts_yaml(accounts):
    """YAML by hand (the values are plain strings): no PyYAML needed."""
    lines = []
    for entry in accounts:
        first = True
        for key, value in entry.items():
            lead = '- ' if first else '  '
            first = False
            if isinstance(value, list):
                lines.append('%s%s:' % (lead, key))
                lines += ['    - %s' % json.dumps(v) for v in value]
            else:
                lines.append('%s%s: %s' % (lead, key, json.dumps(value)))
    return '\n'.join(lines) + '\n'


def _write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'w') as f:
        f.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--workspace', default=os.environ.get(
        'NUBE_TEMPEST_DIR', os.path.join(REPO, '.tempest')))
    args = parser.parse_args(argv)
    workspace = os.path.abspath(args.workspace)

    def log(msg):
        print('configure: %s' % msg, flush=True)

    cloud = Cloud(_env('OS_AUTH_URL'), _env('OS_USERNAME'),
                  _env('OS_PASSWORD'), _env('OS_PROJECT_NAME'),
                  _env('OS_USER_DOMAIN_NAME', 'Default'),
                  _env('OS_PROJECT_DOMAIN_NAME', 'Default'),
                  _env('OS_REGION_NAME', 'RegionOne'))
    accounts = ensure_identity(cloud, log, secrets.token_urlsafe(24))
    flavors = ensure_flavors(cloud, log)
    images = ensure_images(cloud, log)
    max_version = max_microversion(cloud)
    extensions = network_extensions(cloud)
    public = public_network(cloud)
    for sub in ('etc', 'logs', 'locks'):
        os.makedirs(os.path.join(workspace, sub), exist_ok=True)
    _write(os.path.join(workspace, 'etc', 'tempest.conf'),
           tempest_conf(workspace, cloud, flavors, images, max_version,
                        extensions, public))
    _write(os.path.join(workspace, 'etc', 'accounts.yaml'),
           accounts_yaml(accounts), mode=0o600)
    log('workspace %s (compute microversions %s-%s, flavors %s, images %s)'
        % (workspace, MIN_MICROVERSION, max_version, ','.join(flavors),
           ','.join(images)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
