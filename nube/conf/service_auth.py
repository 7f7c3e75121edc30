"""[service_auth]: the credentials a nube service calls other services with.

keystoneauth1's auth plugin and session options (``auth_type = password``,
``auth_url``, ``username``, ``password``, ``project_name``,
``user_domain_name``, ``project_domain_name``, ...). Computes use them for
the image API, the image API for the registry. Unset ``auth_type``: a
service whose API runs the keystone strategy falls back to its
``[keystone_authtoken]`` credentials, any other uses noauth2 tokens.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = 'service_auth'

group = cfg.OptGroup(
    GROUP, title='Service credentials',
    help='Credentials nube services use when they call each other.')


def register_opts(conf):
    conf.register_group(group)
    ks_loading.register_auth_conf_options(conf, GROUP)
    ks_loading.register_session_conf_options(conf, GROUP)


def list_opts():
    return {GROUP: (ks_loading.get_session_conf_options()
                    + ks_loading.get_auth_common_conf_options()
                    + ks_loading.get_auth_plugin_conf_options('password'))}
