"""/v2.0/ports: list, show, create (one or bulk), update, delete.

A port's rules see its network's owner and whether it is shared: a
port's MAC and fixed IP addresses are its network owner's (or an
admin's) to choose, ``network:*`` device owners too; any project may
put a port on a shared network's subnet. Bindings are admin only.

``security_groups`` (create and update) is a list of group ids (null is
the empty list); whether the caller may use them, and the project's
``default`` group when a create names none, is the network API's.
"""

from nube.network import exceptions
from nube.network import neutron
from nube.network.neutron import schemas

BINDING_ADMIN = ('binding:host_id', 'binding:profile', 'binding:vif_type',
                 'binding:vif_details')


class PortController(neutron.Controller):
    resource = 'port'
    collection = 'ports'
    not_found = exceptions.PortNotFound
    id_key = 'port_id'
    fields = schemas.PORT_FIELDS
    create_schema = schemas.PORT_CREATE
    update_schema = schemas.PORT_UPDATE
    admin_view_attrs = BINDING_ADMIN
    create_attr_rules = {
        'mac_address': neutron.ANY_VALUE,
        'device_owner': neutron.ANY_VALUE,
        'binding:host_id': neutron.ANY_VALUE,
    }
    update_attr_rules = ('mac_address', 'device_owner', 'binding:host_id')
    sort_keys = ('id', 'name', 'tenant_id', 'project_id', 'network_id',
                 'admin_state_up', 'mac_address', 'device_id',
                 'device_owner', 'status', 'description',
                 'binding:vnic_type', 'created_at', 'updated_at',
                 'revision_number')
    filter_fields = sort_keys + ('fixed_ips', 'binding:host_id')
    bool_fields = ('admin_state_up',)

    def check(self, values):
        return schemas.check_port(values)

    def target(self, deps, ctxt, resource, values, create=False):
        target = super().target(deps, ctxt, resource, values, create)
        target.update(neutron.network_target(
            deps, ctxt, resource['network_id'], required=create))
        device_owner = values.get('device_owner',
                                  resource.get('device_owner')) or ''
        target['network_device'] = str(device_owner.startswith('network:'))
        return target

    def attribute_checks(self, action, values):
        checks = super().attribute_checks(action, values)
        fixed_ips = values.get('fixed_ips') or ()
        if any('ip_address' in fixed_ip for fixed_ip in fixed_ips):
            checks.append('fixed_ips:ip_address')
        if any('subnet_id' in fixed_ip for fixed_ip in fixed_ips):
            checks.append('fixed_ips:subnet_id')
        return checks


CONTROLLER = PortController()
index = CONTROLLER.index
show = CONTROLLER.show
create = CONTROLLER.create
update = CONTROLLER.update
delete = CONTROLLER.delete
