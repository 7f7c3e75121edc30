"""Include a console script's ``--help`` output, run at build time.

::

    ```{command-help} nube-all
    ```

runs the ``nube-all`` console script of the installed distribution (found
through its ``console_scripts`` entry point, so the one of the Python
running Sphinx) with ``--help`` (or the directive's arguments after the
name) and includes what it prints as a literal block. A script that is
not installed, exits non-zero or prints nothing stops the build.
"""

import os
import subprocess
import sys

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from nubedocs import generated

# Runs the entry point as its console script would, named as the script.
_RUNNER = '''
import sys
from importlib import metadata
name = sys.argv[1]
points = [ep for ep in metadata.entry_points(group="console_scripts")
          if ep.name == name]
if not points:
    sys.exit("no console script %r is installed" % name)
sys.argv = [name] + sys.argv[2:]
sys.exit(points[0].load()())
'''

WIDTH = 79
TIMEOUT = 120


def command_help(name, args=('--help',)):
    env = dict(os.environ, COLUMNS=str(WIDTH), PYTHONWARNINGS='ignore',
               LC_ALL='C.UTF-8')
    try:
        proc = subprocess.run(
            [sys.executable, '-c', _RUNNER, name] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT, text=True)
    except subprocess.TimeoutExpired as exc:
        raise ExtensionError('command-help: %s %s did not finish in %ds'
                             % (name, ' '.join(args), TIMEOUT)) from exc
    if proc.returncode != 0 or not proc.stdout.strip():
        raise ExtensionError(
            'command-help: %s %s exited %d with %s:\n%s'
            % (name, ' '.join(args), proc.returncode,
               'output' if proc.stdout.strip() else 'no output',
               proc.stderr.strip()[-2000:]))
    return proc.stdout.rstrip() + '\n'


class CommandHelp(SphinxDirective):
    """``command-help NAME [ARG ...]``: NAME's help text."""

    required_arguments = 1
    optional_arguments = 20
    has_content = False

    def run(self):
        generated.note(self.env)
        name, args = self.arguments[0], self.arguments[1:] or ['--help']
        text = command_help(name, args)
        shown = '$ %s %s\n%s' % (name, ' '.join(args), text)
        block = nodes.literal_block(shown, shown, language='text')
        self.set_source_info(block)
        return [block]


def setup(app):
    app.setup_extension('nubedocs.generated')
    app.add_directive('command-help', CommandHelp)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
