from oslo_config import cfg

group = cfg.OptGroup('conductor', title='Conductor options')

opts = [
    cfg.IntOpt('reaper_interval', default=10, min=1,
               help='Seconds between scans for instances stuck past their '
                    'task deadline.'),
    cfg.IntOpt('scheduling_timeout', default=120, min=1,
               help='Seconds from claim until the compute starts spawning.'),
    cfg.IntOpt('spawning_timeout', default=600, min=1,
               help='Seconds a compute may take to spawn an instance.'),
    cfg.IntOpt('task_timeout', default=300, min=1,
               help='Seconds any other task (delete, stop, start, reboot) may '
                    'take before the instance goes to ERROR.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'conductor': opts}
