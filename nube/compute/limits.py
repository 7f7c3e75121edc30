"""Hard limits on one server create, checked before any per-server work.

``[api] max_count`` caps how many servers one request may ask for (the
compute API builds a record per server, so an unchecked count of 2**31
would never finish). The personality and metadata limits are the
project's quotas (``metadata_items``, ``injected_files``,
``injected_file_path_length``, ``injected_file_content_bytes``: the
caller's project and user, as Nova checks them; without a database the
defaults), reported by GET /limits and answered with Nova's 403.
"""

import base64
import binascii

import nube.conf
from nube import exception
from nube import quota

CONF = nube.conf.CONF

_PER_ITEM = ('metadata_items', 'injected_files', 'injected_file_path_length',
             'injected_file_content_bytes')


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


def item_limits(db=None, ctxt=None):
    """``{resource: limit or None}`` of the per-item quotas that apply to
    the caller: the smaller of its project's and its user's (None: no
    limit); the defaults when no database is given."""
    if db is None or ctxt is None:
        layers = [quota.config_defaults()]
    else:
        layers = [quota.get_project(db, ctxt.project_id)]
        if ctxt.user_id:
            layers.append(quota.get_project(db, ctxt.project_id,
                                            ctxt.user_id))
    result = {}
    for name in _PER_ITEM:
        finite = [layer[name] for layer in layers
                  if layer[name] != quota.UNLIMITED]
        result[name] = min(finite) if finite else None
    return result


def metadata_limit(db=None, ctxt=None):
    return item_limits(db, ctxt)['metadata_items']


def check_metadata(metadata, db=None, ctxt=None, limits=None):
    """403 (Nova's quota answer) for more items than the quota allows.
    ``limits``: what item_limits answered, if the caller has it."""
    if not metadata:
        return
    allowed = (limits or item_limits(db, ctxt))['metadata_items']
    if allowed is not None and len(metadata) > allowed:
        raise exception.MetadataLimitExceeded(allowed=allowed)


def check_personality(files, db=None, ctxt=None, limits=None):
    """403 as Nova's injected-file quotas answer (the files are ignored:
    nube guests get no file injection)."""
    files = files or []
    if not files:
        return
    limits = limits or item_limits(db, ctxt)
    count = limits['injected_files']
    path_length = limits['injected_file_path_length']
    content_bytes = limits['injected_file_content_bytes']
    if count is not None and len(files) > count:
        raise PersonalityLimitExceeded()
    for item in files:
        if path_length is not None and \
                len(item.get('path') or '') > path_length:
            raise PersonalityPathLimitExceeded(allowed=path_length)
        if content_bytes is not None and \
                _decoded_size(item.get('contents')) > content_bytes:
            raise PersonalityContentLimitExceeded(allowed=content_bytes)


def _decoded_size(contents):
    try:
        return len(base64.b64decode((contents or '').encode('utf-8')))
    except (binascii.Error, ValueError):
        # The schema checked the format; count the text if it still fails.
        return len(contents)
