"""FlatManager: guests join a bridge the operator made and get their
addresses some other way (injected, config drive); nube serves no DHCP
and never creates or removes the bridge."""

from nube.network.managers import base


class FlatManager(base.NetworkManager):
    """The base behaviour is exactly nova-network's Flat mode."""

    name = 'flat'
    network_type = 'flat'
    dhcp = False
