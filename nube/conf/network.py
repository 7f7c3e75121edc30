from oslo_config import cfg

group = cfg.OptGroup('network', title='Flat fixed-IP network options')

opts = [
    cfg.StrOpt('fixed_range', default='10.0.0.0/16',
               help='IPv4 CIDR fixed addresses are allocated from (per cell: '
                    'the cell conductor allocates).'),
    cfg.StrOpt('label', default='private',
               help='Network name shown as the key of "addresses".'),
    cfg.StrOpt('mac_prefix', default='fa:16:3e',
               help='First three octets of generated MAC addresses.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'network': opts}
