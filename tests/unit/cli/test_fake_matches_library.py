"""The fake client must not drift from the real library: every call the
CLI made on the fake (while running many commands) must bind to the
signature of the real nube.client manager method."""

import inspect

from nube.client import compute_resources
from nube.client import images
from nube.client import servers

REAL = {
    'server': servers.ServerManager,
    'flavor': compute_resources.FlavorManager,
    'image': images.ImageManager,
    'hypervisor': compute_resources.HypervisorManager,
    'service': compute_resources.ServiceManager,
    'az': compute_resources.AvailabilityZoneManager,
}


def test_cli_calls_bind_to_real_signatures(nube, client, tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'data')
    commands = [
        ('server', 'create', 's', '--image', 'i', '--flavor', 'f', '--wait',
         '--property', 'a=b', '--no-network', '--min', '1', '--max', '2'),
        ('server', 'create', 's2', '--image', 'i', '--flavor', 'f'),
        ('server', 'list', '--long', '--all-projects', '--status', 'ACTIVE'),
        ('server', 'show', 'web1'),
        ('server', 'stop', 'web1', '--wait'),
        ('server', 'start', 'web1'),
        ('server', 'reboot', 'web1', '--hard'),
        ('server', 'console-log', 'web1', '--lines', '3'),
        ('server', 'delete', 'web1', '--wait'),
        ('flavor', 'create', 'x', '--id', 'x', '--private'),
        ('flavor', 'list', '--all'),
        ('flavor', 'delete', 'x'),
        ('image', 'create', 'img', '--file', str(path), '--min-ram', '1',
         '--tag', 't', '--property', 'k=v', '--public'),
        ('image', 'upload', 'cirros', '--file', str(path)),
        ('image', 'download', 'cirros', '--file', str(tmp_path / 'o')),
        ('image', 'list', '--public', '--name', 'x'),
        ('image', 'set', 'cirros', '--name', 'y', '--remove-property', 'k'),
        ('image', 'delete', 'cirros'),
        ('hypervisor', 'list'), ('service', 'list', '--host', 'h'),
        ('availability-zone', 'list', '--long'),
    ]
    for argv in commands:
        run = nube(*argv)
        assert run.code == 0, (argv, run.stderr)
    seen = set()
    for name, args, kwargs in client.calls:
        kind, method = name.split('.')
        signature = inspect.signature(getattr(REAL[kind], method))
        signature.bind(None, *args, **kwargs)   # raises TypeError on drift
        seen.add(name)
    assert {'server.create', 'server.wait_for_status', 'image.download',
            'image.update', 'flavor.create'} <= seen
