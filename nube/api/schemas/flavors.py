"""Request schemas for /flavors and their extra specs (Nova's, at 2.1)."""

from nube.api.schemas import parameter_types as types

create = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {
                'name': types.name,
                'id': {
                    'type': ['string', 'number', 'null'],
                    'minLength': 1, 'maxLength': 255,
                    'pattern': '^(?! )[a-zA-Z0-9. _-]+(?<! )$',
                },
                'ram': types.flavor_param_positive,
                'vcpus': types.flavor_param_positive,
                'disk': types.flavor_param_non_negative,
                'OS-FLV-EXT-DATA:ephemeral': types.flavor_param_non_negative,
                'swap': types.flavor_param_non_negative,
                'rxtx_factor': {
                    'type': ['number', 'string'],
                    'pattern': r'^[0-9]+(\.[0-9]+)?$',
                    'minimum': 0, 'exclusiveMinimum': True,
                    'maximum': 3.40282e+38,
                },
                'os-flavor-access:is_public': types.boolean,
            },
            # 'id' may be absent or null: the server then makes one up.
            'required': ['name', 'ram', 'vcpus', 'disk'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}

_spec_key = '^[a-zA-Z0-9-_:. ]{1,255}$'
_spec_value = {'type': ['string', 'number', 'boolean'],
               'minLength': 1, 'maxLength': 255}

extra_specs_create = {
    'type': 'object',
    'properties': {
        'extra_specs': {
            'type': 'object',
            'patternProperties': {_spec_key: _spec_value},
            'additionalProperties': False,
        },
    },
    'required': ['extra_specs'],
    'additionalProperties': False,
}

extra_spec_update = {
    'type': 'object',
    'patternProperties': {_spec_key: _spec_value},
    'additionalProperties': False,
    'minProperties': 1,
    'maxProperties': 1,
}
