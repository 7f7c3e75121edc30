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
