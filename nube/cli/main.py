"""`nube`: the command line client of a nube cloud.

  nube [global options] RESOURCE ACTION [options]

Resources: server, flavor, image, hypervisor, service, availability-zone,
and `nube versions`. Exit codes: nube/cli/errors.py and doc/cli.md.
"""

import argparse
import logging
import os
import sys
import traceback

from nube.cli import auth
from nube.cli import compute_misc
from nube.cli import errors
from nube.cli import flavors
from nube.cli import images
from nube.cli import output
from nube.cli import progress
from nube.cli import servers
from nube import version

MODULES = (servers, flavors, images, compute_misc)


class _Parser(argparse.ArgumentParser):
    """argparse, but exiting with errors.USAGE (2) on bad arguments."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(errors.USAGE, '%s: error: %s\n' % (self.prog, message))


class Context:
    """What a command gets: parsed args, a lazily built client, streams
    and progress bars."""

    def __init__(self, args, client_factory, stdout, stderr):
        self.args = args
        self.stdout = stdout
        self.stderr = stderr
        self._client_factory = client_factory
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = self._client_factory(self.args)
        return self._client

    def _active(self):
        return progress.enabled(self.args.progress, self.stderr)

    def transfer_bar(self, label):
        return progress.TransferBar(label, self.stderr, self._active())

    def server_bar(self, label):
        return progress.ServerBar(label, self.stderr, self._active())

    def warn(self, text):
        self.stderr.write(text + '\n')
        self.stderr.flush()


def build_parser():
    parser = _Parser(
        prog='nube', description='Command line client for a nube cloud.',
        epilog='Exit codes: ' + '; '.join(
            '%d %s' % row for row in errors.TABLE))
    parser.add_argument('--version', action='version',
                        version='nube %s' % version.version_string())
    parser.add_argument('-d', '--debug', action='store_true',
                        help='log HTTP requests and show tracebacks')
    bars = parser.add_mutually_exclusive_group()
    bars.add_argument('--progress', dest='progress', action='store_const',
                      const='always', default='auto',
                      help='always draw progress bars on stderr (default: '
                           'only when stderr is a terminal)')
    bars.add_argument('--no-progress', dest='progress',
                      action='store_const', const='never',
                      help='never draw progress bars')
    auth.add_arguments(parser)
    resources = parser.add_subparsers(dest='resource', metavar='RESOURCE',
                                      parser_class=_Parser)
    resources.required = True
    for module in MODULES:
        module.register(resources)
    return parser


def _setup_logging(debug):
    """--debug: every HTTP request on stderr. Otherwise keystoneauth's
    warnings (e.g. version discovery fallbacks) stay out of the way; the
    error that matters is reported once, by main()."""
    if debug:
        logging.basicConfig(stream=sys.stderr, level=logging.DEBUG,
                            format='%(levelname)s %(name)s %(message)s')
    else:
        logging.getLogger('keystoneauth').setLevel(logging.ERROR)


def main(argv=None, client_factory=None, stdout=None, stderr=None):
    """Run one command; returns the exit code (the console script's)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else errors.USAGE
    _setup_logging(args.debug)
    ctx = Context(args, client_factory or auth.make_client, stdout, stderr)
    try:
        result = args.func(ctx, args)
        if result is not None:
            text = output.render(result, args)
            if text:
                stdout.write(text + '\n')
        return getattr(ctx, 'exit_code', errors.OK)
    except KeyboardInterrupt:
        stderr.write('nube: interrupted\n')
        return errors.INTERRUPTED
    except BrokenPipeError:
        # `nube server list | head -1`: the reader left; say nothing more.
        _silence_stdout(stdout)
        return errors.ERROR
    except Exception as exc:
        if args.debug or not errors.handled(exc):
            traceback.print_exc(file=stderr)
        stderr.write('nube: error: %s\n' % errors.message(exc))
        return errors.exit_code(exc)
    finally:
        try:
            stdout.flush()
        except (BrokenPipeError, ValueError):
            _silence_stdout(stdout)


def _silence_stdout(stdout):
    """Point fd 1 at /dev/null so the interpreter's exit flush of a
    closed pipe does not print a second error."""
    if stdout is not sys.stdout:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover
        pass


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
