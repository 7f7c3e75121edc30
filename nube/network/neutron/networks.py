"""/v2.0/networks: list, show, create (one or bulk), update, delete."""

from nube.network import exceptions
from nube.network import neutron
from nube.network.neutron import schemas

PROVIDER = ('provider:network_type', 'provider:physical_network',
            'provider:segmentation_id')


class NetworkController(neutron.Controller):
    resource = 'network'
    collection = 'networks'
    not_found = exceptions.NetworkNotFound
    id_key = 'net_id'
    fields = schemas.NETWORK_FIELDS
    create_schema = schemas.NETWORK_CREATE
    update_schema = schemas.NETWORK_UPDATE
    admin_view_attrs = PROVIDER
    # Neutron checks shared and router:external on create only when they
    # differ from their default (False).
    create_attr_rules = dict(
        {'shared': False, 'router:external': False},
        **{attr: neutron.ANY_VALUE for attr in PROVIDER})
    update_attr_rules = ('shared', 'router:external')
    sort_keys = ('id', 'name', 'tenant_id', 'project_id', 'admin_state_up',
                 'status', 'shared', 'router:external', 'mtu',
                 'description', 'created_at', 'updated_at',
                 'revision_number')
    filter_fields = sort_keys + PROVIDER + ('is_default',)
    bool_fields = ('admin_state_up', 'shared', 'router:external',
                   'is_default')

    def check(self, values):
        return schemas.check_network(values)


CONTROLLER = NetworkController()
index = CONTROLLER.index
show = CONTROLLER.show
create = CONTROLLER.create
update = CONTROLLER.update
delete = CONTROLLER.delete
