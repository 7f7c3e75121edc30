"""JSON schemas: the ones the API serves (Glance's image, images, member
and members schemas, which glanceclient validates responses with) and the
ones request bodies are checked against."""

import copy

import jsonschema

from nube import exception
import nube.conf

CONF = nube.conf.CONF

UUID_PATTERN = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')
STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading',
            'importing', 'pending_delete', 'deactivated']
VISIBILITIES = ['community', 'public', 'private', 'shared']
# What the image database holds: INT columns, TEXT values, and Glance's
# default image_tag_quota and image_property_quota.
MAX_INT = 2 ** 31 - 1
MAX_PROPERTY_VALUE = 65535
MAX_TAGS = 128
MAX_PROPERTIES = 128
# Glance's default image_location_quota and image_member_quota.
MAX_LOCATIONS = 10
MAX_MEMBERS = 128
# Names, owners, member ids, tags: VARCHAR(255).
MAX_NAME = 255


def _nullable_string(description, **extra):
    return dict(type=['null', 'string'], description=description, **extra)


def _read_only(kind, description, **extra):
    return dict(type=kind, readOnly=True, description=description, **extra)


def base_properties():
    """The image attributes Glance defines (is_base)."""
    return {
        'id': {'type': 'string', 'pattern': UUID_PATTERN,
               'description': 'An identifier for the image'},
        'name': _nullable_string('Descriptive name for the image',
                                 maxLength=255),
        'status': _read_only('string', 'Status of the image',
                             enum=list(STATUSES)),
        'visibility': {'type': 'string', 'enum': list(VISIBILITIES),
                       'description': 'Scope of image accessibility'},
        'protected': {'type': 'boolean', 'description':
                      'If true, image will not be deletable.'},
        'os_hidden': {'type': 'boolean', 'description':
                      'If true, image will not appear in default image '
                      'list response.'},
        'checksum': _read_only(['null', 'string'],
                               'md5 hash of image contents.', maxLength=32),
        'os_hash_algo': _read_only(['null', 'string'],
                                   'Algorithm to calculate the '
                                   'os_hash_value', maxLength=64),
        'os_hash_value': _read_only(['null', 'string'],
                                    'Hexdigest of the image contents using '
                                    'the algorithm specified by the '
                                    'os_hash_algo', maxLength=128),
        'owner': _nullable_string('Owner of the image', maxLength=255),
        'size': _read_only(['null', 'integer'],
                           'Size of image file in bytes'),
        'virtual_size': _read_only(['null', 'integer'],
                                   'Virtual size of image in bytes'),
        'container_format': _nullable_string(
            'Format of the container',
            enum=[None] + list(CONF.image_api.container_formats)),
        'disk_format': _nullable_string(
            'Format of the disk',
            enum=[None] + list(CONF.image_api.disk_formats)),
        'created_at': _read_only('string',
                                 'Date and time of image registration'),
        'updated_at': _read_only('string', 'Date and time of the last '
                                           'image modification'),
        'tags': {'type': 'array', 'description':
                 'List of strings related to the image',
                 'maxItems': MAX_TAGS,
                 'items': {'type': 'string', 'maxLength': 255}},
        'direct_url': _read_only('string', 'URL to access the image file '
                                           'kept in external store'),
        'min_ram': {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT,
                    'description':
                    'Amount of ram (in MB) required to boot image.'},
        'min_disk': {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT,
                     'description':
                     'Amount of disk space (in GB) required to boot '
                     'image.'},
        'self': _read_only('string', 'An image self url'),
        'file': _read_only('string', 'An image file url'),
        'stores': _read_only('string', 'Store in which image data resides.'),
        'schema': _read_only('string', 'An image schema url'),
        'locations': {
            'type': 'array',
            'description': 'A set of URLs to access the image file kept in '
                           'external store',
            'items': {
                'type': 'object',
                'properties': {
                    'url': {'type': 'string', 'maxLength': 255},
                    'metadata': {'type': 'object'},
                    'validation_data': {
                        'type': 'object', 'writeOnly': True,
                        'additionalProperties': False,
                        'properties': {
                            'checksum': {'type': 'string', 'minLength': 32,
                                         'maxLength': 32},
                            'os_hash_algo': {'type': 'string',
                                             'maxLength': 64},
                            'os_hash_value': {'type': 'string',
                                              'maxLength': 128},
                        },
                        'required': ['os_hash_algo', 'os_hash_value'],
                    },
                },
                'required': ['url', 'metadata'],
            },
        },
    }


