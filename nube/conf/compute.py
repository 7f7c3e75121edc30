from oslo_config import cfg

group = cfg.OptGroup('compute', title='Compute service options')

default_opts = [
    cfg.FloatOpt('cpu_allocation_ratio', default=4.0, min=0.0,
                 help='Virtual CPUs per physical CPU this host accepts.'),
    cfg.FloatOpt('ram_allocation_ratio', default=1.0, min=0.0,
                 help='Virtual RAM per physical RAM this host accepts.'),
    cfg.FloatOpt('disk_allocation_ratio', default=1.0, min=0.0,
                 help='Virtual disk per physical disk this host accepts.'),
    cfg.IntOpt('reserved_host_memory_mb', default=0, min=0,
               help='RAM kept back for the host itself.'),
    cfg.IntOpt('reserved_host_disk_mb', default=0, min=0,
               help='Disk kept back for the host itself.'),
]

compute_opts = [
    cfg.StrOpt('compute_driver', default='libvirt',
               help='Virt driver (nube.compute.virt entry point): libvirt '
                    'or fake.'),
    cfg.IntOpt('resource_report_interval', default=60, min=1,
               help='Seconds between reports of host resources.'),
    cfg.IntOpt('power_state_sync_interval', default=60, min=1,
               help='Seconds between syncs of instance power states.'),
    cfg.StrOpt('instances_path', default='$state_path/instances',
               help='Where instance disks and console logs live.'),
    cfg.IntOpt('build_workers', default=64, min=1,
               help='Builds and deletes one compute runs at the same time.'),
    cfg.IntOpt('unreported_retry_interval', default=10, min=1,
               help='Seconds between attempts to tell the conductor of '
                    'builds that finished while it could not be reached '
                    '(kept in memory until it answers or the instance '
                    'moved on).'),
    cfg.IntOpt('fake_vcpus', default=16, min=1,
               help='Fake driver: vCPUs each fake host reports.'),
    cfg.IntOpt('fake_memory_mb', default=65536, min=1,
               help='Fake driver: RAM each fake host reports.'),
    cfg.IntOpt('fake_local_gb', default=1024, min=1,
               help='Fake driver: disk each fake host reports.'),
    cfg.FloatOpt('fake_spawn_seconds', default=0.0, min=0.0, max=600.0,
                 help='Fake driver: seconds each spawn takes, as a '
                      'hypervisor would (fault drills use it so that a '
                      'storm is still building when the fault hits).'),
    cfg.ListOpt('fake_hosts', default=[],
                help='Fake driver: extra host names this one process serves, '
                     'each its own compute service (for scale tests).'),
    cfg.StrOpt('image_cache_path', default='$instances_path/_base',
               help='Where this host keeps the base files of the images '
                    'its instances boot from (one per image).'),
    cfg.IntOpt('image_cache_max_age', default=86400, min=0,
               help='Seconds a cached base image may stay unused by every '
                    'instance of this host before it is removed.'),
    cfg.IntOpt('image_cache_interval', default=2400, min=1,
               help='Seconds between clean-ups of the image cache.'),
]


def register_opts(conf):
    conf.register_opts(default_opts)
    conf.register_group(group)
    conf.register_opts(compute_opts, group=group)


def list_opts():
    return {'DEFAULT': default_opts, 'compute': compute_opts}
