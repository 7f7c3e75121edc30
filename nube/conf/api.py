from oslo_config import cfg

api_group = cfg.OptGroup('api', title='Compute API options')

opts = [
    cfg.HostAddressOpt('listen', default='0.0.0.0',
                       help='Address the compute API listens on.'),
    cfg.PortOpt('port', default=8774, help='Port the compute API listens on.'),
    cfg.StrOpt('auth_strategy', default='noauth2',
               choices=['noauth2', 'keystone'],
               help='How requests are authenticated. keystone: '
                    'keystonemiddleware.auth_token validates tokens (options '
                    'in [keystone_authtoken]). noauth2 takes a token '
                    '"user:project" and trusts it: development only.'),
    cfg.ListOpt('noauth_admin_users', default=['admin'],
                help='With noauth2, users that get the admin role.'),
    cfg.IntOpt('workers', default=1, min=1,
               help='Not used yet: one green-threaded process serves all.'),
    cfg.IntOpt('wsgi_pool_size', default=1000, min=1,
               help='Greenthreads serving requests concurrently.'),
    cfg.IntOpt('max_request_body_size', default=114688, min=1024,
               help='Largest request body accepted, in bytes.'),
    cfg.IntOpt('max_count', default=200, min=1, max=0x7FFFFFFF,
               help='Most servers one POST /servers may ask for: a '
                    'min_count or max_count above it is refused with 400 '
                    'before any per-server work is done.'),
    cfg.FloatOpt('list_cell_timeout', default=10.0, min=0.1,
                 help='Seconds to wait for one cell while listing servers; '
                      'a cell that does not answer is left out.'),
    cfg.StrOpt('compute_link_prefix',
               help='Base URL put in links instead of the request host.'),
]


def register_opts(conf):
    conf.register_group(api_group)
    conf.register_opts(opts, group=api_group)


def list_opts():
    return {'api': opts}
