"""[quota]: the default limits of every project (Nova's defaults).

The ``default`` quota class (``os-quota-class-sets/default``) overrides
these; a project's and a user's own limits override that. -1: no limit.
"""

from oslo_config import cfg

group = cfg.OptGroup('quota', title='Quota options')


def _limit(name, default, help, deprecated=None):
    deprecated_opts = [cfg.DeprecatedOpt(deprecated, group='network')] \
        if deprecated else None
    return cfg.IntOpt(name, default=default, min=-1, max=0x7FFFFFFF,
                      deprecated_opts=deprecated_opts, help=help)


opts = [
    _limit('instances', 10, 'Servers a project may have.'),
    _limit('cores', 20, 'vCPUs the servers of a project may have.'),
    _limit('ram', 51200, 'MB of RAM the servers of a project may have.'),
    _limit('metadata_items', 128, 'Metadata items one server may have.'),
    _limit('key_pairs', 100, 'Key pairs one user may have.'),
    _limit('server_groups', 10, 'Server groups a project may have.'),
    _limit('server_group_members', 10, 'Servers one server group may hold.'),
    _limit('floating_ips', 50, 'Floating IPs a project may hold '
           '(Neutron\'s default).', deprecated='quota_floatingip'),
    _limit('security_groups', 10, 'Security groups a project may have, '
           'its default group included.', deprecated='quota_security_group'),
    _limit('security_group_rules', 100, 'Security group rules a project '
           'may have.', deprecated='quota_security_group_rule'),
    _limit('injected_files', 5, 'Personality files one create may carry.'),
    _limit('injected_file_content_bytes', 10240,
           'Bytes of one personality file.'),
    _limit('injected_file_path_length', 255,
           'Characters of one personality file\'s path.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'quota': opts}
