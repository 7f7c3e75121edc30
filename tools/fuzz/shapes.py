"""What a response must look like, per API, and curl reproductions.

Every error (4xx/5xx, except to HEAD) is JSON in its API's shape:

  compute   {"<faultName>": {"code": N, "message": "..."}}, the name
            Nova's for N (nube.api.fault.FAULT_NAMES, else computeFault)
  image     {"message": "...", "code": "N Reason", "title": "..."}
            (webob's JSON error page, as Glance's)
  identity  {"error": {"code": N, "title": "...", "message": "..."}}

A 401 may be Keystone's shape in every API: keystonemiddleware answers
it before the API sees the request (as in Nova and Glance).
"""

import json
import shlex

import jsonschema

from nube.api import fault
from nube.openapi import base
from nube.openapi import compute
from nube.openapi import image

_KEYSTONE = jsonschema.Draft202012Validator(base.KEYSTONE_ERROR)
_NOVA = jsonschema.Draft202012Validator(compute.error_schema())
_GLANCE = jsonschema.Draft202012Validator(image.error_schema())


def _json(response):
    if not response.headers.get('Content-Type', '').startswith(
            'application/json'):
        return None, 'Content-Type %r, not JSON' % response.headers.get(
            'Content-Type')
    try:
        return json.loads(response.content), None
    except ValueError:
        return None, 'body is not JSON: %r' % response.content[:120]


def _schema_error(validator, body):
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    return None if error is None else 'not the API\'s error shape: %s' % (
        error.message[:200])


def _keystone(status, body):
    problem = _schema_error(_KEYSTONE, body)
    if problem:
        return problem
    if body['error']['code'] != status:
        return 'error.code %r but status %d' % (body['error']['code'],
                                                 status)
    return None


def compute_error(status, body):
    if status == 401 and isinstance(body, dict) and 'error' in body:
        return _keystone(status, body)
    problem = _schema_error(_NOVA, body)
    if problem:
        return problem
    (name, inner), = body.items()
    want = fault.FAULT_NAMES.get(status, 'computeFault')
    if name != want:
        return 'fault %r for status %d (Nova says %r)' % (name, status, want)
    if inner['code'] != status:
        return '%s.code %r but status %d' % (name, inner['code'], status)
    return None


def image_error(status, body):
    if status == 401 and isinstance(body, dict) and 'error' in body:
        return _keystone(status, body)
    problem = _schema_error(_GLANCE, body)
    if problem:
        return problem
    if not body['code'].startswith('%d ' % status):
        return 'code %r but status %d' % (body['code'], status)
    return None


def identity_error(status, body):
    return _keystone(status, body)


ERROR_CHECKS = {'compute': compute_error, 'image': image_error,
                'identity': identity_error}


def shape_problem(api, method, response):
    """None, or what is wrong with the response's shape."""
    status = response.status_code
    if status == 204 and response.content:
        return '204 with a body'
    if method == 'HEAD' or status < 400:
        if status < 300 and response.content and response.headers.get(
                'Content-Type', '').startswith('application/json'):
            _body, problem = _json(response)
            return problem
        return None
    body, problem = _json(response)
    if problem:
        return problem
    return ERROR_CHECKS[api](status, body)


def curl(prepared, secrets, body_file=None):
    """A shell command that sends ``prepared`` (a requests.PreparedRequest)
    again; each token value in ``secrets`` ({value: '$NAME'}) is replaced
    by its variable. With ``body_file`` the body is read from that file
    (written by the caller)."""
    words = ['curl', '-sS', '-i', '-X', prepared.method]
    for name, value in prepared.headers.items():
        if name.lower() in ('user-agent', 'accept-encoding', 'connection',
                            'content-length'):
            continue
        if value in secrets:
            words += ['-H', '"%s: %s"' % (name, secrets[value])]
        else:
            words += ['-H', shlex.quote('%s: %s' % (name, value))]
    body = prepared.body
    if isinstance(body, str):
        body = body.encode('utf-8', 'surrogatepass')
    prefix = ''
    if body and body_file:
        words += ['--data-binary', '@' + shlex.quote(body_file)]
    elif body:
        try:
            text = body.decode('utf-8')
            words += ['--data-binary', shlex.quote(text)]
        except UnicodeDecodeError:
            escaped = ''.join('\\x%02x' % b for b in body)
            prefix = "printf '%s' | " % escaped
            words += ['--data-binary', '@-']
    words.append(shlex.quote(prepared.url))
    return prefix + ' '.join(words)


def body_text(prepared, limit=300):
    body = prepared.body
    if not body:
        return ''
    if isinstance(body, bytes):
        body = body.decode('utf-8', 'backslashreplace')
    return body if len(body) <= limit else body[:limit] + '...'
