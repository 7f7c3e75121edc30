"""[database] is the cell DB, [api_database] the API DB (both oslo.db)."""

import copy

from oslo_config import cfg
from oslo_db import options as oslo_db_options

api_db_group = cfg.OptGroup('api_database', title='API database options')


def _api_db_opts():
    return copy.deepcopy(oslo_db_options.database_opts)


def register_opts(conf):
    oslo_db_options.set_defaults(conf)
    conf.register_group(api_db_group)
    conf.register_opts(_api_db_opts(), group=api_db_group)


def list_opts():
    return {'database': oslo_db_options.database_opts,
            'api_database': _api_db_opts()}
