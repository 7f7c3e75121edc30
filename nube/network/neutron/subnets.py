"""/v2.0/subnets: list, show, create (one or bulk), update, delete.

A subnet's rules see its network's owner (``network:tenant_id``): only
the network's owner (or an admin) adds, changes or removes subnets.
"""

from nube.network import exceptions
from nube.network import neutron
from nube.network.neutron import schemas


class SubnetController(neutron.Controller):
    resource = 'subnet'
    collection = 'subnets'
    not_found = exceptions.SubnetNotFound
    id_key = 'subnet_id'
    fields = schemas.SUBNET_FIELDS
    create_schema = schemas.SUBNET_CREATE
    update_schema = schemas.SUBNET_UPDATE
    sort_keys = ('id', 'name', 'tenant_id', 'project_id', 'network_id',
                 'ip_version', 'cidr', 'gateway_ip', 'enable_dhcp',
                 'ipv6_ra_mode', 'ipv6_address_mode', 'subnetpool_id',
                 'description', 'created_at', 'updated_at',
                 'revision_number')
    filter_fields = sort_keys
    bool_fields = ('enable_dhcp',)

    def check(self, values):
        values = schemas.check_subnet(values)
        if 'network_id' in values:
            values['network_id'] = values['network_id'].lower()
        return values

    def target(self, deps, ctxt, resource, values, create=False):
        target = super().target(deps, ctxt, resource, values, create)
        target.update(neutron.network_target(
            deps, ctxt, resource['network_id'], required=create))
        return target


CONTROLLER = SubnetController()
index = CONTROLLER.index
show = CONTROLLER.show
create = CONTROLLER.create
update = CONTROLLER.update
delete = CONTROLLER.delete
