"""clouds.yaml and OS_* variables -> settings -> keystoneauth session."""

from keystoneauth1.identity import generic
from keystoneauth1 import token_endpoint
import pytest
import yaml

from nube.client import client as client_mod
from nube.client import config
from nube.client import exceptions

ENV = {'OS_AUTH_URL': 'http://id.test/v3', 'OS_USERNAME': 'alice',
       'OS_PASSWORD': 'pw', 'OS_PROJECT_NAME': 'demo',
       'OS_USER_DOMAIN_NAME': 'Default', 'OS_PROJECT_DOMAIN_ID': 'default',
       'OS_REGION_NAME': 'RegionTwo', 'OS_INTERFACE': 'internal',
       'OS_COMPUTE_API_VERSION': '2.37'}


def _clouds(tmp_path, clouds, secure=None):
    path = tmp_path / 'clouds.yaml'
    path.write_text(yaml.safe_dump({'clouds': clouds}))
    if secure:
        (tmp_path / 'secure.yaml').write_text(
            yaml.safe_dump({'clouds': secure}))
    return str(path)


def test_from_env_builds_a_password_session():
    c = client_mod.Client.from_env(env=ENV)
    auth = c.session.auth
    assert isinstance(auth, generic.Password)
    assert auth.auth_url == 'http://id.test/v3'
    assert (auth._username, auth._password) == ('alice', 'pw')
    assert auth._user_domain_name == 'Default'
    assert auth._project_name == 'demo'
    assert c.region_name == 'RegionTwo' and c.interface == 'internal'
    assert c.compute.requested_microversion == '2.37'


def test_from_env_needs_an_auth_url():
    with pytest.raises(exceptions.ConfigError):
        client_mod.Client.from_env(env={})


def test_token_from_env():
    settings = config.config_from_env({'OS_AUTH_TYPE': 'admin_token',
                                       'OS_TOKEN': 'admin:admin',
                                       'OS_ENDPOINT': 'http://x.test'})
    session = config.session_from_config(settings)
    assert isinstance(session.auth, token_endpoint.Token)
    assert session.get_token() == 'admin:admin'


def test_named_cloud_with_secure_yaml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _clouds(tmp_path, {'nube': {
        'auth': {'auth_url': 'http://id.test/v3', 'username': 'admin',
                 'project_name': 'admin', 'user_domain_name': 'Default',
                 'project_domain_name': 'Default'},
        'region_name': 'RegionOne', 'insecure': True,
        'image_endpoint_override': 'http://img.test'}},
        secure={'nube': {'auth': {'password': 'sekrit'}}})
    env = {'OS_CLIENT_CONFIG_FILE': path}
    c = client_mod.Client.from_cloud('nube', env=env, interface='admin',
                                     project_name='other')
    assert c.session.verify is False
    assert c.session.auth._password == 'sekrit'
    assert c.session.auth._project_name == 'other'
    assert c.interface == 'admin'
    assert c.image.adapter.endpoint_override == 'http://img.test'
    # OS_CLOUD names the cloud too.
    env['OS_CLOUD'] = 'nube'
    assert client_mod.Client.from_cloud(env=env).region_name == 'RegionOne'


def test_unknown_cloud_and_no_cloud(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('HOME', str(tmp_path))
    env = {'OS_CLIENT_CONFIG_FILE': _clouds(tmp_path, {
        'a': {'auth': {'auth_url': 'http://a'}},
        'b': {'auth': {'auth_url': 'http://b'}}})}
    with pytest.raises(exceptions.ConfigError) as info:
        config.config_from_cloud('missing', env=env)
    assert 'missing' in str(info.value)
    with pytest.raises(exceptions.ConfigError):
        config.config_from_cloud(env=env)
    # Without a name, OS_* variables win over clouds.yaml.
    settings = config.config_from_cloud(env=dict(env, **ENV))
    assert settings['auth']['username'] == 'alice'


def test_the_only_cloud_is_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _clouds(tmp_path, {'only': {'auth': {'auth_url': 'http://only'}}})
    settings = config.config_from_cloud(env={})
    assert settings['auth']['auth_url'] == 'http://only'


def test_unknown_auth_type():
    with pytest.raises(exceptions.ConfigError):
        config.session_from_config({'auth_type': 'nonsense', 'auth': {}})


def test_precedence_overrides_then_env_then_clouds_yaml(tmp_path,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {'OS_CLIENT_CONFIG_FILE': _clouds(tmp_path, {'c': {
        'auth': {'auth_url': 'http://yaml', 'username': 'yaml-user',
                 'password': 'yaml-pw'},
        'region_name': 'YamlRegion', 'interface': 'internal'}}),
        'OS_USERNAME': 'env-user', 'OS_REGION_NAME': 'EnvRegion'}
    settings = config.config_from_cloud('c', env=env, password='flag-pw')
    assert settings['auth'] == {'auth_url': 'http://yaml',
                                'username': 'env-user',
                                'password': 'flag-pw'}
    assert settings['region_name'] == 'EnvRegion'
    assert settings['interface'] == 'internal'
