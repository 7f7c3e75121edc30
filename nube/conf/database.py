"""[database] is the cell DB, [api_database] the API DB (both oslo.db)."""

import copy

from oslo_config import cfg
from oslo_db import options as oslo_db_options

api_db_group = cfg.OptGroup('api_database', title='API database options')


def _api_db_opts():
    return copy.deepcopy(oslo_db_options.database_opts)


def register_opts(conf):
    # oslo.db's pool of 5 makes a busy green-threaded service open and
    # close overflow connections per transaction; each new PyMySQL
    # connection builds a TLS context (tens of ms). Keep more open.
    oslo_db_options.set_defaults(conf, max_pool_size=16, max_overflow=32)
    conf.register_group(api_db_group)
    conf.register_opts(_api_db_opts(), group=api_db_group)


def list_opts():
    return {'database': oslo_db_options.database_opts,
            'api_database': _api_db_opts()}
