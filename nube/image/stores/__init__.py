"""Image stores, loaded as stevedore plugins (namespace nube.image.stores).

``[image_store] default_store`` receives uploads; reads and deletes go to
the store that owns the location's URL scheme.
"""

import threading
from urllib import parse

from stevedore import driver

import nube.conf

CONF = nube.conf.CONF
NAMESPACE = 'nube.image.stores'
# URL scheme -> entry point name.
SCHEMES = {'file': 'file', 'swift': 'swift', 'http': 'http',
           'https': 'http'}


class StoreManager:
    """Loads each store once, on first use."""

    def __init__(self, conf=None):
        self.conf = conf or CONF
        self._stores = {}
        self._lock = threading.Lock()

    def get(self, name):
        with self._lock:
            if name not in self._stores:
                manager = driver.DriverManager(
                    NAMESPACE, name, invoke_on_load=True,
                    invoke_args=(self.conf,))
                self._stores[name] = manager.driver
            return self._stores[name]

    def default(self):
        return self.get(self.conf.image_store.default_store)

    def for_location(self, location):
        from nube.image.stores import base

        scheme = parse.urlsplit(location).scheme
        if scheme not in SCHEMES:
            raise base.BadLocation('no store for %s URLs' % scheme)
        return self.get(SCHEMES[scheme])
