"""The compute API WSGI application (Nova API v2.1), middleware included.

Outer to inner: request id, fault wrapper, body size limit, version
documents (no auth), authentication, then the router (microversion
negotiation, routing, handlers).
"""

from nube.api import auth
from nube.api import fault
from nube.api.handlers import versions
from nube.api import middleware
from nube.api import router
import nube.conf
from nube import wsgi

CONF = nube.conf.CONF


class Dependencies:
    """The facades handlers call, built on first use unless given."""

    def __init__(self, compute_api=None, host_api=None, db=None):
        self._compute_api = compute_api
        self._host_api = host_api
        self._db = db

    @property
    def compute_api(self):
        if self._compute_api is None:
            from nube.compute import api as compute_api
            self._compute_api = compute_api.API()
        return self._compute_api

    @property
    def host_api(self):
        if self._host_api is None:
            from nube.compute import host_api
            self._host_api = host_api.HostAPI()
        return self._host_api

    @property
    def db(self):
        if self._db is None:
            from nube.db.api import api as api_db
            self._db = api_db.get_database()
        return self._db


def create_app(compute_api=None, host_api=None, db=None):
    """The whole compute API as one WSGI callable."""
    deps = Dependencies(compute_api=compute_api, host_api=host_api, db=db)
    app = router.Router(deps)
    app = auth.load(app)
    app = versions.VersionDocuments(app)
    app = wsgi.BodySizeLimit(app, lambda: CONF.api.max_request_body_size,
                             error_response=fault.error_response)
    app = fault.FaultWrapper(app)
    app = middleware.RequestIdMiddleware(app)
    return app
