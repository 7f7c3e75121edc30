"""Unit tests run with real threads: importing nube.cmd (console scripts)
must not monkey-patch the test process with eventlet, or a test that
serves HTTP from a thread can stall the whole run."""

import os

os.environ.setdefault('NUBE_NO_MONKEY_PATCH', '1')

import pytest  # noqa: E402  (after the environment above is set)


@pytest.fixture
def cell_db(tmp_path):
    """A migrated SQLite cell database, disposed after the test."""
    from tests.unit.conductor import fakes
    database = fakes.make_cell_db(tmp_path)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _nube_pool_defaults():
    """nube's [database] pool defaults, set again for every test: a test
    whose oslo.config fixture cleans up calls CONF.reset(), which also
    drops the defaults nube.conf.database set at import."""
    from oslo_db import options as oslo_db_options

    from nube.conf import database
    import nube.conf
    oslo_db_options.set_defaults(nube.conf.CONF, **database.POOL_DEFAULTS)


@pytest.fixture
def overrides():
    """set(name, value, group=None): a config option for one test,
    cleared afterwards."""
    import nube.conf
    done = []

    def set_override(name, value, group=None):
        nube.conf.CONF.set_override(name, value, group=group)
        done.append((name, group))

    yield set_override
    for name, group in done:
        nube.conf.CONF.clear_override(name, group=group)
