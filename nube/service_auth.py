"""The credentials this service calls other nube services with.

One place decides: ``[service_auth]`` when it names an ``auth_type``; else,
in a service whose API runs the keystone strategy, the
``[keystone_authtoken]`` user that already validates tokens for it; else
None (noauth2: callers send ``user:project`` tokens).

``for_user`` is what a call made on behalf of a user sends: the user's
token, plus the service's own token as ``X-Service-Token`` (as Nova
does), so the called service applies the user's rights and still accepts
the call when the user's token expired meanwhile (keystonemiddleware
allows that with a valid service token).
"""

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import service_token
from keystoneauth1 import token_endpoint

import nube.conf
from nube.conf import service_auth as service_auth_conf

CONF = nube.conf.CONF

AUTHTOKEN_GROUP = 'keystone_authtoken'

_AUTH = {}


def _keystone_strategy():
    strategies = [CONF.api.auth_strategy]
    if 'image_api' in CONF:
        strategies.append(CONF.image_api.auth_strategy)
    return 'keystone' in strategies


def _group():
    if CONF[service_auth_conf.GROUP].auth_type:
        return service_auth_conf.GROUP
    if _keystone_strategy():
        # keystonemiddleware registers this group when it is imported.
        import keystonemiddleware.auth_token  # noqa: F401
        if CONF[AUTHTOKEN_GROUP].auth_type:
            return AUTHTOKEN_GROUP
    return None


def get_auth():
    """This service's own auth plugin (kept: it caches its token), or None.
    """
    group = _group()
    if group is None:
        return None
    if group not in _AUTH:
        _AUTH[group] = ks_loading.load_auth_from_conf_options(CONF, group)
    return _AUTH[group]


def reset():
    """Forget loaded plugins (tests, changed options)."""
    _AUTH.clear()


def for_user(context, endpoint, noauth_token=None):
    """The auth plugin of a call made on behalf of ``context``.

    With service credentials: the user's token wrapped with the service
    token, or the service's own credentials when the context carries no
    token (periodic work, admin contexts). Without (noauth2): the
    context's token, else ``noauth_token``.
    """
    user_token = getattr(context, 'auth_token', None)
    service = get_auth()
    if service is None:
        return token_endpoint.Token(endpoint, user_token or noauth_token)
    if not user_token:
        return service
    return service_token.ServiceTokenAuthWrapper(
        token_endpoint.Token(endpoint, user_token), service)
