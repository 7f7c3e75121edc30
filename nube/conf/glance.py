from oslo_config import cfg

group = cfg.OptGroup('glance', title='Image service options')

opts = [
    cfg.StrOpt('api_endpoint',
               help='Image API base URL. Unset: no image service; any image '
                    'UUID is accepted and booted as a blank disk.'),
    cfg.StrOpt('service_token', default='admin:admin', secret=True,
               help='Token for image API requests made without a user '
                    'token (periodic work, admin contexts). The default '
                    'is the noauth2 form user:project.'),
    cfg.IntOpt('connect_retries', default=3, min=0,
               help='Retries of an image API request that could not '
                    'connect.'),
    cfg.FloatOpt('timeout', default=60.0, min=0.0,
                 help='Seconds an image API request (or one chunk of a '
                      'download) may wait for the server.'),
    cfg.IntOpt('download_chunk_size', default=65536, min=512,
               help='Bytes read at a time while downloading image data.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'glance': opts}
