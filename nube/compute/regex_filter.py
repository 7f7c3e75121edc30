"""The regular expressions of server list filters (``?name=``, ``?ip=``).

Nova matches these with the database's REGEXP (PCRE2 on MariaDB; Python's
``re`` on SQLite and for servers not yet scheduled). A pattern is checked
here before any query: it must compile, be at most MAX_LENGTH characters
long, and not nest a variable repetition inside another (``(a+)+``,
``(x|y*)*``), which Python's backtracking matcher can take exponential
time over. Each failure is ``InvalidRegex`` (400).
"""

import contextlib
import re

import sqlalchemy as sa

try:
    from re import _parser as sre_parse
except ImportError:  # Python < 3.11
    import sre_parse

from nube import exception

# MariaDB's "Got error ... from regexp" (PCRE2 refusing what Python's re
# accepts, or giving up on backtracking); SQLite calls Python's re.
_MYSQL_REGEXP_ERROR = 1139
_SQLITE_FUNCTION_ERROR = 'user-defined function raised exception'

# Longer than any display name (255) a pattern could be meant to match.
MAX_LENGTH = 255

_REPEATS = tuple(getattr(sre_parse, name) for name in (
    'MAX_REPEAT', 'MIN_REPEAT', 'POSSESSIVE_REPEAT')
    if hasattr(sre_parse, name))


class InvalidRegex(exception.Invalid):
    msg_fmt = ('Invalid input for query parameters %(name)s. Value: '
               '%(value)s. %(reason)s')


def _children(op, av):
    """The sub-patterns of one parsed item."""
    if op in _REPEATS:
        return [av[2]]
    if op == sre_parse.SUBPATTERN:
        return [av[3]]
    if op == sre_parse.BRANCH:
        return list(av[1])
    if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return [av[1]]
    if op == sre_parse.GROUPREF_EXISTS:
        return [p for p in av[1:] if p is not None]
    if getattr(sre_parse, 'ATOMIC_GROUP', None) is not None and \
            op == sre_parse.ATOMIC_GROUP:
        return [av]
    return []


def _nests_repeats(pattern):
    """True when a variable repetition sits inside a repeated group."""
    stack = [(pattern, False)]
    while stack:
        sub, repeated = stack.pop()
        for op, av in sub:
            inner = repeated
            if op in _REPEATS:
                low, high = av[0], av[1]
                if repeated and low != high:
                    return True
                inner = repeated or high > 1
            stack.extend((child, inner) for child in _children(op, av))
    return False


def check(name, pattern):
    """``pattern`` when it is a regular expression safe to match with;
    InvalidRegex naming query parameter ``name`` otherwise."""
    if not isinstance(pattern, str):
        raise InvalidRegex(name=name, value=pattern,
                           reason='It must be a string.')
    if len(pattern) > MAX_LENGTH:
        raise InvalidRegex(
            name=name, value=pattern[:64] + '...',
            reason='It is longer than %d characters.' % MAX_LENGTH)
    try:
        re.compile(pattern)
        parsed = sre_parse.parse(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        raise InvalidRegex(name=name, value=pattern,
                           reason='Invalid regular expression: %s.' % exc)
    if _nests_repeats(parsed):
        raise InvalidRegex(
            name=name, value=pattern,
            reason='Invalid regular expression: a repetition inside a '
                   'repeated group (such as (a+)+) is not allowed.')
    return pattern


def _is_regex_error(exc):
    orig = getattr(exc, 'orig', None)
    args = getattr(orig, 'args', ())
    if args and args[0] == _MYSQL_REGEXP_ERROR:
        return True
    return _SQLITE_FUNCTION_ERROR in str(orig)


@contextlib.contextmanager
def database_errors(filters):
    """Turn the database refusing a filter's pattern into InvalidRegex."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        if not _is_regex_error(exc):
            raise
        name = 'name' if filters.get('name') else 'ip'
        args = getattr(exc.orig, 'args', ())
        detail = args[1] if len(args) > 1 else 'refused by the database'
        raise InvalidRegex(
            name=name, value=filters.get(name),
            reason='Invalid regular expression: %s.' % detail)
