"""Exit codes of `nube` (documented in doc/cli.md; scripts rely on them).
"""

OK = 0
ERROR = 1            # the cloud said no (HTTP error), connection failure
USAGE = 2            # bad arguments or configuration (no usable cloud)
NOT_FOUND = 3        # the named resource does not exist (HTTP 404)
TIMEOUT = 4          # --wait gave up before the resource got there
RESOURCE_ERROR = 5   # the waited-for resource went to ERROR
CHECKSUM = 6         # downloaded image data does not match its checksum
INTERRUPTED = 130    # Ctrl-C

TABLE = (
    (OK, 'success'),
    (ERROR, 'API error (HTTP 4xx/5xx other than 404), authentication or '
            'connection failure'),
    (USAGE, 'usage error: bad arguments, unknown column, missing or '
            'unknown cloud configuration'),
    (NOT_FOUND, 'resource not found (HTTP 404 or no such name)'),
    (TIMEOUT, 'timed out waiting (--wait / --timeout)'),
    (RESOURCE_ERROR, 'the resource went to ERROR while waiting'),
    (CHECKSUM, 'downloaded data failed checksum verification'),
    (INTERRUPTED, 'interrupted (Ctrl-C)'),
)


class UsageError(Exception):
    """A command found its arguments unusable after parsing."""


def exit_code(exc):
    """The exit code for an exception a command let through."""
    from keystoneauth1 import exceptions as ksa_exc

    from nube.cli import output
    from nube.client import exceptions as exc_mod

    if isinstance(exc, (UsageError, output.ColumnError,
                        exc_mod.ConfigError)):
        return USAGE
    if isinstance(exc, (exc_mod.NotFound, ksa_exc.NotFound)):
        return NOT_FOUND
    if isinstance(exc, exc_mod.Timeout):
        return TIMEOUT
    if isinstance(exc, exc_mod.ResourceInErrorState):
        return RESOURCE_ERROR
    if isinstance(exc, exc_mod.ChecksumMismatch):
        return CHECKSUM
    if isinstance(exc, (ksa_exc.MissingRequiredOptions,
                        ksa_exc.MissingAuthPlugin, ksa_exc.NoMatchingPlugin,
                        ksa_exc.OptionError)):
        return USAGE
    if isinstance(exc, _config_errors()):
        return USAGE
    return ERROR


def _config_errors():
    try:
        from openstack import exceptions as sdk_exc
    except ImportError:  # pragma: no cover - openstacksdk is optional
        return ()
    return (sdk_exc.ConfigException,)


def message(exc):
    """One line for stderr: the server's message and the request id."""
    text = str(exc) or exc.__class__.__name__
    request_id = getattr(exc, 'request_id', None)
    if request_id and request_id not in text:
        text = '%s (Request-ID: %s)' % (text, request_id)
    return text


def handled(exc):
    """Whether ``exc`` is an expected failure (no traceback needed)."""
    from keystoneauth1 import exceptions as ksa_exc

    from nube.cli import output
    from nube.client import exceptions as exc_mod

    return isinstance(exc, (UsageError, output.ColumnError,
                            exc_mod.ClientException,
                            ksa_exc.ClientException) + _config_errors())
