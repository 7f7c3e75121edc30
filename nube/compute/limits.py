"""Hard limits on one server create, checked before any per-server work.

``[api] max_count`` caps how many servers one request may ask for (the
compute API builds a record per server, so an unchecked count of 2**31
would never finish). The personality and metadata limits are Nova's
quota defaults, reported by GET /limits and answered with Nova's 403.
"""

import base64
import binascii

from nube.compute import instance_ops
import nube.conf
from nube import exception

CONF = nube.conf.CONF

# Nova's quota defaults (injected_files, injected_file_path_length,
# injected_file_content_bytes, metadata_items).
PERSONALITY_FILES = 5
PERSONALITY_PATH_LENGTH = 255
PERSONALITY_CONTENT_BYTES = 10240
METADATA_ITEMS = instance_ops.METADATA_ITEMS


class TooManyInstances(exception.Invalid):
    msg_fmt = '%(field)s must be <= %(limit)d'


class PersonalityLimitExceeded(exception.OverQuota):
    msg_fmt = 'Personality file limit exceeded'


class PersonalityPathLimitExceeded(exception.OverQuota):
    msg_fmt = 'Personality file path exceeds maximum %(allowed)d'


class PersonalityContentLimitExceeded(exception.OverQuota):
    msg_fmt = 'Personality file content exceeds maximum %(allowed)d'


def check_counts(min_count, max_count):
    """400 when either count exceeds ``[api] max_count`` or min > max."""
    limit = CONF.api.max_count
    for field, value in (('min_count', min_count), ('max_count', max_count)):
        if value > limit:
            raise TooManyInstances(field=field, limit=limit)
    if min_count > max_count:
        raise exception.Invalid('min_count must be <= max_count')


def check_metadata(metadata):
    """403 (Nova's quota answer) for more than METADATA_ITEMS items."""
    if metadata and len(metadata) > METADATA_ITEMS:
        raise exception.MetadataLimitExceeded(allowed=METADATA_ITEMS)


def check_personality(files):
    """403 as Nova's injected-file quotas answer (the files are ignored:
    nube guests get no file injection)."""
    files = files or []
    if len(files) > PERSONALITY_FILES:
        raise PersonalityLimitExceeded()
    for item in files:
        if len(item.get('path') or '') > PERSONALITY_PATH_LENGTH:
            raise PersonalityPathLimitExceeded(
                allowed=PERSONALITY_PATH_LENGTH)
        if _decoded_size(item.get('contents')) > PERSONALITY_CONTENT_BYTES:
            raise PersonalityContentLimitExceeded(
                allowed=PERSONALITY_CONTENT_BYTES)


def _decoded_size(contents):
    try:
        return len(base64.b64decode((contents or '').encode('utf-8')))
    except (binascii.Error, ValueError):
        # The schema checked the format; count the text if it still fails.
        return len(contents)
