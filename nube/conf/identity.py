"""[identity] (the nube-identity service) and [identity_database]."""

import copy

from oslo_config import cfg
from oslo_db import options as oslo_db_options

identity_group = cfg.OptGroup('identity', title='Identity service options')
identity_db_group = cfg.OptGroup('identity_database',
                                 title='Identity database options')

opts = [
    cfg.HostAddressOpt('listen', default='0.0.0.0',
                       help='Address nube-identity listens on.'),
    cfg.PortOpt('port', default=5000,
                help='Port nube-identity listens on.'),
    cfg.StrOpt('public_endpoint',
               help='Base URL (e.g. http://cloud.example.com:5000) used in '
                    'version documents and links instead of the host the '
                    'request was sent to.'),
    cfg.IntOpt('token_expiration', default=3600, min=1,
               help='Seconds a token is valid after it is issued.'),
    cfg.IntOpt('allow_expired_window', default=172800, min=0,
               help='Seconds after expiry during which an admin or service '
                    'may still fetch a token with ?allow_expired=1.'),
    cfg.StrOpt('key_repository', default='$state_path/fernet-keys',
               help='Directory of Fernet keys: 0 is the staged key, the '
                    'highest number the primary that signs new tokens.'),
    cfg.IntOpt('max_active_keys', default=3, min=2,
               help='Keys kept by fernet_rotate, counting the staged and '
                    'the primary key. Rotate more rarely than '
                    'token_expiration * (max_active_keys - 2) seconds.'),
    cfg.FloatOpt('revocation_refresh_interval', default=5.0, min=0.0,
                 help='Seconds between reloads of the revocation events '
                      'from the database. Tokens revoked through another '
                      'process are refused at most this much later.'),
    cfg.FloatOpt('cache_time', default=5.0, min=0.0,
                 help='Seconds users, projects, role assignments and the '
                      'catalog are cached in memory for token validation. '
                      'Changes made through this process apply at once.'),
    cfg.IntOpt('password_hash_cost', default=14, min=4, max=20,
               help='log2 of the scrypt work factor N for new password '
                    'hashes (14: about 50 ms and 16 MiB per hash). Stored '
                    'hashes keep the cost they were made with.'),
    cfg.IntOpt('wsgi_pool_size', default=1000, min=1,
               help='Greenthreads serving requests concurrently.'),
    cfg.IntOpt('max_request_body_size', default=114688, min=1024,
               help='Largest request body accepted, in bytes.'),
    cfg.IntOpt('list_limit', default=1000, min=1,
               help='Most entities one list request returns.'),
]


def _db_opts():
    return copy.deepcopy(oslo_db_options.database_opts)


def register_opts(conf):
    conf.register_group(identity_group)
    conf.register_opts(opts, group=identity_group)
    conf.register_group(identity_db_group)
    conf.register_opts(_db_opts(), group=identity_db_group)


def list_opts():
    return {'identity': opts, 'identity_database': _db_opts()}
