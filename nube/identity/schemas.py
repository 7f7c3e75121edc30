"""JSON schemas of the request bodies nube-identity accepts."""

_id = {'type': 'string', 'minLength': 1, 'maxLength': 64}
_name = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_description = {'type': ['string', 'null']}
_enabled = {'type': 'boolean'}
_password = {'type': ['string', 'null'], 'maxLength': 4096}

_domain_ref = {
    'type': 'object',
    'properties': {'id': _id, 'name': _name},
    'anyOf': [{'required': ['id']}, {'required': ['name']}],
}

_user_ref = {
    'type': 'object',
    'properties': {
        'id': _id,
        'name': _name,
        'domain': _domain_ref,
        'password': {'type': 'string', 'maxLength': 4096},
    },
    'required': ['password'],
    'anyOf': [{'required': ['id']}, {'required': ['name', 'domain']}],
}

auth = {
    'type': 'object',
    'properties': {
        'auth': {
            'type': 'object',
            'properties': {
                'identity': {
                    'type': 'object',
                    'properties': {
                        'methods': {
                            'type': 'array', 'minItems': 1,
                            'items': {'type': 'string'},
                        },
                        'password': {
                            'type': 'object',
                            'properties': {'user': _user_ref},
                            'required': ['user'],
                        },
                        'token': {
                            'type': 'object',
                            'properties': {'id': {'type': 'string',
                                                  'minLength': 1}},
                            'required': ['id'],
                        },
                    },
                    'required': ['methods'],
                },
                'scope': {
                    'oneOf': [
                        {'type': 'string', 'enum': ['unscoped']},
                        {'type': 'object',
                         'properties': {
                             'project': {
                                 'type': 'object',
                                 'properties': {'id': _id, 'name': _name,
                                                'domain': _domain_ref},
                                 'anyOf': [{'required': ['id']},
                                           {'required': ['name', 'domain']}],
                             },
                             'domain': _domain_ref,
                             'system': {'type': 'object'},
                             'OS-TRUST:trust': {'type': 'object'},
                         }},
                    ],
                },
            },
            'required': ['identity'],
        },
    },
    'required': ['auth'],
}


def _wrapped(key, properties, required=(), extra=False):
    inner = {'type': 'object', 'properties': properties,
             'additionalProperties': extra}
    if required:
        inner['required'] = list(required)
    return {'type': 'object', 'properties': {key: inner}, 'required': [key],
            'additionalProperties': False}


_user_props = {
    'name': _name,
    'domain_id': _id,
    'password': _password,
    'enabled': _enabled,
    'default_project_id': {'type': ['string', 'null'], 'maxLength': 64},
    'description': _description,
    'options': {'type': 'object'},
}
# Users carry whatever else a client sets (email, ...), as in Keystone.
user_create = _wrapped('user', _user_props, ['name'], extra=True)
user_update = _wrapped('user', _user_props, extra=True)

password_change = _wrapped('user', {
    'password': {'type': 'string', 'maxLength': 4096},
    'original_password': {'type': 'string', 'maxLength': 4096},
}, ['password', 'original_password'])

_project_props = {
    'name': _name,
    'domain_id': _id,
    'description': _description,
    'enabled': _enabled,
    'is_domain': {'type': 'boolean', 'enum': [False]},
    'parent_id': {'type': ['string', 'null'], 'maxLength': 64},
    'tags': {'type': 'array', 'maxItems': 0},
    'options': {'type': 'object'},
}
project_create = _wrapped('project', _project_props, ['name'])
project_update = _wrapped('project', _project_props)

_role_props = {
    'name': _name,
    'description': _description,
    'domain_id': {'type': 'null'},
    'options': {'type': 'object'},
}
role_create = _wrapped('role', _role_props, ['name'])
role_update = _wrapped('role', _role_props)

_service_props = {
    'type': _name,
    'name': _name,
    'description': _description,
    'enabled': _enabled,
}
service_create = _wrapped('service', _service_props, ['type'])
service_update = _wrapped('service', _service_props)

_endpoint_props = {
    'service_id': _id,
    'interface': {'type': 'string',
                  'enum': ['public', 'internal', 'admin']},
    'url': {'type': 'string', 'minLength': 1, 'maxLength': 1024,
            'pattern': '^[a-zA-Z0-9+.-]+://'},
    'region_id': {'type': ['string', 'null'], 'maxLength': 255},
    'region': {'type': ['string', 'null'], 'maxLength': 255},
    'enabled': _enabled,
}
endpoint_create = _wrapped('endpoint', _endpoint_props,
                           ['service_id', 'interface', 'url'])
endpoint_update = _wrapped('endpoint', _endpoint_props)

_region_props = {
    'id': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'description': _description,
    'parent_region_id': {'type': ['string', 'null'], 'maxLength': 255},
}
region_create = _wrapped('region', _region_props)
region_update = _wrapped('region', {k: v for k, v in _region_props.items()
                                    if k != 'id'})
