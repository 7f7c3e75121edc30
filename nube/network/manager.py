"""nube-network: keeps a host's networking in step with the cell database.

The whole desired state (networks, subnets, ports, security groups,
floating IPs) is read from the cell DB and handed to the manager plugin
(Flat, FlatDHCP, VLAN), which makes the host match it: bridges, one
dnsmasq per DHCP network, isolation rules, port filters, floating IP
translations. A start does it first (a restarted service rebuilds
everything, and keeps the dnsmasq processes that still serve the right
files, so no lease is lost); a ``refresh`` cast asks for it again after
a change; a periodic pass every [network] sync_interval seconds repairs
whatever a lost cast or an outside change left behind. Refreshes that
arrive while a sync runs fold into the next one, so a storm of port
changes costs a few syncs, not one per port.

Single-host (the default): one nube-network per cell serves every
network. ``[network] multi_host = true``: one on each compute host
serves the multi-host networks its own guests are on, with only their
ports.
"""

import threading
import time

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

from nube import outage
from nube import timing
import nube.conf
from nube.network import managers

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)


def host_networks(networks, host, multi_host):
    """The part of the cell's networks one nube-network serves, in the
    shape the manager plugins take."""
    result = []
    for net in networks:
        if bool(net['multi_host']) != bool(multi_host):
            continue
        ports = net['ports']
        if multi_host:
            ports = [p for p in ports if p.get('host') == host]
            if not ports:
                continue
        result.append({
            'id': net['uuid'], 'name': net['name'],
            'project_id': net['project_id'],
            'network_type': net['network_type'],
            'segmentation_id': net['vlan'], 'bridge': net['bridge'],
            'bridge_interface': net['bridge_interface'], 'mtu': net['mtu'],
            'admin_state_up': bool(net['admin_state_up']),
            'subnets': [{'id': s['uuid'], 'cidr': s['cidr'],
                         'gateway_ip': s['gateway_ip'],
                         'enable_dhcp': bool(s['enable_dhcp']),
                         'dns_nameservers': list(s['dns_nameservers']) or
                         list(CONF.network.dns_servers),
                         'allocation_pools': list(s['allocation_pools']),
                         'host_routes': list(s.get('host_routes') or [])}
                        for s in net['subnets']],
            'external': bool(net.get('external')),
            'ports': [{'id': p['id'], 'mac_address': p['mac_address'],
                       'admin_state_up': bool(p['admin_state_up']),
                       'fixed_ips': list(p['fixed_ips']),
                       'device_owner': p.get('device_owner') or '',
                       'security_groups': list(
                           p.get('security_groups') or ())}
                      for p in ports],
        })
    return result


def host_floating_ips(floating_ips, networks, multi_host):
    """The floating IPs one nube-network translates: all of them in
    single-host mode (the plugin keeps those of the networks it
    serves), only those of its own ports in multi-host mode."""
    if not multi_host:
        return list(floating_ips)
    ports = {p['id'] for net in networks for p in net['ports']}
    return [fip for fip in floating_ips if fip.get('port_id') in ports]


class NetworkManager(periodic_task.PeriodicTasks):
    """RPC endpoint of nube-network (topic 'network', fanout)."""

    target = messaging.Target(version='1.0')

    def __init__(self, cell_db, host=None, plugin=None):
        super().__init__(CONF)
        self.db = outage.DatabaseRetry(cell_db)
        self.host = host or CONF.host
        self.plugin = plugin if plugin is not None else managers.load()
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._worker = None
        self.syncs = 0
        self._periodic_spacing = dict(self._periodic_spacing,
                                      _periodic_sync=CONF.network.sync_interval)

    def init_host(self):
        """Rebuild the host's networking from the DB before serving."""
        self.sync()
        self._worker = threading.Thread(target=self._run, daemon=True,
                                        name='nube-network-sync')
        self._worker.start()

    def cleanup_host(self):
        self._stopping.set()
        self._wanted.set()

    def refresh(self, context, network_ids):
        """Cast: these networks changed; sync soon."""
        self._wanted.set()

    @periodic_task.periodic_task(spacing=10, run_immediately=False)
    def _periodic_sync(self, context):
        self._wanted.set()

    def _run(self):
        while not self._stopping.is_set():
            self._wanted.wait()
            # Fold the rest of a burst into this sync.
            if self._stopping.wait(CONF.network.sync_batch_delay):
                return
            self._wanted.clear()
            try:
                self.sync()
            except Exception:
                LOG.exception('Network sync failed; trying again in %d s',
                              CONF.network.sync_interval)
                # The periodic pass asks again; do not spin on an error.
                self._stopping.wait(1)

    @timing.timed('network.sync')
    def sync(self):
        started = time.monotonic()
        multi_host = CONF.network.multi_host
        networks = host_networks(self.db.network_host_state(), self.host,
                                 multi_host)
        groups = self.db.security_host_state()
        floating_ips = host_floating_ips(self.db.floating_host_state(),
                                         networks, multi_host)
        self.plugin.sync(networks, security_groups=groups,
                         floating_ips=floating_ips)
        self.syncs += 1
        LOG.debug('Synced %d networks in %.3f s', len(networks),
                  time.monotonic() - started)
        return networks
