"""GET /os-services (admin): every nube service and whether it is up."""

from nube.api import common
from nube.api.views import hypervisors as view
from nube.policies import services as policies


def index(req):
    common.authorize(req, policies.SERVICES % 'list')
    services = req.host_api.service_get_all(
        req.context, host=req.GET.get('host') or None,
        binary=req.GET.get('binary') or None)
    return common.json_response(
        {'services': [view.service(req, svc) for svc in services]})
