"""Fernet tokens: issue, validate, render and revoke.

A token is a Fernet message (see fernet.py) over a compact JSON payload:
``[1, user_id, project_id or null, methods, audit_ids, issued_at,
expires_at]`` with times in integer microseconds since the epoch. Nothing
about a token is stored: validation decrypts it, checks expiry and the
in-memory revocation events, then reads user, project and roles from the
manager's caches to build the body.
"""

import base64
import datetime
import json
import os

from oslo_log import log as logging

from nube import utils
import nube.conf
from nube.identity import errors

CONF = nube.conf.CONF
LOG = logging.getLogger(__name__)

_VERSION = 1
_EPOCH = datetime.datetime(1970, 1, 1)
_URL_PROJECT_MARKERS = ('$(project_id)s', '%(project_id)s',
                        '$(tenant_id)s', '%(tenant_id)s')


def _to_us(value):
    return (value - _EPOCH) // datetime.timedelta(microseconds=1)


def _from_us(value):
    return _EPOCH + datetime.timedelta(microseconds=value)


def isotime(value):
    """Keystone's token times: 2015-11-06T15:32:17.893769Z."""
    return value.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def new_audit_id():
    return base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip('=')


class Token:
    """What a token says (not yet whether it is still good)."""

    def __init__(self, token_id, user_id, project_id, methods, audit_ids,
                 issued_at, expires_at):
        self.id = token_id
        self.user_id = user_id
        self.project_id = project_id
        self.methods = list(methods)
        self.audit_ids = list(audit_ids)
        self.issued_at = issued_at
        self.expires_at = expires_at
        # Filled in by validate():
        self.user = None
        self.project = None
        self.roles = []

    @property
    def audit_id(self):
        return self.audit_ids[0]

    @property
    def role_names(self):
        return [role['name'] for role in self.roles]


class TokenProvider:

    def __init__(self, keys, manager, revocations, now=utils.utcnow):
        self.keys = keys
        self.manager = manager
        self.revocations = revocations
        self.now = now

    # -- issue -------------------------------------------------------------

    def issue(self, user, project, roles, methods, parent=None):
        """A new Token for an authenticated user (and project, roles).

        A token made from another token (``parent``) keeps its expiry and
        carries the parent's audit id as the chain's second entry.
        """
        user_id = user['id']
        project_id = project['id'] if project else None
        now = self.now()
        if parent is not None:
            expires_at = parent.expires_at
            audit_ids = [new_audit_id(), parent.audit_ids[-1]]
        else:
            expires_at = now + datetime.timedelta(
                seconds=CONF.identity.token_expiration)
            audit_ids = [new_audit_id()]
        payload = [_VERSION, user_id, project_id, list(methods), audit_ids,
                   _to_us(now), _to_us(expires_at)]
        token_id = self.keys.encrypt(json.dumps(
            payload, separators=(',', ':')).encode('utf-8'))
        token = Token(token_id, user_id, project_id, methods, audit_ids,
                      _from_us(_to_us(now)), _from_us(_to_us(expires_at)))
        token.user, token.project = user, project
        token.roles = list(roles) if project else []
        return token

    # -- validate ----------------------------------------------------------

    def decode(self, token_id):
        """The Token in ``token_id``; TokenNotFound if it is not ours."""
        data = self.keys.decrypt(token_id)
        if data is None:
            raise errors.TokenNotFound(token_id)
        try:
            (version, user_id, project_id, methods, audit_ids, issued_us,
             expires_us) = json.loads(data)
            if version != _VERSION:
                raise ValueError('unknown token version %r' % version)
            return Token(token_id, user_id, project_id, methods, audit_ids,
                         _from_us(issued_us), _from_us(expires_us))
        except (ValueError, TypeError) as exc:
            LOG.warning('Undecodable token payload: %s', exc)
            raise errors.TokenNotFound(token_id)

    def validate(self, token_id, allow_expired=False):
        """The Token, with user, project and roles, if it is still good.

        Anything wrong is TokenNotFound (404), as Keystone answers.
        """
        token = self.decode(token_id)
        now = self.now()
        if token.expires_at <= now:
            window = datetime.timedelta(
                seconds=CONF.identity.allow_expired_window)
            if not allow_expired or token.expires_at + window <= now:
                LOG.debug('Token %s expired at %s', token.audit_id,
                          token.expires_at)
                raise errors.TokenNotFound(token_id)
        if self.revocations.is_revoked(token.audit_id, token.user_id,
                                       token.project_id, token.issued_at):
            LOG.debug('Token %s is revoked', token.audit_id)
            raise errors.TokenNotFound(token_id)
        self._check_access(token)
        return token

    def _check_access(self, token):
        """Fill in user, project and roles; refuse what is gone."""
        user = self.manager.user(token.user_id)
        if user is None or not user['enabled']:
            raise errors.TokenNotFound(token.id)
        token.user = user
        if token.project_id is None:
            return
        project = self.manager.project(token.project_id)
        if project is None or not project['enabled']:
            raise errors.TokenNotFound(token.id)
        roles = self.manager.roles_for(token.user_id, token.project_id)
        if not roles:
            raise errors.TokenNotFound(token.id)
        token.project = project
        token.roles = roles

    def revoke(self, token):
        self.revocations.revoke(audit_id=token.audit_id,
                                issued_before=token.issued_at)

    # -- render ------------------------------------------------------------

    def _domain_ref(self, domain_id):
        domain = self.manager.domain(domain_id)
        return {'id': domain_id, 'name': domain['name'] if domain else None}

    def render(self, token, include_catalog=True):
        """The ``token`` object of Keystone's token responses."""
        user = token.user
        body = {
            'methods': token.methods,
            'user': {'domain': self._domain_ref(user['domain_id']),
                     'id': user['id'], 'name': user['name'],
                     'password_expires_at': None},
            'audit_ids': token.audit_ids,
            'expires_at': isotime(token.expires_at),
            'issued_at': isotime(token.issued_at),
        }
        if token.project is not None:
            project = token.project
            body['project'] = {
                'domain': self._domain_ref(project['domain_id']),
                'id': project['id'], 'name': project['name']}
            body['is_domain'] = False
            body['roles'] = [{'id': r['id'], 'name': r['name']}
                             for r in token.roles]
            if include_catalog:
                body['catalog'] = self.catalog(token.project_id)
        return body

    def catalog(self, project_id):
        """Keystone's v3 catalog, project ids substituted into URLs."""
        entries = []
        for service, endpoints in self.manager.catalog():
            entries.append({
                'endpoints': [{
                    'id': e['id'], 'interface': e['interface'],
                    'region_id': e['region_id'], 'region': e['region_id'],
                    'url': _substitute(e['url'], project_id)}
                    for e in endpoints],
                'id': service['id'],
                'type': service['type'],
                'name': service['name'] or '',
            })
        return entries


def _substitute(url, project_id):
    for marker in _URL_PROJECT_MARKERS:
        if marker in url:
            url = url.replace(marker, project_id or '')
    return url
