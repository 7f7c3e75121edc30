"""Rendering command results: table (default), json, yaml or value.

Commands return a Listing (rows under columns) or a Record (one resource,
field -> value) holding the raw API values; formatting happens here so
json/yaml keep real types (dicts, lists, null) for scripts while table and
value turn them into readable strings.
"""

import argparse
import json

import prettytable
import yaml

FORMATS = ('table', 'json', 'yaml', 'value')


class Listing:
    """Rows of raw values under ``columns``.

    ``formatters`` maps a column name to a function giving its display
    string in table/value output.
    """

    def __init__(self, columns, rows, formatters=None):
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]
        self.formatters = formatters or {}


class Record:
    """One resource: ordered fields -> raw values."""

    def __init__(self, fields, formatters=None):
        self.fields = dict(fields)
        self.formatters = formatters or {}


class ColumnError(ValueError):
    """-c named a column the result does not have (a usage error)."""


def add_arguments(parser, listing):
    """The output options of a command that prints something."""
    group = parser.add_argument_group('output formatting')
    group.add_argument('-f', '--format', dest='output_format',
                       choices=FORMATS, default='table',
                       help='output format (default: table)')
    group.add_argument('-c', '--column', dest='columns', action='append',
                       default=[], metavar='COLUMN',
                       help='show only this column/field (repeatable)')
    if listing:
        group.add_argument('--sort-column', action='append', default=[],
                           metavar='COLUMN',
                           help='sort rows by this column (repeatable)')
        group.add_argument('--sort-descending', action='store_true',
                           help='reverse the sort order')


def format_value(value):
    """A display string for one raw value."""
    if value is None:
        return 'None'
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (str, int, float)) for v in value):
            return ', '.join(str(v) for v in value)
        return json.dumps(value, sort_keys=True)
    if isinstance(value, dict):
        if all(isinstance(v, (str, int, float, bool)) or v is None
               for v in value.values()):
            return ', '.join('%s=%s' % (k, format_value(v))
                             for k, v in sorted(value.items()))
        return json.dumps(value, sort_keys=True)
    return str(value)


def _pick(names, wanted):
    if not wanted:
        return list(range(len(names)))
    lowered = {n.lower(): i for i, n in enumerate(names)}
    picked = []
    for want in wanted:
        if want in names:
            picked.append(names.index(want))
        elif want.lower() in lowered:
            picked.append(lowered[want.lower()])
        else:
            raise ColumnError('unknown column %r (choose from: %s)'
                              % (want, ', '.join(names)))
    return picked


def _display(formatters, name, value):
    fmt = formatters.get(name)
    return fmt(value) if fmt else format_value(value)


def _sort_key(value):
    # None first, then numbers by value, then the rest by display string.
    if value is None:
        return (0, 0, '')
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value, '')
    return (2, 0, format_value(value))


def _dump(data, fmt):
    if fmt == 'json':
        return json.dumps(data, indent=2, sort_keys=False, default=str)
    return yaml.safe_dump(data, default_flow_style=False,
                          sort_keys=False).rstrip('\n')


def render(result, args):
    """The text to print for ``result`` under the parsed output options."""
    fmt = getattr(args, 'output_format', 'table')
    wanted = getattr(args, 'columns', [])
    if isinstance(result, Listing):
        return _render_listing(result, fmt, wanted, args)
    return _render_record(result, fmt, wanted)


def _render_listing(result, fmt, wanted, args):
    idx = _pick(result.columns, wanted)
    rows = result.rows
    sort_cols = getattr(args, 'sort_column', [])
    if sort_cols:
        keys = _pick(result.columns, sort_cols)
        rows = sorted(rows, key=lambda r: [_sort_key(r[k]) for k in keys],
                      reverse=getattr(args, 'sort_descending', False))
    columns = [result.columns[i] for i in idx]
    if fmt in ('json', 'yaml'):
        return _dump([{c: row[i] for c, i in zip(columns, idx)}
                      for row in rows], fmt)
    shown = [[_display(result.formatters, result.columns[i], row[i])
              for i in idx] for row in rows]
    if fmt == 'value':
        return '\n'.join(' '.join(row) for row in shown)
    table = prettytable.PrettyTable(columns)
    table.align = 'l'
    for row in shown:
        table.add_row(row)
    return table.get_string()


def _render_record(result, fmt, wanted):
    names = list(result.fields)
    idx = _pick(names, wanted)
    picked = [names[i] for i in idx]
    if not wanted:
        picked = sorted(picked)
    if fmt in ('json', 'yaml'):
        return _dump({n: result.fields[n] for n in picked}, fmt)
    shown = [(n, _display(result.formatters, n, result.fields[n]))
             for n in picked]
    if fmt == 'value':
        return '\n'.join(v for _, v in shown)
    table = prettytable.PrettyTable(['Field', 'Value'])
    table.align = 'l'
    for name, value in shown:
        table.add_row([name, value])
    return table.get_string()


def key_value(text):
    """argparse type for KEY=VALUE options (--property)."""
    key, sep, value = text.partition('=')
    if not sep or not key:
        raise argparse.ArgumentTypeError('expected KEY=VALUE, got %r' % text)
    return key, value
