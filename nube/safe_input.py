"""Checks every API applies to what a client sends before anything reads it.

JSON bodies are parsed with a depth limit and without NaN/Infinity, and
every string in them (keys too) must be valid Unicode without lone
surrogates, which no database column can hold.  Paths and query strings
must be UTF-8.  Each failure is an ``InvalidInput`` (400) naming the
field, which every API renders in its own error shape.
"""

import json
import math
import re
from urllib import parse as urlparse

# Deeper than any document an OpenStack API defines, far below Python's
# recursion limit.
MAX_JSON_DEPTH = 64

_SURROGATE = re.compile('[\ud800-\udfff]')


class InvalidInput(ValueError):
    """What a client sent cannot be read; ``message`` says why."""

    code = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _refuse_constant(name):
    raise InvalidInput('Invalid JSON number %s: only finite numbers are '
                       'allowed.' % name)


def _finite_float(text):
    # 1e400 is no NaN or Infinity to the parser, but becomes one.
    value = float(text)
    if math.isinf(value):
        raise InvalidInput('Invalid JSON number %s: only finite numbers '
                           'are allowed.' % text[:40])
    return value


def _field_name(path):
    return '/'.join(str(p) for p in path) or 'body'


def check_strings(obj, max_depth=MAX_JSON_DEPTH):
    """Refuse documents deeper than ``max_depth`` or with unencodable text.

    Walks iteratively, so depth costs no stack.
    """
    stack = [(obj, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise InvalidInput(
                    "Invalid input for field/attribute %s: the value is "
                    "not valid UTF-8 (it holds a lone surrogate)."
                    % _field_name(path))
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth >= max_depth:
            raise InvalidInput('JSON nested deeper than %d levels.'
                               % max_depth)
        if isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    raise InvalidInput(
                        'Invalid key in %s: not valid UTF-8 (it holds a '
                        'lone surrogate).' % _field_name(path))
                stack.append((item, path + (key,), depth + 1))
        else:
            for index, item in enumerate(value):
                stack.append((item, path + (index,), depth + 1))
    return obj


def loads(data, max_depth=MAX_JSON_DEPTH):
    """``json.loads`` for untrusted bodies (bytes or str).

    Raises ``InvalidInput`` for malformed, too deep, non-finite or
    non-UTF-8 documents; the caller turns it into its API's 400.
    """
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode('utf-8')
        except UnicodeDecodeError:
            raise InvalidInput('The request body is not valid UTF-8.')
    if data.startswith('\ufeff'):
        data = data[1:]
    try:
        obj = json.loads(data, parse_constant=_refuse_constant,
                         parse_float=_finite_float)
    except RecursionError:
        raise InvalidInput('JSON nested deeper than %d levels.' % max_depth)
    except InvalidInput:
        raise
    except ValueError:
        raise InvalidInput('Malformed JSON in request body.')
    return check_strings(obj, max_depth)


def check_environ(environ):
    """Refuse a request whose path or query string is not UTF-8.

    WSGI hands PATH_INFO over as latin-1 text of the raw bytes; the query
    string is still percent-encoded.
    """
    path = environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
    try:
        path.encode('latin-1').decode('utf-8')
    except UnicodeError:
        raise InvalidInput('The request path is not valid UTF-8.')
    query = environ.get('QUERY_STRING', '')
    if query:
        try:
            urlparse.unquote_to_bytes(query.replace('+', ' ')).decode(
                'utf-8')
        except UnicodeError:
            raise InvalidInput('The query string is not valid UTF-8.')


def printable_path(environ):
    """The request path for logs, whatever bytes it holds."""
    path = environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
    return path.encode('latin-1', 'replace').decode('utf-8', 'replace')
