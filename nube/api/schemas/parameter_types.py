"""Schema fragments shared by the request schemas (Nova's parameter types)."""

# Bounds of what reaches the database: integer columns are 32-bit
# (Nova's db.MAX_INT), rxtx_factor a FLOAT (Nova's SQL_SP_FLOAT_MAX), and
# lists get a maximum length so no request does unbounded work.
MAX_INT = 0x7FFFFFFF
SQL_SP_FLOAT_MAX = 3.40282e+38
MAX_NETWORKS = 100
MAX_BLOCK_DEVICE_MAPPINGS = 100
MAX_SECURITY_GROUPS = 100
MAX_PERSONALITY_FILES = 100   # the quota (5, a 403) is checked after
MAX_HINT_ITEMS = 100

boolean = {
    'type': ['boolean', 'string'],
    'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on',
             'YES', 'Yes', 'yes', 'y', 't',
             False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off',
             'NO', 'No', 'no', 'n', 'f'],
}

# The bounds also hold for the string forms (see validation.py).
positive_integer = {
    'type': ['integer', 'string'],
    'pattern': '^[0-9]*$', 'minimum': 1, 'maximum': MAX_INT,
    'minLength': 1,
}

non_negative_integer = {
    'type': ['integer', 'string'],
    'pattern': '^[0-9]*$', 'minimum': 0, 'maximum': MAX_INT,
    'minLength': 1,
}

# Printable, 1-255 characters, no whitespace at either end.
name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'format': 'name'}

# The legacy /v2 endpoint tolerates whitespace around names.
name_with_leading_trailing_spaces = {
    'type': 'string', 'minLength': 1, 'maxLength': 255,
    'format': 'name_with_leading_trailing_spaces'}

description = {
    'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255,
    'pattern': r'^[^\x00-\x1f\x7f]*$',
}

uuid = {'type': 'string', 'format': 'uuid'}

image_id = uuid

image_id_or_empty_string = {
    'oneOf': [{'type': 'string', 'format': 'uuid'},
              {'type': 'string', 'maxLength': 0}]}

server_id = uuid

flavor_ref = {'type': ['string', 'integer'], 'minLength': 1,
              'maxLength': 255, 'minimum': -MAX_INT - 1, 'maximum': MAX_INT}

admin_password = {'type': 'string', 'maxLength': 255}

metadata = {
    'type': 'object',
    'patternProperties': {
        '^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string', 'maxLength': 255},
    },
    'additionalProperties': False,
}

ip_address = {'type': 'string', 'maxLength': 64,
              'oneOf': [{'format': 'ipv4'}, {'format': 'ipv6'}]}

access_ipv4 = {'type': 'string', 'format': 'ipv4'}
access_ipv6 = {'type': 'string', 'format': 'ipv6'}

disk_config = {'type': 'string', 'enum': ['AUTO', 'MANUAL']}

personality = {
    'type': 'array',
    'maxItems': MAX_PERSONALITY_FILES,
    'items': {
        'type': 'object',
        'properties': {
            'path': {'type': 'string', 'maxLength': 4096},
            'contents': {'type': 'string', 'format': 'base64',
                         'maxLength': 65535},
        },
        'additionalProperties': False,
    },
}

volume_size = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$',
               'minimum': 1, 'maximum': MAX_INT}

tag = {'type': 'string', 'maxLength': 60, 'pattern': '^[^,/]*$'}

flavor_param_positive = {
    'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
    'minimum': 1, 'maximum': MAX_INT, 'minLength': 1,
}

flavor_param_non_negative = {
    'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
    'minimum': 0, 'maximum': MAX_INT, 'minLength': 1,
}
