"""Cloud configuration: clouds.yaml and OS_* variables, as OpenStack tools
read them, turned into a keystoneauth1 session.

A small loader of its own (no openstacksdk at run time): clouds.yaml is
searched where os-client-config looks (``OS_CLIENT_CONFIG_FILE``, the
current directory, ``~/.config/openstack``, ``/etc/openstack``), a
``secure.yaml`` beside it is merged in, and the auth plugin is built with
keystoneauth1's ``loading`` helpers, so every plugin keystoneauth knows
(password, token, v3applicationcredential, admin_token, none, ...) works.
"""

import os

from keystoneauth1 import loading
from keystoneauth1 import session as ks_session
import yaml

from nube.client import exceptions

CONFIG_DIRS = ('.', '~/.config/openstack', '/etc/openstack')
CLOUDS_FILES = ('clouds.yaml', 'clouds.yml')
SECURE_FILES = ('secure.yaml', 'secure.yml')

# Settings outside the auth dict that the client understands.
CLIENT_KEYS = ('region_name', 'interface', 'verify', 'cacert', 'cert',
               'key', 'insecure', 'compute_api_version', 'api_timeout',
               'compute_endpoint_override', 'image_endpoint_override',
               'connect_retries', 'status_code_retries')
_ENV_CLIENT_KEYS = {
    'OS_REGION_NAME': 'region_name', 'OS_INTERFACE': 'interface',
    'OS_ENDPOINT_TYPE': 'interface', 'OS_CACERT': 'cacert',
    'OS_CERT': 'cert', 'OS_KEY': 'key', 'OS_INSECURE': 'insecure',
    'OS_COMPUTE_API_VERSION': 'compute_api_version',
    'OS_COMPUTE_ENDPOINT_OVERRIDE': 'compute_endpoint_override',
    'OS_IMAGE_ENDPOINT_OVERRIDE': 'image_endpoint_override',
}
_TRUE = ('1', 'true', 'yes', 'on')


def _search_paths(names, env):
    explicit = env.get('OS_CLIENT_CONFIG_FILE')
    paths = [explicit] if explicit and names is CLOUDS_FILES else []
    for directory in CONFIG_DIRS:
        for name in names:
            paths.append(os.path.join(os.path.expanduser(directory), name))
    return paths


def _first_yaml(paths):
    for path in paths:
        if path and os.path.isfile(path):
            with open(path) as f:
                return path, yaml.safe_load(f) or {}
    return None, {}


