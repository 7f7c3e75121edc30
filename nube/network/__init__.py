"""nube's network service: nova-network's data plane behind a Neutron
v2.0 subset API.

- ``api.py``: networks, subnets and ports (cell DBs), used by the
  Neutron-compatible WSGI app (``neutron/``), the conductor's build path
  and nube-manage;
- ``rpcapi.py`` / ``manager.py``: nube-network, which keeps the host in
  step with the database (bridges, dnsmasq, rules);
- ``managers/``: Flat, FlatDHCP and VLAN (what each network needs on the
  host), ``drivers/``: how it is done (linux_net, noop).
"""
