from oslo_config import cfg

group = cfg.OptGroup('libvirt', title='libvirt virt driver options')

opts = [
    cfg.StrOpt('connection_uri', default='',
               help='libvirt URI; empty means qemu:///system. Tests use '
                    'test:///PATH/node.xml hosts.'),
    cfg.StrOpt('virt_type', default='qemu', choices=['qemu', 'kvm'],
               help='Domain type written into the domain XML.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'libvirt': opts}
