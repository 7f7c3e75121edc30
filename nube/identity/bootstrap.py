"""Bootstrap: the first domain, admin, roles and catalog (idempotent).

Running it again changes nothing, except that it brings what it manages
back to what it was asked for: the admin's password, enabled flags, and
the URLs of the endpoints it creates (per service, interface, region).
Another region's endpoints come from running it with another region id.
"""

from oslo_log import log as logging

from nube.identity import manager as identity_manager
from nube.identity import password as passwords

LOG = logging.getLogger(__name__)

ROLES = ('admin', 'member', 'reader', 'service')
INTERFACES = ('public', 'internal', 'admin')

# service type -> (name, default port, path)
SERVICES = {
    'identity': ('keystone', 5000, '/v3'),
    'compute': ('nova', 8774, '/v2.1'),
    'image': ('glance', 9292, ''),
    'network': ('neutron', 9696, ''),
}

# What `nube-manage bootstrap` puts in the catalog unless told: a
# deployment lists the network service once it runs nube-network-api.
DEFAULT_SERVICES = ('identity', 'compute', 'image')


def default_urls(host, services=tuple(SERVICES)):
    """{service type: {interface: url}} for services on ``host``."""
    urls = {}
    for service_type in services:
        _name, port, path = SERVICES[service_type]
        url = 'http://%s:%d%s' % (host, port, path)
        urls[service_type] = {interface: url for interface in INTERFACES}
    return urls


def _find_or_create(manager, kind, values, match):
    found = manager.db.get_all(kind, **match)
    if found:
        return found[0], False
    return manager.create(kind, values), True


def bootstrap(manager, password, username='admin', project_name='admin',
              role_name='admin', region_id='RegionOne', urls=None,
              service_username='nube', service_password=None,
              report=print):
    """Make sure the cloud's first identities and catalog exist.

    ``manager`` is a nube.identity.manager.Manager; ``urls`` maps a
    service type to {interface: url} (see default_urls). With a
    ``service_password``, the user services authenticate as (for
    keystonemiddleware) gets the ``service`` role on project ``service``.
    Returns a dict of the ids it ensured (domain, project, user, roles,
    services).
    """
    domain_id = identity_manager.DEFAULT_DOMAIN_ID
    if manager.find_domain(domain_id) is None:
        manager.create('domain', {'id': domain_id, 'name': 'Default',
                                  'description': 'The default domain',
                                  'enabled': True})
        report('Created domain %s' % domain_id)

    project = _ensure_project(manager, project_name, report)

    roles = {}
    for name in dict.fromkeys(ROLES + (role_name,)):
        role, created = _find_or_create(manager, 'role', {'name': name},
                                        {'name': name})
        roles[name] = role
        if created:
            report('Created role %s' % name)

    user = _ensure_user(manager, username, password, project, report)
    if manager.grant(user['id'], project['id'], roles[role_name]['id']):
        report('Granted %s on %s to %s' % (role_name, project_name,
                                           username))
    if service_password:
        service_project = _ensure_project(manager, 'service', report)
        service_user = _ensure_user(manager, service_username,
                                    service_password, service_project,
                                    report)
        if manager.grant(service_user['id'], service_project['id'],
                         roles['service']['id']):
            report('Granted service on service to %s' % service_username)

    services = {}
    if urls:
        if manager.find('region', entity_id=region_id) is None:
            manager.create('region', {'id': region_id})
            report('Created region %s' % region_id)
        for service_type, by_interface in urls.items():
            name = SERVICES.get(service_type, (service_type,))[0]
            service, created = _find_or_create(
                manager, 'service', {'type': service_type, 'name': name},
                {'type': service_type})
            services[service_type] = service['id']
            if created:
                report('Created %s service %s' % (service_type, name))
            for interface, url in by_interface.items():
                _ensure_endpoint(manager, service['id'], interface,
                                 region_id, url, report)
    db_ids = {'domain_id': domain_id, 'project_id': project['id'],
              'user_id': user['id'],
              'role_ids': {n: r['id'] for n, r in roles.items()},
              'service_ids': services}
    return db_ids


def _ensure_endpoint(manager, service_id, interface, region_id, url, report):
    found = manager.db.get_all('endpoint', service_id=service_id,
                               interface=interface, region_id=region_id)
    if not found:
        manager.create('endpoint', {'service_id': service_id,
                                    'interface': interface,
                                    'region_id': region_id, 'url': url,
                                    'enabled': True})
        report('Created %s endpoint %s in %s' % (interface, url, region_id))
        return
    endpoint = found[0]
    if endpoint['url'] != url or not endpoint['enabled']:
        manager.update('endpoint', endpoint['id'], {'url': url,
                                                    'enabled': True})
        report('Updated %s endpoint in %s to %s' % (interface, region_id,
                                                    url))


def _ensure_project(manager, name, report):
    domain_id = identity_manager.DEFAULT_DOMAIN_ID
    project = manager.find('project', name=name, domain_id=domain_id)
    if project is None:
        project = manager.create_project({'name': name,
                                          'domain_id': domain_id})
        report('Created project %s' % name)
    elif not project['enabled']:
        project = manager.update_project(project['id'], {'enabled': True})
    return project


def _ensure_user(manager, name, password, project, report):
    """The user, enabled, with this password (reset if it differs)."""
    domain_id = identity_manager.DEFAULT_DOMAIN_ID
    user = manager.find('user', name=name, domain_id=domain_id)
    if user is None:
        user = manager.create_user({'name': name, 'domain_id': domain_id,
                                    'password': password,
                                    'default_project_id': project['id']})
        report('Created user %s' % name)
        return user
    changes = {}
    if not user['enabled']:
        changes['enabled'] = True
    if not passwords.check_password(password, user['password_hash']):
        changes['password'] = password
    if changes:
        user = manager.update_user(user['id'], changes)
        report('Updated user %s (%s)' % (name, ', '.join(sorted(changes))))
    return user