def custom_properties():
    """Well-known optional properties (Glance's default schema-image.json
    kind): listed so clients know their types; they are not base."""
    uuid_or_null = {'type': ['null', 'string'], 'pattern': UUID_PATTERN}
    props = {
        'kernel_id': dict(uuid_or_null, description='ID of image stored in '
                          'the image service that should be used as the '
                          'kernel when booting an AMI-style image.'),
        'ramdisk_id': dict(uuid_or_null, description='ID of image stored in '
                           'the image service that should be used as the '
                           'ramdisk when booting an AMI-style image.'),
        'instance_uuid': {'type': 'string', 'description': 'Metadata which '
                          'can be used to record which instance this image '
                          'is associated with.'},
        'architecture': {'type': 'string', 'description':
                         'Operating system architecture'},
        'os_distro': {'type': 'string', 'description':
                      'Common name of operating system distribution'},
        'os_version': {'type': 'string', 'description':
                       'Operating system version as specified by the '
                       'distributor'},
        'description': {'type': 'string', 'description':
                        'A human-readable string describing this image.'},
    }
    for prop in props.values():
        prop['is_base'] = False
        prop.setdefault('maxLength', MAX_PROPERTY_VALUE)
    return props


def image_schema():
    properties = base_properties()
    properties.update(custom_properties())
    return {
        'name': 'image',
        'properties': properties,
        'additionalProperties': {'type': 'string',
                                 'maxLength': MAX_PROPERTY_VALUE},
        'links': [{'rel': 'self', 'href': '{self}'},
                  {'rel': 'enclosure', 'href': '{file}'},
                  {'rel': 'describedby', 'href': '{schema}'}],
    }


def images_schema():
    return {
        'name': 'images',
        'properties': {
            'images': {'type': 'array', 'items': image_schema()},
            'schema': {'type': 'string'},
            'first': {'type': 'string'},
            'next': {'type': 'string'},
        },
        'links': [{'rel': 'first', 'href': '{first}'},
                  {'rel': 'next', 'href': '{next}'},
                  {'rel': 'describedby', 'href': '{schema}'}],
    }


def member_schema():
    return {
        'name': 'member',
        'properties': {
            'created_at': {'type': 'string', 'description':
                           'Date and time of image member creation'},
            'image_id': {'type': 'string', 'pattern': UUID_PATTERN,
                         'description': 'An identifier for the image'},
            'member_id': {'type': 'string', 'description':
                          'An identifier for the image member (tenantId)'},
            'status': {'type': 'string', 'enum': ['pending', 'accepted',
                                                  'rejected'],
                       'description': 'The status of this image member'},
            'updated_at': {'type': 'string', 'description':
                           'Date and time of last modification of image '
                           'member'},
            'schema': {'type': 'string', 'readOnly': True},
        },
    }


def members_schema():
    return {
        'name': 'members',
        'properties': {
            'members': {'type': 'array', 'items': member_schema()},
            'schema': {'type': 'string'},
        },
        'links': [{'rel': 'describedby', 'href': '{schema}'}],
    }


SCHEMAS = {'image': image_schema, 'images': images_schema,
           'member': member_schema, 'members': members_schema}

# -- request bodies -------------------------------------------------------

MEMBER_CREATE = {
    'type': 'object',
    'properties': {'member': {'type': 'string', 'minLength': 1,
                              'maxLength': 255}},
    'required': ['member'],
    'additionalProperties': False,
}

MEMBER_UPDATE = {
    'type': 'object',
    'properties': {'status': {'type': 'string',
                              'enum': ['pending', 'accepted', 'rejected']}},
    'required': ['status'],
    'additionalProperties': False,
}

IMPORT = {
    'type': 'object',
    'properties': {
        'method': {
            'type': 'object',
            'properties': {'name': {'type': 'string'},
                           'uri': {'type': 'string'}},
            'required': ['name'],
        },
        'stores': {'type': 'array', 'items': {'type': 'string'}},
        'all_stores': {'type': 'boolean'},
        'all_stores_must_succeed': {'type': 'boolean'},
    },
    'required': ['method'],
}

PATCH = {
    'type': 'array',
    'items': {'type': 'object'},
}


def _for_validation(schema):
    """Glance's image schema with the bits a validator must not enforce
    on requests removed (readOnly is checked by name, not by schema)."""
    schema = copy.deepcopy(schema)
    schema.pop('links', None)
    schema.pop('name', None)
    return schema


def validate(schema, body, name=None):
    """Raise Invalid (400) unless body matches schema."""
    validator = jsonschema.Draft4Validator(_for_validation(schema))
    error = next(iter(sorted(validator.iter_errors(body),
                             key=lambda e: list(e.path))), None)
    if error is not None:
        if name:
            raise exception.Invalid("Provided object does not match schema "
                                    "'%s': %s" % (name, error.message))
        raise exception.Invalid(error.message)
