"""nube-identity inside another process (nube-all): SQLite and a key
repository in a state directory, bootstrapped on every start.

    service = all_in_one.prepare(state_dir)
    service.start()   # serves http://127.0.0.1:5000/v3
    service.admin_password, service.auth_url
    service.authtoken_config()   # keystonemiddleware options for the APIs
    service.stop()

The admin password comes from $NUBE_ADMIN_PASSWORD; without it one is
generated on the first start and kept in ``<state_dir>/admin-password``.
The same goes for the password of user ``nube`` (the service role on
project ``service``), which the APIs' keystonemiddleware validates tokens
as: $NUBE_SERVICE_PASSWORD or ``<state_dir>/service-password``.
"""

import os
import secrets

from nube.db.identity import api as identity_db
from nube.db import migration
from nube.identity import app as identity_app
from nube.identity import bootstrap
from nube.identity import errors
from nube.identity import fernet
from nube.identity import manage
from nube import wsgi

PASSWORD_FILE = 'admin-password'
SERVICE_PASSWORD_FILE = 'service-password'
SERVICE_USER = 'nube'


def _password(state_dir, env, filename):
    """$env, else the one kept in state_dir/filename (made once)."""
    password = os.environ.get(env)
    if password:
        return password
    path = os.path.join(state_dir, filename)
    try:
        with open(path) as f:
            password = f.read().strip()
    except FileNotFoundError:
        password = None
    if not password:
        password = secrets.token_urlsafe(18)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(password + '\n')
    return password


class IdentityAllInOne:
    """A bootstrapped identity service; start() serves it in-process."""

    def __init__(self, app, host, port, admin_password, service_password):
        self.app = app
        self.admin_password = admin_password
        self.service_password = service_password
        self.host = host
        self.port = port
        self.server = wsgi.Server('nube-identity', app, host, port,
                                  error_body=errors.error_body)

    @property
    def auth_url(self):
        return 'http://%s:%d/v3' % (self.host, self.server.port or self.port)

    def authtoken_config(self):
        """Options for keystonemiddleware.auth_token in front of an API
        (a paste-style dict; the same names work in [keystone_authtoken]).
        """
        return {
            'www_authenticate_uri': self.auth_url.rsplit('/v3', 1)[0],
            'auth_url': self.auth_url,
            'auth_type': 'password',
            'username': SERVICE_USER,
            'password': self.service_password,
            'project_name': 'service',
            'user_domain_name': 'Default',
            'project_domain_name': 'Default',
            'interface': 'internal',
        }

    def start(self):
        self.server.start()

    def stop(self):
        self.server.stop()


def prepare(state_dir, host='127.0.0.1', port=5000, compute_port=8774,
            image_port=9292, region_id='RegionOne', report=None,
            network_port=9696):
    """Set up (or reuse) the identity state in ``state_dir``.

    Returns an IdentityAllInOne; nothing listens until its start().
    """
    os.makedirs(state_dir, exist_ok=True)
    db = identity_db.IdentityDatabase(
        'sqlite:///' + os.path.join(state_dir, 'identity.db'))
    migration.db_sync(db, 'identity')
    keys_path = os.path.join(state_dir, 'fernet-keys')
    fernet.setup(keys_path)
    password = _password(state_dir, manage.PASSWORD_ENV, PASSWORD_FILE)
    service_password = _password(state_dir, manage.SERVICE_PASSWORD_ENV,
                                 SERVICE_PASSWORD_FILE)
    urls = {
        'identity': 'http://%s:%d/v3' % (host, port),
        'compute': 'http://%s:%d/v2.1' % (host, compute_port),
        'image': 'http://%s:%d' % (host, image_port),
        'network': 'http://%s:%d' % (host, network_port),
    }
    bootstrap.bootstrap(
        manage.make_manager(db), password, region_id=region_id,
        urls={service: {interface: url
                        for interface in bootstrap.INTERFACES}
              for service, url in urls.items()},
        service_username=SERVICE_USER, service_password=service_password,
        report=report or (lambda message: None))
    app = identity_app.create_app(db=db,
                                  keys=fernet.KeyRepository(keys_path))
    return IdentityAllInOne(app, host, port, password, service_password)
