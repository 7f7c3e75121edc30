from oslo_config import cfg

scheduler_group = cfg.OptGroup('scheduler', title='Scheduler options')
filter_group = cfg.OptGroup('filter_scheduler', title='Filters and weighers')

scheduler_opts = [
    cfg.IntOpt('max_attempts', default=3, min=1,
               help='Hosts one instance may be tried on (chosen host plus '
                    'alternates) before it goes to ERROR.'),
    cfg.IntOpt('host_refresh_interval', default=5, min=0,
               help='Seconds between full reloads of host states from every '
                    'cell. Claims always check capacity in the database.'),
    cfg.IntOpt('build_request_timeout', default=300, min=1,
               help='Seconds a server may wait to be scheduled; after that '
                    'the scheduler moves it to cell0 in ERROR.'),
    cfg.IntOpt('build_request_recover_after', default=60, min=1,
               help='Seconds after which a server still waiting to be '
                    'scheduled is looked for in the cells: one a '
                    'scheduler claimed but never handed over (it died in '
                    'between) is handed over now, one no scheduler took '
                    '(its cast was lost with a scheduler that died) is '
                    'scheduled again, once per scheduler process.'),
    cfg.IntOpt('reaper_interval', default=10, min=1,
               help='Seconds between scans for stale build requests.'),
    cfg.StrOpt('selection', default='filter_weigher',
               choices=[('filter_weigher', 'filter the hosts, weigh the '
                         'ones that pass and take the best (or one of the '
                         'host_subset_size best)'),
                        ('chance', 'filter the hosts and take one of the '
                         'ones that pass at random; weighers do not run')],
               help='How the scheduler picks among the hosts that pass '
                    'the filters.'),
]

filter_opts = [
    cfg.ListOpt('enabled_filters',
                default=['ComputeFilter', 'AvailabilityZoneFilter',
                         'ResourceFilter', 'ImagePropertiesFilter',
                         'SameHostFilter', 'DifferentHostFilter',
                         'ServerGroupAntiAffinityFilter',
                         'ServerGroupAffinityFilter'],
                help='Filters (nube.scheduler.filters entry points) a host '
                     'must pass, in order.'),
    cfg.ListOpt('weight_classes',
                default=['RAMWeigher', 'CPUWeigher', 'DiskWeigher',
                         'ServerGroupSoftAffinityWeigher',
                         'ServerGroupSoftAntiAffinityWeigher'],
                help='Weighers (nube.scheduler.weights entry points).'),
    cfg.FloatOpt('ram_weight_multiplier', default=1.0,
                 help='Positive spreads by free RAM, negative packs.'),
    cfg.FloatOpt('cpu_weight_multiplier', default=1.0,
                 help='Positive spreads by free vCPUs, negative packs.'),
    cfg.FloatOpt('disk_weight_multiplier', default=1.0,
                 help='Positive spreads by free disk, negative packs.'),
    cfg.IntOpt('host_subset_size', default=1, min=1,
               help='Pick randomly among this many best hosts, to spread '
                    'racing schedulers.'),
    cfg.FloatOpt('soft_affinity_weight_multiplier', default=1.0, min=0.0,
                 help='How strongly a soft-affinity group\'s next member '
                      'is drawn to the hosts its members run on.'),
    cfg.FloatOpt('soft_anti_affinity_weight_multiplier', default=1.0,
                 min=0.0,
                 help='How strongly a soft-anti-affinity group\'s next '
                      'member is kept off the hosts its members run on.'),
]


def register_opts(conf):
    conf.register_group(scheduler_group)
    conf.register_opts(scheduler_opts, group=scheduler_group)
    conf.register_group(filter_group)
    conf.register_opts(filter_opts, group=filter_group)


def list_opts():
    return {'scheduler': scheduler_opts, 'filter_scheduler': filter_opts}
