"""The http store: read-only images whose data lives at an http(s) URL.

Such an image is made by adding a location to a queued image; downloads
stream from the URL through the image API. Nothing is ever written or
deleted remotely.
"""

from urllib import parse

import requests

from nube.image.stores import base


class _ResponseBody:
    def __init__(self, response, chunk_size):
        self._response = response
        self._chunk_size = chunk_size

    def __iter__(self):
        try:
            for chunk in self._response.iter_content(self._chunk_size):
                if chunk:
                    yield chunk
        except requests.RequestException as exc:
            raise base.StoreError('remote image data broke off: %s' % exc)
        finally:
            self.close()

    def close(self):
        self._response.close()


class HttpStore(base.Store):
    name = 'http'
    schemes = ('http', 'https')
    writable = False

    def __init__(self, conf, session=None):
        super().__init__(conf)
        self.session = session or requests.Session()

    @staticmethod
    def check_location(location):
        parts = parse.urlsplit(location)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise base.BadLocation('only http and https URLs are accepted')
        return location

    def _request(self, method, location):
        self.check_location(location)
        try:
            response = self.session.request(
                method, location, stream=True, allow_redirects=True,
                timeout=self.conf.image_store.http_timeout,
                headers={'Accept-Encoding': 'identity'})
        except requests.RequestException as exc:
            raise base.StoreError('remote image server unreachable: %s'
                                  % exc)
        if response.status_code == 404:
            response.close()
            raise base.StoreNotFound('no data at %s' % location)
        if response.status_code >= 400:
            response.close()
            raise base.StoreError('remote image server answered %s'
                                  % response.status_code)
        return response

    @staticmethod
    def _length(response):
        length = response.headers.get('Content-Length')
        try:
            return int(length) if length is not None else None
        except ValueError:
            return None

    def get(self, location):
        response = self._request('GET', location)
        return _ResponseBody(response, self.chunk_size), \
            self._length(response)

    def get_size(self, location):
        response = self._request('HEAD', location)
        response.close()
        return self._length(response)

    def delete(self, location):
        """Nothing to delete: the data is not ours."""
