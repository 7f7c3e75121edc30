"""[revocation]: token revocation pushed from nube-identity to the APIs.

nube-identity fans every revocation event out on the message bus
(``[DEFAULT] transport_url``); each compute and image API process with
the keystone strategy subscribes and refuses a token that an event
revokes, even when keystonemiddleware still holds its validation in its
cache (``[keystone_authtoken] token_cache_time``). See doc/identity.md,
"Revocation".
"""

from oslo_config import cfg

GROUP = 'revocation'

group = cfg.OptGroup(GROUP, title='Token revocation events',
                     help='How revocations reach the APIs at once.')

opts = [
    cfg.BoolOpt('enabled', default=True,
                help='nube-identity: publish revocation events on the bus. '
                     'APIs with auth_strategy keystone: subscribe to them '
                     'and list them from the identity service, so a '
                     'revoked token is refused within moments instead of '
                     'after token_cache_time. Needs [DEFAULT] '
                     'transport_url.'),
    cfg.StrOpt('topic', default='nube-revocation',
               help='RPC topic the events are fanned out on. Identity and '
                    'the APIs must agree.'),
    cfg.FloatOpt('list_interval', default=60.0, min=0.0,
                 help='APIs: seconds between fetches of the current events '
                      '(GET /v3/OS-REVOKE/events with the '
                      '[keystone_authtoken] credentials). The list is '
                      'fetched at start, again once subscribed to the bus, '
                      'then this often (every 5 s while it fails), so '
                      'events missed while the bus or the API was down '
                      'apply at most this much later. 0: never list.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {GROUP: opts}
