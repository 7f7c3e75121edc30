"""A fake nube.client.Client for the CLI's unit tests.

This is a deliberate mock: the CLI's unit tests check argument parsing,
output formatting and exit codes, not HTTP. The fake keeps resources in
dicts, records every call in ``calls`` and raises the library's real
exception classes (nube.client.exceptions), so the CLI's error mapping is
exercised against the same types it meets for real. The real library and
a real cloud are driven by tests/functional/test_cli.py.
"""

import io
import uuid

from nube.client import exceptions

SERVER_ID = '11111111-2222-3333-4444-555555555555'
IMAGE_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'


def server(**extra):
    body = {
        'id': SERVER_ID, 'name': 'web1', 'status': 'ACTIVE',
        'addresses': {'private': [{'addr': '10.0.0.3', 'version': 4}]},
        'image': {'id': IMAGE_ID, 'links': []},
        'flavor': {'original_name': 'm1.tiny', 'vcpus': 1, 'ram': 512,
                   'disk': 1, 'ephemeral': 0, 'swap': 0,
                   'extra_specs': {}},
        'metadata': {'role': 'web'}, 'links': [{'rel': 'self'}],
        'OS-EXT-STS:task_state': None, 'OS-EXT-STS:power_state': 1,
        'OS-EXT-AZ:availability_zone': 'nova',
        'OS-EXT-SRV-ATTR:host': 'host1', 'progress': 0,
    }
    body.update(extra)
    return body


def image(**extra):
    body = {'id': IMAGE_ID, 'name': 'cirros', 'status': 'active',
            'disk_format': 'raw', 'container_format': 'bare',
            'size': 10, 'checksum': 'abc', 'visibility': 'shared',
            'protected': False, 'owner': 'p1', 'tags': []}
    body.update(extra)
    return body


class _Manager:
    kind = 'resource'

    def __init__(self, client, items):
        self.client = client
        self.items = items

    def _record(self, _method, *args, **kwargs):
        self.client.calls.append((self.kind + '.' + _method, args, kwargs))

    def get(self, id_or_name):
        self._record('get', id_or_name)
        for item in self.items:
            if id_or_name in (item['id'], item.get('name')):
                return dict(item)
        raise exceptions.NotFoundByName(
            'No %s with a name or ID of %r exists.' % (self.kind,
                                                       id_or_name),
            http_status=404, request_id='req-fake-404')

    def delete(self, item, **kwargs):
        self._record('delete', item, **kwargs)
        self.items[:] = [i for i in self.items if i['id'] != item]


class Servers(_Manager):
    kind = 'server'

    def __init__(self, client, items):
        super().__init__(client, items)
        # What a --wait ends with: 'ACTIVE', 'ERROR' or 'TIMEOUT'.
        self.wait_outcome = 'ACTIVE'
        self.console = 'line1\nline2'

    def list(self, detailed=True, **filters):
        self._record('list', detailed=detailed, **filters)
        return [dict(i) for i in self.items]

    def _wait(self, body, callback):
        if callback:
            callback(0, dict(body, status='BUILD'))
            callback(50, dict(body, status='BUILD'))
        if self.wait_outcome == 'ERROR':
            raise exceptions.ResourceInErrorState(
                'Server %s went to status ERROR: No valid host' % body['id'])
        if self.wait_outcome == 'TIMEOUT':
            raise exceptions.Timeout('Timed out after 1s waiting for server')
        return dict(body, status='ACTIVE', progress=100)

    def create(self, name, image, flavor, wait=False, timeout=600,
               callback=None, **kwargs):
        self._record('create', name, image, flavor, wait=wait,
                     timeout=timeout, **kwargs)
        body = server(id=str(uuid.uuid4()), name=name, status='BUILD')
        self.items.append(body)
        if wait:
            return self._wait(body, callback)
        return {'id': body['id'], 'links': []}

    def delete(self, item, wait=False, timeout=600, callback=None):
        super().delete(item, wait=wait, timeout=timeout)
        if wait and callback:
            callback(100, {'id': item, 'status': 'DELETED'})
        if wait and self.wait_outcome == 'TIMEOUT':
            raise exceptions.Timeout('Timed out waiting for delete')

    def start(self, item):
        self._record('start', item)

    def stop(self, item):
        self._record('stop', item)

    def reboot(self, item, hard=False):
        self._record('reboot', item, hard=hard)

    def console_output(self, item, length=None):
        self._record('console_output', item, length=length)
        return self.console

    def wait_for_status(self, item, status='ACTIVE', timeout=600,
                        callback=None, **kwargs):
        self._record('wait_for_status', item, status=status,
                     timeout=timeout)
        return self._wait(server(id=item), callback)


