"""Flavors, hypervisors, services and availability zones (Nova API)."""

from nube.client import base


class FlavorManager(base.Manager):
    kind = 'flavor'

    @property
    def _api(self):
        return self.client.compute

    def list(self, detailed=True, is_public=True, **filters):
        """Flavors (all pages). ``is_public=None`` lists every flavor an
        admin may see, as ``openstack flavor list --all`` does."""
        path = '/flavors/detail' if detailed else '/flavors'
        if is_public is None:
            filters['is_public'] = 'None'
        elif not is_public:
            filters['is_public'] = 'false'
        return self._api.paginate(path, 'flavors',
                                  base.clean_filters(filters))

    def _get_by_id(self, flavor_id):
        return self._api.get_json('/flavors/' + base.quote(flavor_id))[
            'flavor']

    def get(self, id_or_name):
        return self._find(id_or_name, self._get_by_id,
                          lambda name: self.list(is_public=None))

    def find_id(self, flavor):
        if isinstance(flavor, dict):
            return flavor['id']
        return self.get(flavor)['id']

    def create(self, name, ram, vcpus, disk, flavorid=None, ephemeral=0,
               swap=0, is_public=True, rxtx_factor=None, description=None):
        body = {'name': name, 'ram': int(ram), 'vcpus': int(vcpus),
                'disk': int(disk), 'id': flavorid,
                'swap': int(swap or 0),
                'OS-FLV-EXT-DATA:ephemeral': int(ephemeral or 0),
                'os-flavor-access:is_public': bool(is_public)}
        if rxtx_factor is not None:
            body['rxtx_factor'] = float(rxtx_factor)
        if description is not None:
            body['description'] = description
        return self._api.post('/flavors', json={'flavor': body}).json()[
            'flavor']

    def delete(self, flavor):
        self._api.delete('/flavors/' + base.quote(self.find_id(flavor)))

    def get_extra_specs(self, flavor):
        return self._api.get_json('/flavors/%s/os-extra_specs' % base.quote(
            self.find_id(flavor)))['extra_specs']

    def set_extra_specs(self, flavor, specs):
        return self._api.post(
            '/flavors/%s/os-extra_specs' % base.quote(self.find_id(flavor)),
            json={'extra_specs': dict(specs)}).json()['extra_specs']

    def delete_extra_spec(self, flavor, key):
        self._api.delete('/flavors/%s/os-extra_specs/%s' % (
            base.quote(self.find_id(flavor)), base.quote(key)))


class HypervisorManager(base.Manager):
    kind = 'hypervisor'

    def list(self, detailed=False, **filters):
        path = '/os-hypervisors/detail' if detailed else '/os-hypervisors'
        return self.client.compute.paginate(path, 'hypervisors',
                                            base.clean_filters(filters))

    def get(self, hypervisor_id):
        return self.client.compute.get_json(
            '/os-hypervisors/' + base.quote(hypervisor_id))['hypervisor']

    def statistics(self):
        return self.client.compute.get_json(
            '/os-hypervisors/statistics')['hypervisor_statistics']

    def search(self, pattern, servers=False):
        """Hypervisors whose hostname matches; with their servers."""
        suffix = 'servers' if servers else 'search'
        return self.client.compute.get_json('/os-hypervisors/%s/%s' % (
            base.quote(pattern), suffix))['hypervisors']


class ServiceManager(base.Manager):
    kind = 'service'

    def list(self, binary=None, host=None):
        return self.client.compute.get_json(
            '/os-services',
            params=base.clean_filters({'binary': binary, 'host': host}))[
            'services']


class AvailabilityZoneManager(base.Manager):
    kind = 'availability zone'

    def list(self, detailed=False):
        path = ('/os-availability-zone/detail' if detailed
                else '/os-availability-zone')
        return self.client.compute.get_json(path)['availabilityZoneInfo']
