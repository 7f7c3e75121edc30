"""The network API: the part of Neutron's v2.0 REST API that clients use
for networks, subnets and ports (``app.py`` assembles it).

This module holds what the three resources' handlers share: reading a
request (context, body), answering it, checking the policy, and the
generic list / show / create / update / delete flow of a ``Controller``,
which ``networks.py``, ``subnets.py`` and ``ports.py`` specialise. What
is stored, allocated and visible is ``nube.network.api``'s business; the
handlers check the input, the policy and the shape of the answer.
"""

from oslo_log import log as logging
import webob
import webob.exc

from nube.api import auth
from nube.api import common as api_common
from nube import exception
from nube.network import exceptions
from nube.network.neutron import query
from nube.network.neutron import schemas
from nube.network.neutron import views
from nube import policy as nube_policy
from nube import safe_input
import nube.conf

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

# A create_<resource>:<attribute> rule applies to any value of it.
ANY_VALUE = object()


class RequestTooLarge(exceptions.NetworkError):
    neutron_type = 'HTTPRequestEntityTooLarge'
    msg_fmt = 'Request is too large.'
    code = 413


class ResourceNotFound(exceptions.NetworkError):
    """An URL that names nothing (webob's HTTPNotFound in Neutron)."""
    neutron_type = 'HTTPNotFound'
    msg_fmt = 'The resource could not be found.'
    code = 404


class MethodNotAllowed(exceptions.NetworkError):
    neutron_type = 'HTTPMethodNotAllowed'
    msg_fmt = 'The method is not allowed for this resource.'
    code = 405

    def __init__(self, allowed):
        super().__init__()
        self.allowed = allowed


def context(req):
    return req.environ[auth.ENV_CONTEXT]


# The compute API's: the same JSON responses in every API.
json_response = api_common.json_response


def no_content():
    """204 with no body and no Content-Type (clients check)."""
    return api_common.empty_response(204)


def read_body(req):
    """The decoded JSON body (400 if absent or unreadable, 413 if over
    ``[network_api] max_request_body_size``)."""
    limit = CONF.network_api.max_request_body_size
    if req.content_length is not None and req.content_length > limit:
        raise RequestTooLarge()
    try:
        data = req.body_file.read(limit + 1) if (
            req.content_length or req.is_body_readable) else b''
    except webob.exc.HTTPRequestEntityTooLarge:
        raise RequestTooLarge()
    if len(data) > limit:
        raise RequestTooLarge()
    if not data.strip():
        raise exceptions.BadRequest(message='Resource body required')
    try:
        return safe_input.loads(data)
    except safe_input.InvalidInput as exc:
        raise exceptions.BadRequest(message=exc.message)


def allowed(ctxt, action, target=None):
    return nube_policy.authorize(ctxt, action, target, fatal=False)


def enforce(ctxt, action, target=None):
    """403 ``(rule:ACTION) is disallowed by policy`` unless allowed."""
    if not allowed(ctxt, action, target):
        raise exceptions.PolicyNotAuthorized(action=action)


def network_target(deps, ctxt, network_id, required):
    """What a subnet's or port's rules know of its network: its owner
    and whether it is shared. ``required``: a network the caller cannot
    see is its 404 (creates); else its attributes are left out (the
    rules naming them then refuse)."""
    try:
        network = deps.api.get_network(ctxt, network_id)
    except exceptions.NotFound:
        if required:
            raise
        return {}
    owner = network.get('project_id') or network.get('tenant_id')
    return {'network:tenant_id': owner,
            'network:shared': str(bool(network.get('shared')))}


