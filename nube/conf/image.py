"""Options of the image service: [image_api], [image_registry],
[image_store] and [image_database] (the registry's oslo.db options)."""

import copy

from oslo_config import cfg
from oslo_db import options as oslo_db_options

api_group = cfg.OptGroup('image_api', title='Image API (Glance v2) options')
registry_group = cfg.OptGroup('image_registry',
                              title='Image registry options')
store_group = cfg.OptGroup('image_store', title='Image store options')
db_group = cfg.OptGroup('image_database',
                        title='Image database (registry) options')

api_opts = [
    cfg.HostAddressOpt('listen', default='0.0.0.0',
                       help='Address the image API listens on.'),
    cfg.PortOpt('port', default=9292, help='Port the image API listens on.'),
    cfg.IntOpt('workers', default=1, min=1,
               help='Not used yet: one green-threaded process serves all.'),
    cfg.IntOpt('wsgi_pool_size', default=1000, min=1,
               help='Greenthreads serving requests concurrently.'),
    cfg.IntOpt('client_socket_timeout', default=900, min=0,
               help='Seconds a client connection may stay silent (also '
                    'in the middle of an upload, which then fails and '
                    'leaves the image queued); 0 waits forever.'),
    cfg.StrOpt('auth_strategy', default='noauth2',
               help='Entry point in the nube.api.auth namespace that '
                    'authenticates requests (noauth2: "user:project" '
                    'tokens, admins from [api] noauth_admin_users).'),
    cfg.StrOpt('public_endpoint',
               help='Base URL put in the version document instead of the '
                    'request host (set it behind a proxy).'),
    cfg.IntOpt('max_request_body_size', default=65536, min=1024,
               help='Largest JSON request body accepted, in bytes (image '
                    'data is limited by [image_store] image_size_cap).'),
    cfg.IntOpt('limit_param_default', default=25, min=1,
               help='Images per page when a list request names no limit.'),
    cfg.IntOpt('api_limit_max', default=1000, min=1,
               help='Most images one list request returns.'),
    cfg.BoolOpt('show_multiple_locations', default=False,
                help='Show image locations (store URLs) in image bodies. '
                     'Off by default, as in Glance: locations name store '
                     'internals.'),
    cfg.ListOpt('enabled_import_methods', default=['glance-direct'],
                help='Interoperable import methods announced in the '
                     'OpenStack-image-import-methods header; only '
                     'glance-direct is implemented.'),
    cfg.BoolOpt('allow_location_add', default=True,
                help='Let image owners add http(s) locations (the read-only '
                     'http store). The image API then fetches those URLs '
                     'for downloads: disable it where that is unwanted.'),
    cfg.ListOpt('disk_formats',
                default=['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw',
                         'qcow2', 'vdi', 'iso', 'ploop'],
                help='Disk formats images may declare.'),
    cfg.ListOpt('container_formats',
                default=['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker',
                         'compressed'],
                help='Container formats images may declare.'),
]

registry_opts = [
    cfg.HostAddressOpt('listen', default='127.0.0.1',
                       help='Address the registry listens on. It trusts '
                            'every caller: keep it internal.'),
    cfg.PortOpt('port', default=9191, help='Port the registry listens on.'),
    cfg.URIOpt('url', default='http://127.0.0.1:9191',
               help='URL the image API reaches the registry at.'),
    cfg.StrOpt('auth_strategy', default='noauth2',
               choices=['noauth2', 'keystone'],
               help='keystone: callers authenticate with a token '
                    '(keystonemiddleware, options in [keystone_authtoken]) '
                    'and must have the service or admin role; the image '
                    'API sends its service credentials. noauth2: any '
                    'caller is trusted.'),
    cfg.IntOpt('wsgi_pool_size', default=1000, min=1,
               help='Greenthreads serving requests concurrently.'),
    cfg.FloatOpt('timeout', default=30.0, min=0.1,
                 help='Seconds the image API waits for one registry call.'),
]

store_opts = [
    cfg.StrOpt('default_store', default='file',
               help='Store (entry point in nube.image.stores) that '
                    'receives uploads: file or swift.'),
    cfg.IntOpt('chunk_size', default=1024 * 1024, min=4096,
               help='Bytes read, hashed and written per step when image '
                    'data streams through the image API.'),
    cfg.IntOpt('image_size_cap', default=1099511627776, min=1,
               help='Largest image accepted, in bytes; larger uploads get '
                    '413 and leave the image queued.'),
    cfg.StrOpt('filesystem_store_datadir', default='$state_path/images',
               help='Directory of the file store.'),
    cfg.BoolOpt('filesystem_store_fsync', default=True,
                help='fsync an image file before it is renamed into place.'),
    cfg.StrOpt('swift_auth_address',
               help='Swift auth URL: a tempauth .../auth/v1.0 URL or a '
                    'Keystone v3 URL.'),
    cfg.StrOpt('swift_auth_version', default='1', choices=['1', '3'],
               help='1: tempauth/swauth credentials; 3: Keystone v3.'),
    cfg.StrOpt('swift_user', help='Swift user (tempauth "account:user").'),
    cfg.StrOpt('swift_key', secret=True, help='Swift password or key.'),
    cfg.StrOpt('swift_project_name', help='Keystone project (v3 auth).'),
    cfg.StrOpt('swift_user_domain_name', default='Default',
               help='Keystone user domain (v3 auth).'),
    cfg.StrOpt('swift_project_domain_name', default='Default',
               help='Keystone project domain (v3 auth).'),
    cfg.StrOpt('swift_region_name', help='Region of the object-store '
                                         'endpoint (v3 auth).'),
    cfg.StrOpt('swift_container', default='nube-images',
               help='Container that holds image objects.'),
    cfg.BoolOpt('swift_create_container', default=True,
                help='Create the container on first upload if missing.'),
    cfg.IntOpt('swift_large_object_size', default=5 * 1024 ** 3, min=1,
               help='Images larger than this many bytes (or of unknown '
                    'size) are stored as SLO segments.'),
    cfg.IntOpt('swift_segment_size', default=200 * 1024 ** 2,
               min=1024 * 1024,
               help='Size in bytes of one segment of a large image.'),
    cfg.IntOpt('swift_retries', default=3, min=0,
               help='Retries of a failed Swift request (not of a data '
                    'stream that already started).'),
    cfg.FloatOpt('http_timeout', default=60.0, min=0.1,
                 help='Seconds the http store waits for a remote server.'),
]


def _db_opts():
    return copy.deepcopy(oslo_db_options.database_opts)


def register_opts(conf):
    conf.register_group(api_group)
    conf.register_opts(api_opts, group=api_group)
    conf.register_group(registry_group)
    conf.register_opts(registry_opts, group=registry_group)
    conf.register_group(store_group)
    conf.register_opts(store_opts, group=store_group)
    conf.register_group(db_group)
    conf.register_opts(_db_opts(), group=db_group)


def list_opts():
    return {'image_api': api_opts, 'image_registry': registry_opts,
            'image_store': store_opts, 'image_database': _db_opts()}
