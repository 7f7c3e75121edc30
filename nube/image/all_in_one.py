"""The image services inside one eventlet process (for nube-all).

``services(state_dir)`` configures the registry (SQLite image DB in the
state dir, migrated) and the image API (file store under the state dir)
and returns them as objects with start()/stop(): start the registry
first. The API still reaches the registry over loopback HTTP, exactly as
the separate processes do.
"""

import os

import nube.conf
from nube.cmd import image_api
from nube.cmd import image_registry
from nube.db.image import api as image_db
from nube.db import migration
from nube.image.registry import client as registry_client

CONF = nube.conf.CONF


def services(state_dir, host='127.0.0.1', registry_port=9191,
             api_port=9292):
    """[registry service, image API service], configured, not started."""
    state_dir = os.path.abspath(state_dir)
    os.makedirs(state_dir, exist_ok=True)
    connection = 'sqlite:///' + os.path.join(state_dir, 'image.db')
    registry_url = 'http://%s:%d' % (host, registry_port)
    CONF.set_override('connection', connection, group='image_database')
    CONF.set_override('url', registry_url, group='image_registry')
    CONF.set_override('default_store', 'file', group='image_store')
    CONF.set_override('filesystem_store_datadir',
                      os.path.join(state_dir, 'images'), group='image_store')
    db = image_db.ImageDatabase(connection)
    migration.db_sync(db, 'image')
    registry = image_registry.ImageRegistryService(host=host,
                                                   port=registry_port, db=db)
    return [registry, _ApiService(registry, host, api_port)]


class _ApiService:
    """The image API, built at start() so that it finds the registry on
    the port it really got (port 0 picks a free one)."""

    def __init__(self, registry, host, port):
        self.registry = registry
        self.host = host
        self.port = port
        self.service = None

    @property
    def server(self):
        return self.service.server

    def start(self):
        url = 'http://%s:%d' % (self.host, self.registry.server.port)
        CONF.set_override('url', url, group='image_registry')
        self.service = image_api.ImageApiService(
            host=self.host, port=self.port,
            registry=registry_client.RegistryClient(url=url))
        self.service.start()

    def stop(self):
        if self.service is not None:
            self.service.stop()
