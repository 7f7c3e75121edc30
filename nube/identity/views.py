"""Entities as Keystone v3 shows them."""

from nube.identity import common


def _links(req, collection, entity_id):
    return common.entity_links(req, collection, entity_id)


def domain(req, d):
    return {'id': d['id'], 'name': d['name'],
            'description': d['description'] or '', 'enabled': d['enabled'],
            'tags': [], 'options': {},
            'links': _links(req, 'domains', d['id'])}


def project(req, p):
    return {'id': p['id'], 'name': p['name'], 'domain_id': p['domain_id'],
            'description': p['description'] or '', 'enabled': p['enabled'],
            'is_domain': False, 'parent_id': p['domain_id'], 'tags': [],
            'options': {}, 'links': _links(req, 'projects', p['id'])}


def user(req, u):
    body = dict(u.get('extra') or {})
    body.update({'id': u['id'], 'name': u['name'],
                 'domain_id': u['domain_id'], 'enabled': u['enabled'],
                 'password_expires_at': None, 'options': {},
                 'links': _links(req, 'users', u['id'])})
    if u.get('default_project_id'):
        body['default_project_id'] = u['default_project_id']
    if u.get('description') is not None:
        body['description'] = u['description']
    return body


def role(req, r):
    return {'id': r['id'], 'name': r['name'], 'domain_id': None,
            'description': r['description'], 'options': {},
            'links': _links(req, 'roles', r['id'])}


def region(req, r):
    return {'id': r['id'], 'description': r['description'] or '',
            'parent_region_id': r['parent_region_id'],
            'links': _links(req, 'regions', r['id'])}


def service(req, s):
    body = {'id': s['id'], 'type': s['type'], 'enabled': s['enabled'],
            'links': _links(req, 'services', s['id'])}
    if s['name'] is not None:
        body['name'] = s['name']
    if s['description'] is not None:
        body['description'] = s['description']
    return body


def endpoint(req, e):
    return {'id': e['id'], 'interface': e['interface'],
            'region_id': e['region_id'], 'region': e['region_id'],
            'url': e['url'], 'service_id': e['service_id'],
            'enabled': e['enabled'],
            'links': _links(req, 'endpoints', e['id'])}


VIEWS = {'domain': domain, 'project': project, 'user': user, 'role': role,
         'region': region, 'service': service, 'endpoint': endpoint}
