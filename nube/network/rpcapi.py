"""Client side of nube-network's RPC API (topic 'network', per cell).

1.0 - refresh (fanout cast), plug (call to the network service of a host)
"""

from nube import rpc

TOPIC = 'network'


class NetworkAPI:
    VERSION = '1.0'

    def __init__(self, transport_url=None):
        self._client = rpc.get_client(TOPIC, self.VERSION,
                                      transport_url=transport_url)

    def refresh(self, ctxt, network_ids):
        """Cast to every nube-network of the cell: bring the host state of
        these networks in line with the database."""
        self._client.prepare(fanout=True).cast(
            ctxt, 'refresh', network_ids=list(network_ids))
