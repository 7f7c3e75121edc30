"""Fixtures: the compute API app over in-test stand-ins, and a caller."""

import json

import pytest
import webob

from nube.api import app as api_app
from tests.unit.api import fakes



class Result:
    """A response plus its parsed JSON body (None when there is none)."""

    def __init__(self, response):
        self.response = response
        self.status = response.status_int
        self.headers = response.headers
        self.body = json.loads(response.body) if response.body else None


@pytest.fixture
def compute_api():
    return fakes.FakeComputeAPI()


@pytest.fixture
def host_api():
    return fakes.FakeHostAPI()


@pytest.fixture
def flavor_db():
    db = fakes.FakeFlavorDB()
    db.add('42')
    return db


@pytest.fixture
def app(compute_api, host_api, flavor_db):
    return api_app.create_app(compute_api=compute_api, host_api=host_api,
                              db=flavor_db)


@pytest.fixture
def call(app):
    """call(method, path, body=None, token='alice:demo', version=None)."""

    def _call(method, path, body=None, token='alice:demo', version=None,
              headers=None, raw_body=None, content_type='application/json'):
        all_headers = dict(headers or {})
        if token is not None:
            all_headers['X-Auth-Token'] = token
        if version is not None:
            all_headers['OpenStack-API-Version'] = 'compute %s' % version
        req = webob.Request.blank(path, method=method, headers=all_headers)
        if body is not None or raw_body is not None:
            req.body = raw_body if raw_body is not None else \
                json.dumps(body).encode()
            req.content_type = content_type
        return Result(req.get_response(app))

    return _call
