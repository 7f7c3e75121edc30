import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('host', default=socket.gethostname(),
               sample_default='<hostname>',
               help='Name of this node. Computes use it as their host name '
                    'and RPC server name; it must be unique per cell.'),
    cfg.StrOpt('state_path', default='/var/lib/nube',
               help='Top-level directory for nube state (instances, caches).'),
    cfg.StrOpt('my_ip', default='127.0.0.1',
               help='IP address of this host, reported as host_ip.'),
    cfg.IntOpt('report_interval', default=10, min=1,
               help='Seconds between service heartbeats.'),
    cfg.FloatOpt('periodic_fuzzy_delay', default=5.0, min=0,
                 help='Each service waits a random 0..N seconds before its '
                      'first periodic tasks, so that the many services '
                      'started together (a compute process serving many '
                      'hosts, a restarted cloud) do not heartbeat and '
                      'report in step. Never more than report_interval.'),
    cfg.BoolOpt('periodic_enable', default=True,
                help='Run the service\'s periodic tasks (resource reports, '
                     'power state sync, image cache cleaning, the '
                     'conductor\'s reaper, the scheduler\'s stale build '
                     'request scan). False: only the heartbeat runs, so the '
                     'service still shows up; for debugging, or a second '
                     'conductor of a cell that should only answer calls. '
                     'Without a reaper nothing ends tasks that overran '
                     'their deadline.'),
    cfg.IntOpt('service_down_time', default=60, min=1,
               help='A service whose last heartbeat is older than this many '
                    'seconds is considered down.'),
    cfg.StrOpt('default_availability_zone', default='nova',
               help='Availability zone of hosts in no zone aggregate.'),
    cfg.IntOpt('osapi_max_limit', default=1000, min=1,
               help='Most items one list request returns.'),
    cfg.BoolOpt('timing_stats', default=False,
                help='Keep per-stage timings (nube/timing.py) and write '
                     'them to $state_path/timing-<binary>-<pid>.json every '
                     'few seconds and at exit, for tools/bench.'),
    cfg.BoolOpt('wsgi_reuse_port', default=False,
                help='Let several processes listen on the same HTTP port '
                     '(SO_REUSEPORT), the kernel spreading connections '
                     'between them. Off, a port already in use is a '
                     'start-up error; turn it on only for deliberate '
                     'multi-process setups.'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {'DEFAULT': opts}