def _merge(base, extra):
    """Deep merge of dicts: ``extra`` wins."""
    result = dict(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = value
    return result


def load_clouds(env=None):
    """{cloud name: settings} from clouds.yaml merged with secure.yaml."""
    env = os.environ if env is None else env
    _path, clouds = _first_yaml(_search_paths(CLOUDS_FILES, env))
    _path, secure = _first_yaml(_search_paths(SECURE_FILES, env))
    merged = _merge(clouds.get('clouds') or {}, secure.get('clouds') or {})
    return merged


def _plugin_opts(auth_type):
    try:
        loader = loading.get_plugin_loader(auth_type)
    except Exception as exc:
        raise exceptions.ConfigError('Unknown auth_type %r: %s'
                                     % (auth_type, exc))
    return loader, loader.get_options()


def _env_settings(env, auth_type):
    """(auth options, client settings) the OS_* variables set."""
    _loader, opts = _plugin_opts(auth_type)
    auth = {}
    for opt in opts:
        for name in [opt.name] + [d.name for d in opt.deprecated]:
            var = 'OS_' + name.replace('-', '_').upper()
            if env.get(var):
                auth[opt.dest] = env[var]
                break
    settings = {}
    for var, key in _ENV_CLIENT_KEYS.items():
        if env.get(var) and key not in settings:
            settings[key] = env[var]
    return auth, settings


def config_from_env(env=None):
    """The cloud settings the OS_* variables describe."""
    env = os.environ if env is None else env
    auth_type = env.get('OS_AUTH_TYPE') or (
        'token' if env.get('OS_TOKEN') else 'password')
    auth, settings = _env_settings(env, auth_type)
    return dict(settings, auth_type=auth_type, auth=auth)


def config_from_cloud(cloud_name=None, env=None, **overrides):
    """Settings of the named cloud (or OS_CLOUD), else of OS_* variables.

    Without a name: the OS_* variables when OS_AUTH_URL or OS_TOKEN is
    set, else the only cloud clouds.yaml defines. As with the
    ``openstack`` CLI, OS_* variables that are set win over the
    clouds.yaml entry, and ``overrides`` (None values ignored) win over
    both: auth options (``username``, ``project_name``...) or client
    settings (``region_name``, ``interface``...).
    """
    env = os.environ if env is None else env
    name = cloud_name or env.get('OS_CLOUD')
    if name:
        clouds = load_clouds(env)
        if name not in clouds:
            raise exceptions.ConfigError(
                'Cloud %s was not found in clouds.yaml (searched %s)'
                % (name, ', '.join(_search_paths(CLOUDS_FILES, env))))
        config = _with_env(clouds[name], env)
    elif env.get('OS_AUTH_URL') or env.get('OS_TOKEN') or \
            env.get('OS_AUTH_TYPE'):
        config = config_from_env(env)
    else:
        clouds = load_clouds(env)
        if len(clouds) != 1:
            raise exceptions.ConfigError(
                'No cloud named: set OS_CLOUD or OS_AUTH_URL (clouds.yaml '
                'defines %d clouds)' % len(clouds))
        config = _with_env(next(iter(clouds.values())), env)
    return apply_overrides(config, overrides)


def _with_env(cloud, env):
    """A clouds.yaml entry with the OS_* variables that are set on top."""
    config = dict(cloud)
    if env.get('OS_AUTH_TYPE'):
        config['auth_type'] = env['OS_AUTH_TYPE']
    auth, settings = _env_settings(
        env, config.get('auth_type') or 'password')
    config.update(settings)
    config['auth'] = dict(config.get('auth') or {}, **auth)
    return config


def apply_overrides(config, overrides):
    config = dict(config)
    config['auth'] = dict(config.get('auth') or {})
    if overrides.get('auth_type'):
        config['auth_type'] = overrides['auth_type']
    for key, value in overrides.items():
        if value is None or key == 'auth_type':
            continue
        if key in CLIENT_KEYS:
            config[key] = value
        else:
            config['auth'][key] = value
    return config


def _verify(config):
    insecure = config.get('insecure')
    if isinstance(insecure, str):
        insecure = insecure.lower() in _TRUE
    if insecure:
        return False
    if config.get('cacert'):
        return config['cacert']
    verify = config.get('verify', True)
    if isinstance(verify, str) and verify.lower() not in _TRUE:
        return verify if os.path.exists(verify) else False
    return verify


def session_from_config(config):
    """A keystoneauth1 Session with the auth plugin the settings name."""
    auth_type = config.get('auth_type') or 'password'
    loader, opts = _plugin_opts(auth_type)
    known = {opt.dest for opt in opts}
    aliases = {d.dest: opt.dest for opt in opts for d in opt.deprecated}
    values = {}
    for key, value in (config.get('auth') or {}).items():
        key = aliases.get(key, key)
        if key in known:
            values[key] = value
    try:
        auth = loader.load_from_options(**values)
    except Exception as exc:
        raise exceptions.ConfigError('Cannot authenticate with auth_type '
                                     '%s: %s' % (auth_type, exc))
    cert = config.get('cert')
    if cert and config.get('key'):
        cert = (cert, config['key'])
    timeout = config.get('api_timeout')
    return ks_session.Session(auth=auth, verify=_verify(config), cert=cert,
                              timeout=float(timeout) if timeout else None)
