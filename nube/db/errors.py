"""What a database error means to a client.

Every API turns these into its own error shape: the database unreachable
or its pool exhausted is the server's trouble and temporary (503 with a
Retry-After); a value the database cannot hold is the client's (400); a
duplicate is a conflict (409). The exception's class never reaches the
client.
"""

from oslo_db import exception as db_exc
import sqlalchemy.exc as sa_exc

# Seconds a client is told to wait before trying again.
RETRY_AFTER = 5

UNAVAILABLE = 'The service cannot reach its database; try again later.'


# The database unreachable, deadlocked or its pool exhausted: 503.
UNAVAILABLE_ERRORS = (db_exc.DBConnectionError, db_exc.DBDeadlock,
                      sa_exc.TimeoutError)


def classify(exc):
    """(status, message) for a database error, or None for any other."""
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return 503, UNAVAILABLE
    if isinstance(exc, db_exc.DBInvalidUnicodeParameter):
        return 400, 'A value is not valid UTF-8.'
    if isinstance(exc, db_exc.DBDuplicateEntry):
        return 409, 'The resource already exists.'
    if isinstance(exc, db_exc.DBDataError):
        return 400, 'A value is out of range or too long.'
    if isinstance(exc, db_exc.DBError):
        inner = getattr(exc, 'inner_exception', None)
        if isinstance(inner, sa_exc.OperationalError):
            return 503, UNAVAILABLE
    if isinstance(exc, sa_exc.OperationalError):
        return 503, UNAVAILABLE
    return None


def retry_headers(status):
    return {'Retry-After': str(RETRY_AFTER)} if status == 503 else {}
