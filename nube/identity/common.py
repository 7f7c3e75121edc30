"""Request and response helpers shared by the identity handlers."""

import jsonschema
from oslo_serialization import jsonutils
import webob

import nube.conf
from nube.identity import errors
from nube import safe_input

CONF = nube.conf.CONF


def base_url(req):
    """The service root clients reach us at (no trailing slash)."""
    if CONF.identity.public_endpoint:
        return CONF.identity.public_endpoint.rstrip('/')
    return (req.host_url + req.script_name).rstrip('/')


def v3_url(req, *parts):
    return '/'.join([base_url(req) + '/v3'] + [str(p) for p in parts])


def json_response(body, status=200, headers=None):
    response = webob.Response(status=status, content_type='application/json',
                              charset=None)
    response.body = jsonutils.dump_as_bytes(body)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def empty_response(status=204, headers=None):
    response = webob.Response(status=status)
    # No body: say nothing about a body type.
    if 'Content-Type' in response.headers:
        del response.headers['Content-Type']
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _field(error):
    path = [str(p) for p in error.absolute_path]
    return path[-1] if path else None


def validate(schema, body):
    """400 with Keystone's wording when ``body`` does not fit ``schema``."""
    validator = jsonschema.Draft4Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return body
    field = _field(error)
    if field is None:
        message = 'Invalid input: %s' % error.message
    else:
        message = "Invalid input for field '%s': %s" % (field,
                                                        error.message)
    raise errors.ValidationError(message)


def read_body(req, schema):
    """The JSON object in the request body, validated against ``schema``.

    Parsed by nube.safe_input: malformed, too deep, non-finite or not
    UTF-8 (lone surrogates included, in any string or key) is 400.
    """
    if not req.body:
        body = {}
    else:
        try:
            body = safe_input.loads(req.body)
        except safe_input.InvalidInput as exc:
            raise errors.ValidationError(exc.message)
    if not isinstance(body, dict):
        raise errors.ValidationError('The request body must be a JSON '
                                     'object.')
    return validate(schema, body)


def entity_links(req, collection, entity_id):
    return {'self': v3_url(req, collection, entity_id)}


def collection(req, name, items, truncated=False):
    """``{name: items, "links": {...}}`` as Keystone lists look."""
    self_url = base_url(req) + req.path_info
    if req.query_string:
        self_url += '?' + req.query_string
    body = {name: items,
            'links': {'self': self_url, 'previous': None, 'next': None}}
    if truncated:
        body['truncated'] = True
    return body


def bool_filter(req, name):
    """A boolean query filter; None when absent."""
    value = req.GET.get(name)
    if value is None:
        return None
    # Keystone's reading: only 0 and false are false ("?enabled" is true).
    return value.lower() not in ('0', 'false')
