"""/os-availability-zone: zone names for everyone, hosts for admins."""

from nube.api import common
from nube.api.views import hypervisors as view
from nube.policies import availability_zones as policies

# Nova keeps its control services in this zone and hides it from users.
INTERNAL_ZONE = 'internal'


def index(req):
    common.authorize(req, policies.AZ % 'list')
    zones = req.host_api.availability_zones(req.context)
    return common.json_response({'availabilityZoneInfo': [
        view.availability_zone(zone, detail=False)
        for zone in zones if zone['name'] != INTERNAL_ZONE]})


def detail(req):
    common.authorize(req, policies.AZ % 'detail')
    zones = req.host_api.availability_zones(req.context)
    return common.json_response({'availabilityZoneInfo': [
        view.availability_zone(zone, detail=True) for zone in zones]})
