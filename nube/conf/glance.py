from oslo_config import cfg

group = cfg.OptGroup('glance', title='Image service options')

opts = [
    cfg.StrOpt('api_endpoint',
               help='Image API base URL. Unset: no image service; any image '
                    'UUID is accepted and booted as a blank disk.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'glance': opts}
