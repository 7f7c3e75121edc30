"""The Client: one keystoneauth1 session, the compute and image services.
"""

import os

from nube.client import compute_resources
from nube.client import config as cloud_config
from nube.client import exceptions
from nube.client import http
from nube.client import images
from nube.client import keypairs
from nube.client import servers
from nube import version


class Client:
    """nube (or any Nova v2.1 + Glance v2 cloud) from Python.

    ``session`` is a keystoneauth1 Session whose auth plugin yields a
    catalog; endpoints are found there by service type ('compute',
    'image'), ``region_name`` and ``interface``, unless an
    ``*_endpoint_override`` names them. ``compute_microversion`` None (or
    'latest') negotiates the highest version both sides support on the
    first compute call. Connection failures and 503 answers are retried
    ``connect_retries`` / ``status_code_retries`` times, ``retry_delay``
    seconds apart (None: keystoneauth's exponential back-off).
    """

    def __init__(self, session, region_name=None, interface='public',
                 compute_microversion=None, connect_retries=3,
                 status_code_retries=3, retry_delay=None,
                 compute_endpoint_override=None,
                 image_endpoint_override=None):
        self.session = session
        self.region_name = region_name
        self.interface = interface
        common = dict(region_name=region_name, interface=interface,
                      connect_retries=connect_retries,
                      status_code_retries=status_code_retries,
                      retry_delay=retry_delay,
                      client_version=version.version_string())
        self.compute = http.ComputeAPI(
            session, microversion=compute_microversion,
            endpoint_override=compute_endpoint_override, **common)
        self.image = http.ImageAPI(
            session, endpoint_override=image_endpoint_override, **common)
        self.servers = servers.ServerManager(self)
        self.flavors = compute_resources.FlavorManager(self)
        self.images = images.ImageManager(self)
        self.hypervisors = compute_resources.HypervisorManager(self)
        self.services = compute_resources.ServiceManager(self)
        self.keypairs = keypairs.KeypairManager(self)
        self.availability_zones = \
            compute_resources.AvailabilityZoneManager(self)

    # -- construction ----------------------------------------------------

    @classmethod
    def from_config(cls, config, **kwargs):
        """From a settings dict as nube.client.config produces it."""
        session = cloud_config.session_from_config(config)
        options = {
            'region_name': config.get('region_name'),
            'interface': config.get('interface') or 'public',
            'compute_microversion': config.get('compute_api_version'),
            'compute_endpoint_override': config.get(
                'compute_endpoint_override'),
            'image_endpoint_override': config.get('image_endpoint_override'),
        }
        for key in ('connect_retries', 'status_code_retries'):
            if config.get(key) is not None:
                options[key] = int(config[key])
        options.update(kwargs)
        client = cls(session, **options)
        client.config = config
        return client

    @classmethod
    def from_cloud(cls, cloud_name=None, env=None, **overrides):
        """From clouds.yaml (``cloud_name`` or OS_CLOUD), else OS_*."""
        return cls.from_config(cloud_config.config_from_cloud(
            cloud_name, env=env, **overrides))

    @classmethod
    def from_env(cls, env=None, **overrides):
        """From the OS_* variables only (an openrc file's)."""
        env = os.environ if env is None else env
        if not (env.get('OS_AUTH_URL') or env.get('OS_TOKEN') or
                env.get('OS_AUTH_TYPE')):
            raise exceptions.ConfigError(
                'OS_AUTH_URL is not set: source an openrc file first')
        config = cloud_config.config_from_env(env)
        return cls.from_config(cloud_config.apply_overrides(config,
                                                            overrides))

    # -- discovery ---------------------------------------------------------

    @property
    def compute_microversion(self):
        """The compute microversion in use (negotiated when needed)."""
        return self.compute.microversion

    def versions(self):
        """What the endpoints say about themselves.

        {'compute': {endpoint, id, min_version, max_version, microversion},
         'image': {endpoint, versions: [{id, status}]}}
        """
        microversion = self.compute.microversion
        entry = self.compute.server_version or \
            self.compute.version_document()
        compute = {'endpoint': self.compute.endpoint(),
                   'id': entry.get('id'), 'status': entry.get('status'),
                   'min_version': entry.get('min_version') or None,
                   'max_version': entry.get('version') or None,
                   'microversion': microversion}
        base = self.image.base_url()
        # Glance answers its version list with 300 Multiple Choices.
        response = self.image.request('GET', base + '/versions')
        image = {'endpoint': base, 'versions': [
            {'id': v.get('id'), 'status': v.get('status')}
            for v in response.json().get('versions') or []]}
        return {'compute': compute, 'image': image}
