"""What a project holds of the network resources, for nube.quota.

The network API checks its limits itself, in the cell it writes to
(``nube.quota.limit_of``); GET /limits and the quota sets' ``in_use`` of
the compute API need the project's total over every cell, which these
counters give. ``register()`` hands them to nube.quota (nube.network.api
calls it on import, so every process that can reach the networks counts
them).
"""

from nube.cells import targeting
import nube.conf
from nube import quota

CONF = nube.conf.CONF


def _cell_dbs():
    """Every cell's database; none for a process without the API DB (it
    knows no cell, as limit_of then knows only the defaults)."""
    if not CONF.api_database.connection:
        return []
    return [targeting.cell_database(cell) for cell in targeting.get_cells()]


def count_floating_ips(project_id, user_id=None):
    return sum(db.floating_ip_count(project_id) for db in _cell_dbs())


def count_security_groups(project_id, user_id=None):
    return sum(len(db.security_group_get_all(project_id=project_id))
               for db in _cell_dbs())


def count_security_group_rules(project_id, user_id=None):
    return sum(len(db.security_group_rule_get_all(project_id=project_id))
               for db in _cell_dbs())


COUNTERS = {'floating_ips': count_floating_ips,
            'security_groups': count_security_groups,
            'security_group_rules': count_security_group_rules}


def register():
    for resource, counter in COUNTERS.items():
        quota.register_counter(resource, counter)
