"""/os-aggregates: host aggregates, admin only, with Nova's bodies.

Create, show, update and the actions answer 200 with the aggregate (2.41
adds its ``uuid``); delete answers 200 with no body. Actions:
``add_host`` (404 unknown host, 409 already a member or a zone
conflict), ``remove_host`` (404 not a member), ``set_metadata`` (a null
value deletes the key).
"""

import datetime

import webob.exc

from nube.api import common
from nube.api.schemas import aggregates as schema
from nube.api import validation
from nube.compute import aggregates as aggregate_api
from nube import exception
from nube.policies import aggregates as policies

_FIELDS = ('availability_zone', 'created_at', 'deleted', 'deleted_at',
           'hosts', 'id', 'metadata', 'name', 'updated_at')


def _api(req):
    return aggregate_api.AggregateAPI(req.db)


def _time(value):
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%dT%H:%M:%S.%f')
    return value


def _view(req, aggregate, fields=_FIELDS):
    body = {field: _time(aggregate.get(field)) for field in fields}
    if req.at_least(41):
        body['uuid'] = aggregate['uuid']
    return body


def _response(req, aggregate):
    return common.json_response({'aggregate': _view(req, aggregate)})


def _id(aggregate_id):
    """Nova's validate_integer: 400 unless the id is an integer."""
    try:
        value = int(aggregate_id)
    except (TypeError, ValueError):
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid input received: id must be an integer')
    if not -common.MAX_INT - 1 <= value <= common.MAX_INT:
        raise aggregate_api.AggregateNotFound(aggregate_id=aggregate_id)
    return value


def _schema(req, v21, v20):
    return v20 if req.is_legacy_v2 else v21


def index(req):
    common.authorize(req, policies.AGGREGATES % 'index', {})
    return common.json_response({'aggregates': [
        _view(req, a) for a in _api(req).get_all()]})


def create(req):
    common.authorize(req, policies.AGGREGATES % 'create', {})
    body = validation.validate(_schema(req, schema.create, schema.create_v20),
                               common.json_body(req))
    values = body['aggregate']
    zone = values.get('availability_zone')
    try:
        aggregate = _api(req).create(values['name'].strip(),
                                     zone.strip() if zone else zone)
    except aggregate_api.InvalidAggregateAction as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.message)
    fields = tuple(f for f in _FIELDS if f not in ('hosts', 'metadata'))
    return common.json_response({'aggregate': _view(req, aggregate, fields)})


def show(req, aggregate_id):
    common.authorize(req, policies.AGGREGATES % 'show', {})
    return _response(req, _api(req).get(_id(aggregate_id)))


def update(req, aggregate_id):
    common.authorize(req, policies.AGGREGATES % 'update', {})
    body = validation.validate(_schema(req, schema.update, schema.update_v20),
                               common.json_body(req))
    values = dict(body['aggregate'])
    if 'name' in values:
        values['name'] = values['name'].strip()
    if values.get('availability_zone'):
        values['availability_zone'] = values['availability_zone'].strip()
    aggregate = _api(req).update(_id(aggregate_id), values)
    return _response(req, aggregate)


def delete(req, aggregate_id):
    common.authorize(req, policies.AGGREGATES % 'delete', {})
    _api(req).delete(_id(aggregate_id))
    return common.empty_response(200)


def _add_host(req, aggregate_id, body):
    validation.validate(schema.add_host, body)
    try:
        aggregate = _api(req).add_host(aggregate_id,
                                       body['add_host']['host'])
    except aggregate_api.InvalidAggregateAction as exc:
        raise webob.exc.HTTPConflict(explanation=exc.message)
    return _response(req, aggregate)


def _remove_host(req, aggregate_id, body):
    validation.validate(schema.remove_host, body)
    host = body['remove_host']['host']
    try:
        aggregate = _api(req).remove_host(aggregate_id, host)
    except (aggregate_api.AggregateNotFound,
            aggregate_api.AggregateHostNotFound,
            exception.ComputeHostNotFound):
        raise webob.exc.HTTPNotFound(
            explanation='Cannot remove host %s in aggregate %s' % (
                host, aggregate_id))
    except aggregate_api.InvalidAggregateAction as exc:
        raise webob.exc.HTTPConflict(explanation=exc.message)
    return _response(req, aggregate)


def _set_metadata(req, aggregate_id, body):
    validation.validate(schema.set_metadata, body)
    aggregate = _api(req).set_metadata(aggregate_id,
                                       body['set_metadata']['metadata'])
    return _response(req, aggregate)


ACTIONS = {'add_host': _add_host, 'remove_host': _remove_host,
           'set_metadata': _set_metadata}


def action(req, aggregate_id):
    body = common.json_body(req)
    if not isinstance(body, dict) or len(body) != 1:
        raise webob.exc.HTTPBadRequest(explanation='Malformed request body')
    name = next(iter(body))
    handler = ACTIONS.get(name)
    if handler is None:
        raise webob.exc.HTTPBadRequest(
            explanation='There is no such action: %s' % name)
    common.authorize(req, policies.AGGREGATES % name, {})
    return handler(req, _id(aggregate_id), body)
