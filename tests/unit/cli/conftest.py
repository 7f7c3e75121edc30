"""Fixtures: a fake client (see fakes.py: a deliberate mock of
nube.client.Client) and ``nube(*argv)`` running the CLI in-process."""

import io

import pytest

from nube.cli import main as cli_main
from tests.unit.cli import fakes


@pytest.fixture
def client():
    return fakes.FakeClient()


@pytest.fixture
def nube(client):
    def run(*argv, stderr=None):
        out = io.StringIO()
        err = stderr if stderr is not None else io.StringIO()
        code = cli_main.main(list(argv), client_factory=lambda args: client,
                             stdout=out, stderr=err)
        return fakes.Run(code, out.getvalue(), err.getvalue())
    return run
