"""Commands start without warnings: the first thing a user reads of
``--help`` is the help."""

import os
import subprocess
import sys

import pytest

BIN = os.path.dirname(sys.executable)


@pytest.mark.parametrize('command', ['nube', 'nube-manage', 'nube-all'])
def test_help_writes_nothing_to_stderr(command):
    script = os.path.join(BIN, command)
    if not os.path.exists(script):
        pytest.fail('%s is not installed next to %s' % (command,
                                                        sys.executable))
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONWARNINGS', 'PYTHONDEVMODE')}
    proc = subprocess.run([script, '--help'], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert proc.stderr == ''
