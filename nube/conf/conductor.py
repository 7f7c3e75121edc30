from oslo_config import cfg

group = cfg.OptGroup('conductor', title='Conductor options')

opts = [
    cfg.IntOpt('reaper_interval', default=10, min=1,
               help='Seconds between scans for instances stuck past their '
                    'task deadline.'),
    cfg.IntOpt('scheduling_timeout', default=120, min=1,
               help='Seconds from claim until the compute starts spawning.'),
    cfg.IntOpt('spawning_timeout', default=600, min=1,
               help='Seconds a compute may take to spawn an instance.'),
    cfg.IntOpt('task_timeout', default=300, min=1,
               help='Seconds any other task (delete, stop, start, reboot) may '
                    'take before the instance goes to ERROR.'),
    cfg.IntOpt('call_attempt_timeout', default=20, min=1,
               help='Seconds a compute waits for one answer from the '
                    'conductor before it asks again (a reply lost in a '
                    'message bus restart is never coming).'),
    cfg.IntOpt('call_retry_window', default=180, min=0,
               help='Seconds a compute keeps asking the conductor again '
                    'while calls time out or the conductor reports its '
                    'database unreachable, before it gives up on that '
                    'step (the instance is then finished by the periodic '
                    'report of unreported results, or by the reaper at '
                    'its task deadline). 0: one attempt of '
                    '[DEFAULT] rpc_response_timeout.'),
    cfg.IntOpt('lost_build_recasts', default=1, min=0,
               help='Times the reaper sends a build again to a live '
                    'compute when the instance passed its scheduling '
                    'deadline there without the compute starting it (a '
                    'cast lost while the message bus restarted), before '
                    'it errors the instance.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {'conductor': opts}
