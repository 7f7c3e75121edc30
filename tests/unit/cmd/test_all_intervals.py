"""nube-all: fast heartbeats for a few hosts, production ones for many."""

import json
import subprocess
import sys
import textwrap


def _intervals(tmp_path, hosts):
    script = textwrap.dedent('''
        import json, sys
        from nube.cmd import all as all_cmd
        args = all_cmd._parse(['--state-dir', sys.argv[1],
                               '--fake-hosts', sys.argv[2]])
        all_cmd.configure(args)
        conf = all_cmd.CONF
        print(json.dumps([conf.report_interval,
                          conf.compute.resource_report_interval,
                          conf.scheduler.host_refresh_interval]))
    ''')
    result = subprocess.run(
        [sys.executable, '-c', script, str(tmp_path), str(hosts)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_few_hosts_report_fast(tmp_path):
    assert _intervals(tmp_path, 3) == [2, 5, 1]


def test_many_hosts_keep_production_intervals(tmp_path):
    report, resources, refresh = _intervals(tmp_path, 100)
    assert (report, resources) == (10, 60)
    assert refresh == 1
