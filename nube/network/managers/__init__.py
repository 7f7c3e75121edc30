"""Network managers (stevedore namespace ``nube.network.managers``):
flat, flat_dhcp and vlan, nova-network's three modes, each built on a
host driver (``nube.network.drivers``)."""

from stevedore import driver as stevedore_driver
from stevedore import exception as stevedore_exc

import nube.conf
from nube.network import exceptions

CONF = nube.conf.CONF
NAMESPACE = 'nube.network.managers'


def _load_failed(manager, entrypoint, exc):
    raise exceptions.HostNetworkError(
        reason='cannot load network manager %s: %s' % (entrypoint.name, exc))


def load(name=None, driver=None):
    """Build manager ``name`` ([network] network_manager) on ``driver``
    (default: the [network] network_driver one)."""
    name = name or CONF.network.network_manager
    if driver is None:
        from nube.network import drivers
        driver = drivers.load()
    try:
        mgr = stevedore_driver.DriverManager(
            namespace=NAMESPACE, name=name, invoke_on_load=True,
            invoke_args=(driver,), on_load_failure_callback=_load_failed)
    except stevedore_exc.NoMatches:
        raise exceptions.HostNetworkError(
            reason='no network manager named %r in %s' % (name, NAMESPACE))
    return mgr.driver
