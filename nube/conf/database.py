"""[database] is the cell DB, [api_database] the API DB (both oslo.db).

[database] also holds the connection budget options (nube.db.budget),
which apply to every database a service opens.
"""

import copy

from oslo_config import cfg
from oslo_db import options as oslo_db_options

api_db_group = cfg.OptGroup('api_database', title='API database options')

budget_opts = [
    cfg.IntOpt('service_concurrency', min=1,
               help='Most transactions this service runs at once on one '
                    'database: none of its engines (API DB, each cell DB, '
                    'image or identity DB) keeps more connections than '
                    'this, whatever max_pool_size + max_overflow allow. '
                    'Unset: what the service can run at once, '
                    '[api] wsgi_pool_size for nube-api, [image_registry] '
                    'wsgi_pool_size, [identity] wsgi_pool_size, '
                    '[DEFAULT] executor_thread_pool_size for nube-conductor '
                    'and nube-scheduler.'),
    cfg.BoolOpt('enforce_connection_budget', default=False,
                help='Refuse to start when the connections this service '
                     'may open (its pool budget over all its databases) '
                     'do not fit in the database server\'s '
                     'max_connections minus the connections already in '
                     'use. False: log a warning and start.'),
    cfg.FloatOpt('pool_wait_timeout', default=60.0, min=0.0,
                 help='Seconds a transaction keeps waiting for a database '
                      'connection while its pool is full (each wait on '
                      'the pool lasts up to pool_timeout) or the server '
                      'refuses new connections (1040 Too many '
                      'connections), before the error reaches the caller. '
                      '0: fail at the first full-pool timeout.'),
    cfg.FloatOpt('outage_wait_timeout', default=30.0, min=0.0,
                 help='Seconds nube-conductor and nube-scheduler keep '
                      'retrying a database operation while the server '
                      'cannot be reached (a MariaDB restart drops every '
                      'connection and refuses new ones for a few seconds) '
                      'before the error reaches the caller. Computes '
                      'retry their conductor calls on top of this, for '
                      '[conductor] call_retry_window. 0: no retry.'),
]


# Pool defaults of [database] and [api_database] (oslo.db's are 5 + 50).
POOL_DEFAULTS = {'max_pool_size': 16, 'max_overflow': 32}


def _api_db_opts():
    opts = copy.deepcopy(oslo_db_options.database_opts)
    for opt in opts:
        if opt.dest in POOL_DEFAULTS:
            opt.default = POOL_DEFAULTS[opt.dest]
    return opts


def register_opts(conf):
    # oslo.db's pool of 5 makes a busy green-threaded service open and
    # close overflow connections per transaction; each new PyMySQL
    # connection builds a TLS context (tens of ms). Keep more open. A
    # service's engines never keep more than it can use at once
    # (nube.db.budget): see doc/deployment.md, "Connection budgets".
    oslo_db_options.set_defaults(conf, **POOL_DEFAULTS)
    conf.register_opts(budget_opts, group='database')
    conf.register_group(api_db_group)
    conf.register_opts(_api_db_opts(), group=api_db_group)


def list_opts():
    return {'database': oslo_db_options.database_opts + budget_opts,
            'api_database': _api_db_opts()}
