"""Authentication options, the way the OpenStack tools take them.

Precedence: an --os-* flag beats its OS_* variable, which beats the
clouds.yaml entry named by --os-cloud / OS_CLOUD. The CLI only collects
the flags given on the command line; reading OS_* and clouds.yaml is the
library's job (nube.client.Client.from_cloud), so `nube` and scripts
using the library see the same cloud.
"""

import argparse
import os

# (flag suffix, config key, env var, help); every flag is --os-<suffix>.
OPTIONS = (
    ('cloud', None, 'OS_CLOUD', 'cloud name in clouds.yaml'),
    ('auth-type', 'auth_type', 'OS_AUTH_TYPE',
     'keystoneauth plugin (password, token, v3applicationcredential...)'),
    ('auth-url', 'auth_url', 'OS_AUTH_URL', 'identity endpoint'),
    ('username', 'username', 'OS_USERNAME', 'user name'),
    ('user-id', 'user_id', 'OS_USER_ID', 'user id'),
    ('password', 'password', 'OS_PASSWORD', 'password'),
    ('project-name', 'project_name', 'OS_PROJECT_NAME', 'project name'),
    ('project-id', 'project_id', 'OS_PROJECT_ID', 'project id'),
    ('user-domain-name', 'user_domain_name', 'OS_USER_DOMAIN_NAME',
     "the user's domain name"),
    ('user-domain-id', 'user_domain_id', 'OS_USER_DOMAIN_ID',
     "the user's domain id"),
    ('project-domain-name', 'project_domain_name',
     'OS_PROJECT_DOMAIN_NAME', "the project's domain name"),
    ('project-domain-id', 'project_domain_id', 'OS_PROJECT_DOMAIN_ID',
     "the project's domain id"),
    ('token', 'token', 'OS_TOKEN', 'an existing token (auth type token)'),
    ('application-credential-id', 'application_credential_id',
     'OS_APPLICATION_CREDENTIAL_ID', 'application credential id'),
    ('application-credential-secret', 'application_credential_secret',
     'OS_APPLICATION_CREDENTIAL_SECRET', 'application credential secret'),
    ('region-name', 'region_name', 'OS_REGION_NAME', 'catalog region'),
    ('interface', 'interface', 'OS_INTERFACE',
     'endpoint interface: public, internal or admin'),
    ('cacert', 'cacert', 'OS_CACERT', 'CA bundle to verify TLS with'),
    ('cert', 'cert', 'OS_CERT', 'client certificate'),
    ('key', 'key', 'OS_KEY', 'client certificate key'),
    ('compute-api-version', 'compute_api_version',
     'OS_COMPUTE_API_VERSION',
     'compute microversion, e.g. 2.47 (default: negotiate the highest)'),
)

# Keys of auth options (the rest are connection settings).
AUTH_KEYS = frozenset((
    'auth_url', 'username', 'user_id', 'password', 'project_name',
    'project_id', 'user_domain_name', 'user_domain_id',
    'project_domain_name', 'project_domain_id', 'token',
    'application_credential_id', 'application_credential_secret'))


def add_arguments(parser):
    group = parser.add_argument_group(
        'authentication (flags override OS_* variables, which override '
        'clouds.yaml)')
    for suffix, key, env, text in OPTIONS:
        group.add_argument('--os-' + suffix, dest='os_' + suffix.replace(
            '-', '_'), metavar='<%s>' % suffix.replace('-', '_'),
            help='%s [env %s]' % (text, env))
    group.add_argument('--insecure', action='store_true', default=None,
                       help='do not verify TLS certificates')
    group.add_argument('--os-verify', dest='insecure', action='store_false',
                       help=argparse.SUPPRESS)


def overrides(args):
    """The config keys the user gave as flags (None = not given)."""
    result = {}
    for suffix, key, _env, _text in OPTIONS:
        value = getattr(args, 'os_' + suffix.replace('-', '_'), None)
        if key and value is not None:
            result[key] = value
    if getattr(args, 'insecure', None) is not None:
        result['verify'] = not args.insecure
    return result


def environment(args, base=None):
    """The OS_* variables as the library should see them: the process's,
    with each given flag written over its variable (so flags alone, with
    no OS_* set and no clouds.yaml, describe a cloud too)."""
    env = dict(os.environ if base is None else base)
    for suffix, _key, var, _text in OPTIONS:
        value = getattr(args, 'os_' + suffix.replace('-', '_'), None)
        if value is not None:
            env[var] = value
    return env


def make_client(args):
    """A nube.client.Client for the parsed global options."""
    from nube.client import Client  # imported late: --help stays fast

    return Client.from_cloud(args.os_cloud, env=environment(args),
                             **overrides(args))
