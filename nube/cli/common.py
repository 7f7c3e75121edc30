"""Helpers shared by the command modules: sub-command registration,
KEY=VALUE options, commands acting on several resources."""

import argparse
import sys

from nube.cli import errors
from nube.cli import output

DEFAULT_TIMEOUT = 600


def resource(resources, name, text):
    """`nube NAME ...`: returns the ACTION sub-parsers of a resource."""
    parser = resources.add_parser(name, help=text, description=text)
    actions = parser.add_subparsers(dest='action', metavar='ACTION',
                                    parser_class=type(parser))
    actions.required = True
    return actions


def command(actions, name, func, text, prints=None):
    """One action. ``prints``: None (no output), 'list' or 'show'."""
    parser = actions.add_parser(name, help=text, description=text)
    parser.set_defaults(func=func)
    if prints is not None:
        output.add_arguments(parser, listing=prints == 'list')
    return parser


def add_progress(parser):
    """--progress/--no-progress after the action too (they default to
    the global flag's value: SUPPRESS leaves it alone when absent)."""
    bars = parser.add_mutually_exclusive_group()
    bars.add_argument('--progress', dest='progress', action='store_const',
                      const='always', default=argparse.SUPPRESS,
                      help='draw the progress bar even when stderr is not '
                           'a terminal')
    bars.add_argument('--no-progress', dest='progress',
                      action='store_const', const='never',
                      default=argparse.SUPPRESS,
                      help='never draw the progress bar')


def add_wait(parser, what):
    add_progress(parser)
    parser.add_argument('--wait', action='store_true',
                        help='wait until the server is %s' % what)
    parser.add_argument('--timeout', type=float, default=DEFAULT_TIMEOUT,
                        metavar='SECONDS',
                        help='give up waiting after this long (exit 4; '
                             'default %d)' % DEFAULT_TIMEOUT)


def properties(pairs):
    """[(key, value), ...] from --property options -> dict."""
    return {key: value for key, value in pairs or ()}


def for_each(ctx, names, action, what):
    """Run ``action(name)`` for every name; keep going after a failure.

    Each failure is reported on stderr; the exit code is that of the first
    failure, so `nube server delete a b` still deletes b when a is gone.
    """
    failed = 0
    for name in names:
        try:
            action(name)
        except Exception as exc:
            if not errors.handled(exc):
                raise
            failed += 1
            ctx.warn('nube: error: %s %s: %s' % (what, name,
                                                 errors.message(exc)))
            if getattr(ctx, 'exit_code', errors.OK) == errors.OK:
                ctx.exit_code = errors.exit_code(exc)
    if failed and len(names) > 1:
        ctx.warn('nube: %d of %d %ss failed' % (failed, len(names), what))


def binary_stdin():
    return sys.stdin.buffer


def binary_stdout():
    return sys.stdout.buffer
