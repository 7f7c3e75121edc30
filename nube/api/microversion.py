"""Compute API microversions: which one a request asked for, and the echo.

Clients send ``OpenStack-API-Version: compute 2.X`` and/or the legacy
``X-OpenStack-Nova-API-Version: 2.X``; no header means the minimum, 2.1.
"""

import re

import microversion_parse

SERVICE_TYPE = 'compute'
HEADER = 'OpenStack-API-Version'
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'
VARY = '%s, %s' % (HEADER, LEGACY_HEADER)

MIN_VERSION_STRING = '2.1'
MAX_VERSION_STRING = '2.47'

# Nova's format; at most 9 digits a part, so int() never meets a number
# of thousands of digits (a ValueError, not a version) from a header.
_VERSION_RE = re.compile(r'^([1-9]\d{0,8})\.([1-9]\d{0,8}|0)$')


class InvalidVersionString(ValueError):
    """The header value is not MAJOR.MINOR (400)."""


class UnsupportedVersion(ValueError):
    """A well formed version outside [MIN, MAX] (406)."""


def parse(version_string):
    """'2.19' -> Version(2, 19); InvalidVersionString when malformed."""
    match = _VERSION_RE.match(version_string.strip())
    if not match:
        raise InvalidVersionString(
            'API Version String %s is of invalid format. Must be of format '
            'MajorNum.MinorNum.' % version_string)
    return microversion_parse.Version(int(match.group(1)),
                                      int(match.group(2)))


MIN_VERSION = parse(MIN_VERSION_STRING)
MAX_VERSION = parse(MAX_VERSION_STRING)


def from_headers(headers):
    """The Version a request asks for (MIN when it names none)."""
    value = microversion_parse.get_version(
        headers, service_type=SERVICE_TYPE, legacy_headers=[LEGACY_HEADER])
    if value is None or not value.strip():
        return MIN_VERSION
    if value.strip().lower() == 'latest':
        return MAX_VERSION
    version = parse(value)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise UnsupportedVersion(
            'Version %s is not supported by the API. Minimum is %s and '
            'maximum is %s.' % (value.strip(), MIN_VERSION_STRING,
                                MAX_VERSION_STRING))
    return version


def add_headers(response, version):
    """Echo the version in both header styles and say responses vary."""
    response.headers[HEADER] = '%s %s' % (SERVICE_TYPE, version)
    response.headers[LEGACY_HEADER] = str(version)
    response.headers['Vary'] = VARY
    return response
