"""Fixtures: the image API over an in-process registry on SQLite.

The registry client's HTTP session is replaced by one that calls the
registry WSGI app directly, so a unit test exercises the real client,
registry handlers and DB queries without sockets.
"""

import io
import json
from urllib import parse

from eventlet import patcher
import pytest
import webob

from nube.db.image import api as image_db
from nube.db import migration
from nube.image.api import app as image_app
from nube.image.registry import app as registry_app
from nube.image.registry import client as registry_client
from nube.image import stores



class _Response:
    def __init__(self, response):
        self.status_code = response.status_int
        self.reason = response.status.split(' ', 1)[-1]
        self._body = response.body

    def json(self):
        return json.loads(self._body)


class WsgiSession:
    """The slice of requests.Session the registry client uses."""

    def __init__(self, app):
        self.app = app

    def request(self, method, url, data=None, params=None, headers=None,
                timeout=None):
        parts = parse.urlsplit(url)
        path = parts.path
        if params:
            path += '?' + parse.urlencode(params)
        req = webob.Request.blank(path, method=method, headers=headers or {})
        if data is not None:
            req.body = data
        return _Response(req.get_response(self.app))


def file_server(directory):
    """A started http.server for ``directory`` in a real thread.

    Built from the original (never eventlet-green) http.server: other
    tests import eventlet.wsgi, which can leave a green copy behind, and a
    green server thread would never run while a test blocks on it.
    """
    http_server = patcher.original('http.server')

    class Handler(http_server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(directory), **kwargs)

        def log_message(self, *args):
            pass

    server = http_server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    patcher.original('threading').Thread(target=server.serve_forever,
                                         daemon=True).start()
    return server


class Result:
    def __init__(self, response):
        self.response = response
        self.status = response.status_int
        self.headers = response.headers
        self.raw = response.body
        try:
            self.body = json.loads(response.body) if response.body and \
                response.content_type == 'application/json' else None
        except ValueError:
            self.body = None


@pytest.fixture
def db(tmp_path):
    database = image_db.ImageDatabase('sqlite:///%s' % (tmp_path / 'i.db'))
    migration.db_sync(database, 'image')
    return database


@pytest.fixture
def registry(db):
    return registry_client.RegistryClient(
        url='http://registry', timeout=5,
        session=WsgiSession(registry_app.create_app(db)))


@pytest.fixture
def datadir(tmp_path, overrides):
    path = tmp_path / 'images'
    overrides('filesystem_store_datadir', str(path), group='image_store')
    overrides('filesystem_store_fsync', False, group='image_store')
    return path


@pytest.fixture
def app(registry, datadir):
    return image_app.create_app(registry=registry,
                                store_manager=stores.StoreManager())


@pytest.fixture
def call(app):
    """call(method, path, token='alice:p1', json=..., data=..., ...)."""

    def do(method, path, token='alice:p1', json_body=None, data=None,
           headers=None, content_type=None, chunked=False):
        headers = dict(headers or {})
        if token is not None:
            headers['X-Auth-Token'] = token
        headers.setdefault('Accept', 'application/json')
        req = webob.Request.blank(path, method=method, headers=headers)
        if json_body is not None:
            req.body = json.dumps(json_body).encode()
            req.content_type = content_type or 'application/json'
        elif data is not None:
            if chunked:
                req.headers['Transfer-Encoding'] = 'chunked'
                req.environ['wsgi.input'] = io.BytesIO(data)
                req.environ['wsgi.input_terminated'] = True
                req.environ.pop('CONTENT_LENGTH', None)
            else:
                req.body = data
            req.content_type = content_type or 'application/octet-stream'
        elif content_type:
            req.content_type = content_type
        return Result(req.get_response(app))
    return do
