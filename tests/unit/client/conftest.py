import pytest

from nube.client import client as client_mod
from tests.unit.client import fakes


@pytest.fixture
def cloud():
    return fakes.FakeCloud()


@pytest.fixture
def client(cloud):
    return client_mod.Client(cloud.session(), region_name='RegionOne',
                             retry_delay=0.001)
