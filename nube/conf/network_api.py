from oslo_config import cfg

group = cfg.OptGroup('network_api', title='Network API (Neutron v2.0 subset)')

opts = [
    cfg.HostAddressOpt('listen', default='0.0.0.0',
                       help='Address the network API listens on.'),
    cfg.PortOpt('port', default=9696, help='Port the network API listens on.'),
    cfg.StrOpt('auth_strategy', default='noauth2',
               choices=['noauth2', 'keystone'],
               help='How requests are authenticated (as [api] '
                    'auth_strategy).'),
    cfg.IntOpt('wsgi_pool_size', default=1000, min=1,
               help='Greenthreads serving requests concurrently.'),
    cfg.IntOpt('max_request_body_size', default=114688, min=1024,
               help='Largest request body accepted, in bytes.'),
    cfg.IntOpt('max_page_size', default=1000, min=1,
               help='Most resources one list answers with; a larger '
                    '"limit" is cut to it.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'network_api': opts}
