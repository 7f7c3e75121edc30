"""Host drivers of the network service (stevedore namespace
``nube.network.drivers``): linux_net really changes the host, noop
changes nothing (nube-all, unit tests)."""

from stevedore import driver as stevedore_driver
from stevedore import exception as stevedore_exc

import nube.conf
from nube.network import exceptions

CONF = nube.conf.CONF
NAMESPACE = 'nube.network.drivers'


def _load_failed(manager, entrypoint, exc):
    raise exceptions.HostNetworkError(
        reason='cannot load network driver %s: %s' % (entrypoint.name, exc))


def load(name=None):
    """Build the driver named ``name`` ([network] network_driver)."""
    name = name or CONF.network.network_driver
    try:
        mgr = stevedore_driver.DriverManager(
            namespace=NAMESPACE, name=name, invoke_on_load=True,
            on_load_failure_callback=_load_failed)
    except stevedore_exc.NoMatches:
        raise exceptions.HostNetworkError(
            reason='no network driver named %r in %s' % (name, NAMESPACE))
    return mgr.driver
