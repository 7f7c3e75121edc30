"""Key pairs (Nova's /os-keypairs): a user's ssh or x509 keys."""

from nube.client import base


class KeypairManager(base.Manager):
    kind = 'key pair'

    @property
    def _api(self):
        return self.client.compute

    @staticmethod
    def _user(user_id):
        """``user_id`` (admins, microversion 2.10 and later) as a query."""
        return base.clean_filters({'user_id': user_id})

    def list(self, user_id=None):
        """Every key pair of the caller (or of ``user_id``), all pages."""
        items = self._api.paginate('/os-keypairs', 'keypairs',
                                   self._user(user_id))
        return [item['keypair'] for item in items]

    def get(self, name, user_id=None):
        return self._api.get_json('/os-keypairs/' + base.quote(name),
                                  params=self._user(user_id))['keypair']

    def create(self, name, public_key=None, key_type=None, user_id=None):
        """Import ``public_key``, or let the cloud generate a key pair
        (the answer then carries ``private_key``, shown only once)."""
        body = {'name': name}
        if public_key is not None:
            body['public_key'] = public_key
        if key_type is not None:
            body['type'] = key_type
        if user_id is not None:
            body['user_id'] = user_id
        return self._api.post('/os-keypairs',
                              json={'keypair': body}).json()['keypair']

    def delete(self, name, user_id=None):
        self._api.delete('/os-keypairs/' + base.quote(name),
                         params=self._user(user_id))