class Flavors(_Manager):
    kind = 'flavor'

    def list(self, detailed=True, is_public=True):
        self._record('list', detailed=detailed, is_public=is_public)
        return [dict(i) for i in self.items]

    def create(self, name, ram, vcpus, disk, **kwargs):
        self._record('create', name, ram=ram, vcpus=vcpus, disk=disk,
                     **kwargs)
        body = {'id': kwargs.get('flavorid') or 'f-new', 'name': name,
                'ram': ram, 'vcpus': vcpus, 'disk': disk,
                'OS-FLV-EXT-DATA:ephemeral': kwargs.get('ephemeral', 0),
                'os-flavor-access:is_public': kwargs.get('is_public'),
                'swap': kwargs.get('swap') or '', 'links': []}
        self.items.append(body)
        return body


class Images(_Manager):
    kind = 'image'

    def __init__(self, client, items):
        super().__init__(client, items)
        self.data = b'0123456789'
        self.checksum_ok = True

    def list(self, **filters):
        self._record('list', **filters)
        return [dict(i) for i in self.items]

    def _consume(self, data, callback):
        if isinstance(data, str):
            with open(data, 'rb') as f:
                payload = f.read()
        else:
            payload = data.read()
        if callback:
            callback(len(payload) // 2, len(payload))
            callback(len(payload), len(payload))
        return payload

    def create(self, name, data=None, callback=None, size=None, **kwargs):
        self._record('create', name, data=data, size=size, **kwargs)
        body = image(name=name, status='queued')
        if data is not None:
            self.data = self._consume(data, callback)
            body.update(status='active', size=len(self.data))
        self.items.append(body)
        return body

    def upload(self, item, data, size=None, callback=None):
        self._record('upload', item, data, size=size)
        self.data = self._consume(data, callback)

    def download(self, item, dest, callback=None, verify=True):
        self._record('download', item, dest, verify=verify)
        if verify and not self.checksum_ok:
            raise exceptions.ChecksumMismatch(
                'Image %s: md5 mismatch' % item)
        if isinstance(dest, str):
            with open(dest, 'wb') as f:
                f.write(self.data)
        else:
            dest.write(self.data)
        if callback:
            callback(len(self.data), len(self.data))
        return image()

    def update(self, item, remove_props=(), **props):
        self._record('update', item, remove_props=remove_props, **props)


class _Lister:
    def __init__(self, client, kind, items):
        self.client = client
        self.kind = kind
        self.items = items

    def list(self, **kwargs):
        self.client.calls.append((self.kind + '.list', (), kwargs))
        return self.items


class FakeClient:
    def __init__(self):
        self.calls = []
        self.servers = Servers(self, [server()])
        self.flavors = Flavors(self, [{
            'id': '1', 'name': 'm1.tiny', 'ram': 512, 'disk': 1,
            'vcpus': 1, 'OS-FLV-EXT-DATA:ephemeral': 0,
            'os-flavor-access:is_public': True, 'swap': '',
            'links': []}])
        self.images = Images(self, [image()])
        self.hypervisors = _Lister(self, 'hypervisor', [{
            'id': 1, 'hypervisor_hostname': 'node1',
            'hypervisor_type': 'QEMU', 'host_ip': '10.0.0.1',
            'state': 'up', 'status': 'enabled', 'vcpus': 2,
            'vcpus_used': 1, 'memory_mb': 2048, 'memory_mb_used': 512,
            'running_vms': 1}])
        self.services = _Lister(self, 'service', [{
            'id': 3, 'binary': 'nube-compute', 'host': 'host1',
            'zone': 'nova', 'status': 'enabled', 'state': 'up',
            'updated_at': '2026-11-21T10:00:00Z'}])
        self.availability_zones = _Lister(self, 'az', [{
            'zoneName': 'nova', 'zoneState': {'available': True},
            'hosts': {'host1': {'nube-compute': {
                'available': True, 'active': True}}}}])

    def versions(self):
        return {'compute': {'endpoint': 'http://c/v2.1', 'id': 'v2.1',
                            'status': 'CURRENT', 'min_version': '2.1',
                            'max_version': '2.100',
                            'microversion': '2.100'},
                'image': {'endpoint': 'http://i', 'versions': [
                    {'id': 'v2.16', 'status': 'CURRENT'},
                    {'id': 'v2.15', 'status': 'SUPPORTED'}]}}


class Run:
    """The outcome of one `nube` invocation in-process."""

    def __init__(self, code, stdout, stderr):
        self.code = code
        self.stdout = stdout
        self.stderr = stderr


class TTYStringIO(io.StringIO):
    def isatty(self):
        return True
