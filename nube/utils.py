"""Small helpers shared by every service."""

import datetime
import json

from oslo_utils import timeutils


def utcnow():
    """Naive UTC now, as stored in the databases."""
    return timeutils.utcnow().replace(tzinfo=None)


def isotime(value):
    """Nova's timestamp format, 2012-08-20T21:11:09Z; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    # Formatting the fields is several times faster than strftime.
    return '%04d-%02d-%02dT%02d:%02d:%02dZ' % (
        value.year, value.month, value.day, value.hour, value.minute,
        value.second)


def parse_isotime(value):
    """Parse an ISO 8601 time into naive UTC; ValueError when it is not one."""
    parsed = timeutils.parse_isotime(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return parsed


def dumps(value):
    return json.dumps(value, separators=(',', ':'))


def loads(value, default=None):
    if value in (None, ''):
        return default
    return json.loads(value)
