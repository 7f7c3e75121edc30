from oslo_config import cfg

group = cfg.OptGroup('cells', title='Cells v2 options')

opts = [
    cfg.IntOpt('mapping_cache_time', default=60, min=0,
               help='Seconds a process keeps the cell mappings it read.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'cells': opts}
