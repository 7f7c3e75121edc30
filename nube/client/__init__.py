"""nube's Python client library: servers, flavors, images, hypervisors,
services and availability zones over keystoneauth1 (doc/client.md)."""

from nube.client.client import Client  # noqa: F401
from nube.client import exceptions  # noqa: F401
