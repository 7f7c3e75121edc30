"""/v2.0/floatingips: list, show, create (one or bulk), update, delete.

A floating IP is an address of an external network (``router:external``)
that nube-network forwards to a port's fixed IP. Only an admin chooses the
address (``create_floatingip:floating_ip_address``, as in Neutron); which
networks are external, which ports may be associated and which addresses
are free is the network API's to say.

nube has no routers: ``router_id`` is always null, and ``routers`` below
is the empty, read-only collection clients look at when they search for
an external network through routers.
"""

from nube.network import exceptions
from nube.network import neutron
from nube.network.neutron import schemas

# Optional attributes whose null, on create, is the same as leaving them
# out (PUT's port_id null is a disassociation and is kept).
_NULL_IS_ABSENT = ('floating_ip_address', 'port_id', 'fixed_ip_address')


class FloatingIPController(neutron.Controller):
    resource = 'floatingip'
    collection = 'floatingips'
    not_found = exceptions.FloatingIPNotFound
    id_key = 'floatingip_id'
    fields = schemas.FLOATINGIP_FIELDS + ('subnet_id',)
    create_schema = schemas.FLOATINGIP_CREATE
    update_schema = schemas.FLOATINGIP_UPDATE
    # Checked when an address is asked for (null is no choice).
    create_attr_rules = {'floating_ip_address': None}
    sort_keys = ('id', 'floating_ip_address', 'floating_network_id',
                 'router_id', 'port_id', 'fixed_ip_address', 'tenant_id',
                 'project_id', 'status', 'description', 'created_at',
                 'updated_at', 'revision_number')
    filter_fields = sort_keys

    def check(self, values):
        return schemas.check_floatingip(values)

    def prepare_create(self, deps, ctxt, item):
        values = super().prepare_create(deps, ctxt, item)
        for key in _NULL_IS_ABSENT:
            if key in values and values[key] is None:
                del values[key]
        return values


CONTROLLER = FloatingIPController()
index = CONTROLLER.index
show = CONTROLLER.show
create = CONTROLLER.create
update = CONTROLLER.update
delete = CONTROLLER.delete


def list_routers(req, deps):
    """No routers: the list clients read, empty."""
    return neutron.json_response({'routers': []})


def show_router(req, deps, resource_id):
    raise exceptions.RouterNotFound(
        router_id=schemas._shown(resource_id, 64))