class Controller:
    """The five handlers of one resource, Neutron's way.

    Subclasses name the resource, its schemas and attributes, and build
    the policy target of a resource.
    """

    resource = None
    collection = None
    not_found = None          # exception class, raised with id_key=id
    id_key = None
    fields = ()
    create_schema = None
    update_schema = None
    # Attributes only some callers may read (get_<resource>:<attr>).
    admin_view_attrs = ()
    # create_<resource>:<attr> rules: attribute -> the default value that
    # needs no check (ANY_VALUE: every value is checked).
    create_attr_rules = {}
    # update_<resource>:<attr> rules: checked whenever the attribute is
    # in the body.
    update_attr_rules = ()
    sort_keys = ()
    filter_fields = ()
    bool_fields = ()

    # What a subclass adds.

    def check(self, values):
        """Checks beyond the schema; returns the values to store."""
        return values

    def target(self, deps, ctxt, resource, values, create=False):
        project = resource.get('project_id') or resource.get('tenant_id')
        return {'project_id': project, 'tenant_id': project}

    def attribute_checks(self, action, values):
        """The attributes of ``values`` whose own rule applies."""
        if action == 'create':
            return [attr for attr, default in self.create_attr_rules.items()
                    if attr in values and (default is ANY_VALUE or
                                           values[attr] != default)]
        return [attr for attr in self.update_attr_rules if attr in values]

    # The network API's calls.

    def _call(self, deps, verb, *args):
        name = verb + '_' + (self.collection if verb == 'list'
                             else self.resource)
        return getattr(deps.api, name)(*args)

    def missing(self, resource_id):
        return self.not_found(**{self.id_key: resource_id})

    def check_id(self, resource_id):
        """Ids are UUIDs: anything else names nothing (404), as clients
        looking a resource up by name expect."""
        if not schemas.UUID_RE.fullmatch(resource_id or ''):
            raise self.missing(schemas._shown(resource_id, 64))
        return resource_id.lower()

    def may_read(self, ctxt):
        return allowed(ctxt, 'get_%s' % self.resource,
                       nube_policy.default_target(ctxt))

    def hidden(self, ctxt):
        return views.hidden_attributes(ctxt, self.resource,
                                       self.admin_view_attrs)

    def get(self, deps, ctxt, resource_id):
        """The resource if the caller may see it, else its 404."""
        resource_id = self.check_id(resource_id)
        if not self.may_read(ctxt):
            raise self.missing(resource_id)
        return self._call(deps, 'get', ctxt, resource_id)

    def enforce_all(self, ctxt, action, target, values):
        enforce(ctxt, '%s_%s' % (action, self.resource), target)
        for attr in self.attribute_checks(action, values):
            enforce(ctxt, '%s_%s:%s' % (action, self.resource, attr),
                    target)

    def resource_body(self, body):
        if not isinstance(body, dict) or self.resource not in body:
            raise exceptions.BadRequest(
                message="Unable to find '%s' in request body"
                        % self.resource)
        return body[self.resource]

    # Handlers.

    def index(self, req, deps):
        ctxt = context(req)
        hidden = self.hidden(ctxt)
        q = query.parse(req.GET, self, hidden)
        if q.marker is not None:
            q.marker = self.check_id(q.marker)
        if not self.may_read(ctxt):
            items = []
        else:
            items = self._call(deps, 'list', ctxt, q.filters or None)

        def find_marker(marker):
            return self.get(deps, ctxt, marker)

        page, more = query.paginate(items, q, find_marker)
        body = {self.collection: views.collection(page, hidden, q.fields)}
        links = query.links(req, page, q, more)
        if links:
            body['%s_links' % self.collection] = links
        return json_response(body)

    def show(self, req, deps, resource_id):
        ctxt = context(req)
        hidden = self.hidden(ctxt)
        fields = list(dict.fromkeys(
            value for value in req.GET.getall('fields') if value))
        if len(fields) > query.MAX_VALUES:
            raise query.bad_request('fields', 'at most %d fields are '
                                    'allowed' % query.MAX_VALUES)
        item = self.get(deps, ctxt, resource_id)
        return json_response(
            {self.resource: views.show(item, hidden, fields or None)})

    def prepare_create(self, deps, ctxt, item):
        """One resource of a create body: validated, policy checked."""
        schemas.validate(item, self.create_schema, self.fields, 'POST',
                         self.resource)
        values = self.check(dict(item))
        project = schemas.check_project(values, self.resource)
        if project is None:
            project = ctxt.project_id
        values['tenant_id'] = values['project_id'] = project
        target = self.target(deps, ctxt, values, values, create=True)
        self.enforce_all(ctxt, 'create', target, values)
        return values

    def create(self, req, deps):
        ctxt = context(req)
        body = read_body(req)
        bulk = isinstance(body, dict) and self.collection in body
        if bulk:
            items = body[self.collection]
            if not isinstance(items, list) or not items:
                raise exceptions.BadRequest(message='Resources required')
            if len(items) > schemas.MAX_BULK:
                raise exceptions.BadRequest(
                    message='At most %d %s can be created at once'
                            % (schemas.MAX_BULK, self.collection))
        else:
            items = [self.resource_body(body)]
        prepared = [self.prepare_create(deps, ctxt, item) for item in items]
        created = []
        try:
            for values in prepared:
                created.append(self._call(deps, 'create', ctxt, values))
        except Exception:
            # All or none: undo the ones made before the failure.
            for done in reversed(created):
                try:
                    self._call(deps, 'delete', ctxt, done['id'])
                except Exception:
                    LOG.warning('Could not undo the creation of %s %s',
                                self.resource, done.get('id'),
                                exc_info=True)
            raise
        hidden = self.hidden(ctxt)
        if bulk:
            return json_response(
                {self.collection: views.collection(created, hidden)},
                status=201)
        return json_response({self.resource: views.show(created[0],
                                                        hidden)},
                             status=201)

    def update(self, req, deps, resource_id):
        ctxt = context(req)
        resource_id = self.check_id(resource_id)
        values = self.resource_body(read_body(req))
        schemas.validate(values, self.update_schema, self.fields, 'PUT',
                         self.resource)
        values = self.check(dict(values))
        original = self.get(deps, ctxt, resource_id)
        target = self.target(deps, ctxt, original, values)
        self.enforce_all(ctxt, 'update', target, values)
        updated = self._call(deps, 'update', ctxt, resource_id, values)
        return json_response({self.resource: views.show(updated,
                                                        self.hidden(ctxt))})

    def delete(self, req, deps, resource_id):
        ctxt = context(req)
        original = self.get(deps, ctxt, resource_id)
        target = self.target(deps, ctxt, original, {})
        enforce(ctxt, 'delete_%s' % self.resource, target)
        self._call(deps, 'delete', ctxt, original['id'])
        return no_content()


def error_response(code, neutron_type, message, headers=None):
    """Neutron's error body: ``{"NeutronError": {type, message, detail}}``.
    """
    response = json_response({'NeutronError': {
        'type': neutron_type, 'message': message, 'detail': ''}},
        status=code)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def type_for_status(code):
    """The ``type`` of an error that is no NetworkError: webob's class
    name for the status, as Neutron's fault wrapper reports them."""
    cls = webob.exc.status_map.get(code)
    return cls.__name__ if cls is not None else 'HTTPInternalServerError'


def from_nube(exc):
    """(code, type, message) of a nube exception."""
    if isinstance(exc, exceptions.NetworkError):
        return int(exc.code or 500), exc.neutron_type, exc.message
    if isinstance(exc, exception.OverQuota):
        return 409, 'OverQuota', exc.message
    if isinstance(exc, exception.PolicyNotAuthorized):
        return 403, 'PolicyNotAuthorized', exc.message
    code = int(exc.code or 500)
    return code, type_for_status(code), exc.message
