"""JSON-schema validation of request bodies with Nova's error messages.

A failure becomes 400 badRequest "Invalid input for field/attribute NAME.
Value: V. <what is wrong>" so clients learn which field to fix.
"""

import base64
import binascii
import ipaddress
import re
import unicodedata

import jsonschema
from oslo_utils import timeutils
from oslo_utils import uuidutils
import webob.exc


class InvalidName(ValueError):
    """A name with control characters or surrounding whitespace."""


_NAME_REASON = 'printable characters. Can not start or end with whitespace.'
_NAME_SPACES_REASON = 'printable characters with at least one non space ' \
                      'character'


def _printable(value):
    return all(unicodedata.category(ch)[0] != 'C' for ch in value)


_checker = jsonschema.FormatChecker(formats=())


@_checker.checks('name', raises=InvalidName)
def _check_name(value):
    if not isinstance(value, str):
        return True
    if (not _printable(value) or value != value.strip()):
        raise InvalidName("An invalid 'name' value was provided. The name "
                          "must be: %s" % _NAME_REASON)
    return True


@_checker.checks('name_with_leading_trailing_spaces', raises=InvalidName)
def _check_name_spaces(value):
    if not isinstance(value, str):
        return True
    if not _printable(value) or not value.strip():
        raise InvalidName("An invalid 'name' value was provided. The name "
                          "must be: %s" % _NAME_SPACES_REASON)
    return True


@_checker.checks('uuid')
def _check_uuid(value):
    if not isinstance(value, str):
        return True
    return uuidutils.is_uuid_like(value)


@_checker.checks('base64')
def _check_base64(value):
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value.encode('utf-8'), validate=False)
    except (binascii.Error, ValueError):
        return False
    return True


def _ip_checker(cls):
    def check(value):
        if not isinstance(value, str):
            return True
        try:
            cls(value)
        except ValueError:
            return False
        return True
    return check


_checker.checks('ipv4')(_ip_checker(ipaddress.IPv4Address))
_checker.checks('ipv6')(_ip_checker(ipaddress.IPv6Address))


@_checker.checks('date-time')
def _check_date_time(value):
    if not isinstance(value, str):
        return True
    try:
        timeutils.parse_isotime(value)
    except ValueError:
        return False
    return True


def _message(error):
    if isinstance(error.cause, InvalidName):
        return str(error.cause)
    if len(error.path) > 0:
        return ('Invalid input for field/attribute %(path)s. Value: '
                '%(value)s. %(message)s' % {'path': error.path.pop(),
                                            'value': error.instance,
                                            'message': error.message})
    return error.message


_NUMERIC_STRING = re.compile(r'^-?[0-9]+(\.[0-9]+)?$')


def _as_number(instance):
    """'2147483648' -> 2147483648: Nova's integer parameters may be
    strings, and their bounds must hold for those too. Beyond int()'s
    4300 digits a float (inf) still compares."""
    if not isinstance(instance, str) or not _NUMERIC_STRING.match(instance):
        return instance
    try:
        return int(instance)
    except ValueError:
        return float(instance)


def _string_bound(check):
    def bound(validator, value, instance, schema):
        return check(validator, value, _as_number(instance), schema)
    return bound


# Draft 4 whose minimum and maximum also bound numeric strings.
_Validator = jsonschema.validators.extend(jsonschema.Draft4Validator, {
    name: _string_bound(jsonschema.Draft4Validator.VALIDATORS[name])
    for name in ('minimum', 'maximum')})


def validate(schema, body):
    """Validate ``body`` (None counts as {}); 400 badRequest on failure."""
    if body is None:
        body = {}
    validator = _Validator(schema, format_checker=_checker)
    try:
        validator.validate(body)
    except jsonschema.ValidationError as error:
        raise webob.exc.HTTPBadRequest(explanation=_message(error))
    return body
