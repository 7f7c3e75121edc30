"""Servers (Nova /servers): list, lookup, create, delete, actions, waits."""

import base64
import re

from oslo_utils import uuidutils

from nube.client import base
from nube.client import exceptions
from nube.client import waiters

ACTIVE = 'ACTIVE'
DELETED_STATUSES = ('DELETED', 'SOFT_DELETED')


def _networks(value, microversion_ok):
    """The body's ``networks``: 'auto', 'none' or [{uuid|port|fixed_ip}]."""
    if value is None or isinstance(value, str):
        value = (value or 'auto').lower()
        if value not in ('auto', 'none'):
            raise ValueError("networks must be 'auto', 'none' or a list")
        if not microversion_ok:
            if value == 'none':
                raise exceptions.ClientException(
                    "networks='none' needs compute microversion >= 2.37")
            return None
        return value
    networks = []
    for entry in value:
        if isinstance(entry, str):
            entry = {'uuid': entry}
        networks.append(dict(entry))
    return networks


class ServerManager(base.Manager):
    kind = 'server'

    @property
    def _api(self):
        return self.client.compute

    def list(self, detailed=True, **filters):
        """Every server matching ``filters`` (all pages)."""
        path = '/servers/detail' if detailed else '/servers'
        return self._api.paginate(path, 'servers',
                                  base.clean_filters(filters))

    def _get_by_id(self, server_id):
        return self._api.get_json('/servers/' + base.quote(server_id))[
            'server']

    def get(self, id_or_name):
        """By id; else the one server with exactly that name."""
        return self._find(
            id_or_name, self._get_by_id,
            # Nova's name filter is a regular expression.
            lambda name: self.list(detailed=True,
                                   name='^%s$' % re.escape(name)))

    def find_id(self, server):
        if isinstance(server, dict):
            return server['id']
        if uuidutils.is_uuid_like(server):
            return server
        return self.get(server)['id']

    # -- create / update / delete ---------------------------------------

    def create(self, name, image, flavor, networks='auto', min_count=1,
               max_count=1, availability_zone=None, metadata=None,
               key_name=None, user_data=None, wait=False, timeout=600,
               callback=None, description=None, config_drive=None,
               admin_pass=None, scheduler_hints=None,
               return_reservation_id=False, interval=0.5, **extra):
        """POST /servers; with ``wait``, poll until ACTIVE (or raise).

        ``image`` and ``flavor`` are ids, names or dicts. ``user_data``
        (str or bytes) is base64-encoded here. ``extra`` goes into the
        server body as is. With ``return_reservation_id`` the answer is
        ``{'reservation_id': R}`` and ``wait`` waits for every server of
        that reservation.
        """
        body = {'name': name,
                'imageRef': self.client.images.find_id(image),
                'flavorRef': self.client.flavors.find_id(flavor)}
        nets = _networks(networks, self._api.supports('2.37'))
        if nets is not None:
            body['networks'] = nets
        if min_count != 1 or max_count != 1:
            body['min_count'] = min_count
            body['max_count'] = max(max_count, min_count)
        if return_reservation_id:
            body['return_reservation_id'] = True
        optional = {'availability_zone': availability_zone,
                    'metadata': metadata, 'key_name': key_name,
                    'description': description,
                    'config_drive': config_drive, 'adminPass': admin_pass}
        body.update({k: v for k, v in optional.items() if v is not None})
        if user_data is not None:
            if isinstance(user_data, str):
                user_data = user_data.encode('utf-8')
            body['user_data'] = base64.b64encode(user_data).decode('ascii')
        body.update(extra)
        request = {'server': body}
        if scheduler_hints:
            request['os:scheduler_hints'] = scheduler_hints
        answer = self._api.post('/servers', json=request).json()
        if 'reservation_id' in answer:
            if wait:
                reservation = answer['reservation_id']
                for server in self.list(reservation_id=reservation):
                    self.wait_for_status(server, ACTIVE, timeout=timeout,
                                         interval=interval,
                                         callback=callback)
            return answer
        server = answer['server']
        if wait:
            waited = self.wait_for_status(server, ACTIVE, timeout=timeout,
                                          interval=interval,
                                          callback=callback)
            if server.get('adminPass'):
                waited['adminPass'] = server['adminPass']
            return waited
        return server

    def update(self, server, name=None, description=None, **fields):
        """PUT /servers/ID (name, description, accessIPv4/6)."""
        body = dict(fields)
        if name is not None:
            body['name'] = name
        if description is not None:
            body['description'] = description
        return self._api.put('/servers/' + self.find_id(server),
                             json={'server': body}).json()['server']

    def delete(self, server, wait=False, timeout=600, callback=None,
               interval=0.5):
        server_id = self.find_id(server)
        self._api.delete('/servers/' + server_id)
        if wait:
            self.wait_for_delete(server_id, timeout=timeout,
                                 interval=interval, callback=callback)

    # -- actions -----------------------------------------------------------

    def _action(self, server, body):
        return self._api.post('/servers/%s/action' % self.find_id(server),
                              json=body)

    def start(self, server):
        self._action(server, {'os-start': None})

    def stop(self, server):
        self._action(server, {'os-stop': None})

    def reboot(self, server, hard=False):
        self._action(server, {'reboot': {'type': 'HARD' if hard
                                         else 'SOFT'}})

    def force_delete(self, server, wait=False, timeout=600, callback=None,
                     interval=0.5):
        """The forceDelete action (a soft-deleted server goes for good)."""
        server_id = self.find_id(server)
        self._action(server_id, {'forceDelete': None})
        if wait:
            self.wait_for_delete(server_id, timeout=timeout,
                                 interval=interval, callback=callback)

    def restore(self, server):
        """The restore action (undo a soft delete; 409 when there is
        none to undo)."""
        self._action(server, {'restore': None})

    def lock(self, server):
        """Non-admins may then not stop, reboot, delete, ... it."""
        self._action(server, {'lock': None})

    def unlock(self, server):
        self._action(server, {'unlock': None})

    def console_output(self, server, length=None):
        """The guest's console log (the last ``length`` lines)."""
        args = {} if length is None else {'length': int(length)}
        return self._action(server, {'os-getConsoleOutput': args}).json()[
            'output']

    # -- metadata (Nova's /servers/ID/metadata) ----------------------------

    def get_metadata(self, server):
        return self._api.get_json('/servers/%s/metadata' % self.find_id(
            server))['metadata']

    def set_metadata(self, server, metadata):
        """Adds or changes the given keys; the others stay."""
        return self._api.post('/servers/%s/metadata' % self.find_id(server),
                              json={'metadata': dict(metadata)}).json()[
            'metadata']

    def replace_metadata(self, server, metadata):
        """The server's metadata becomes exactly ``metadata``."""
        return self._api.put('/servers/%s/metadata' % self.find_id(server),
                             json={'metadata': dict(metadata)}).json()[
            'metadata']

    def delete_metadata(self, server, keys):
        server_id = self.find_id(server)
        if isinstance(keys, str):
            keys = [keys]
        for key in keys:
            self._api.delete('/servers/%s/metadata/%s'
                             % (server_id, base.quote(key)))

    # -- waits ---------------------------------------------------------------

    def wait_for_status(self, server, status=ACTIVE, timeout=600,
                        interval=0.5, failure_statuses=('ERROR',),
                        callback=None):
        """Poll until the server has ``status``; its body.

        ResourceInErrorState (with the server's fault message) when it
        reaches one of ``failure_statuses``; Timeout at the deadline.
        ``callback(progress_or_None, server)`` runs after every poll.
        """
        server_id = self.find_id(server)
        wanted = status.upper()
        failures = {s.upper() for s in failure_statuses or ()}

        def done(body):
            current = (body.get('status') or '').upper()
            if current == wanted:
                return True
            if current in failures:
                fault = body.get('fault') or {}
                raise exceptions.ResourceInErrorState(
                    'Server %s went to status %s: %s' % (
                        server_id, current,
                        fault.get('message') or 'no fault recorded'),
                    details=body)
            return False

        return waiters.poll(
            lambda: self._get_by_id(server_id), done, timeout, interval,
            callback=_progress_callback(callback),
            describe='server %s to become %s' % (server_id, wanted))

    def wait_for_delete(self, server, timeout=600, interval=0.5,
                        callback=None):
        """Poll until GET /servers/ID is 404 (or the status is DELETED)."""
        server_id = self.find_id(server)
        gone = {}

        def fetch():
            try:
                return self._get_by_id(server_id)
            except exceptions.NotFound:
                return gone

        def done(body):
            return body is gone or body.get('status') in DELETED_STATUSES

        def report(body):
            if callback is not None and body is not gone:
                callback(body.get('progress'), body)
            elif callback is not None:
                callback(100, {'id': server_id, 'status': 'DELETED'})

        waiters.poll(fetch, done, timeout, interval, callback=report,
                     describe='server %s to be deleted' % server_id)


def _progress_callback(callback):
    if callback is None:
        return None
    return lambda body: callback(body.get('progress'), body)
