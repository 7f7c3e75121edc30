"""Diagram a database from its SQLAlchemy models, at build time.

::

    ```{db-diagram} nube.db.api.models:Base
    :caption: The API database
    ```

The argument names a ``MetaData``, or anything with a ``metadata``
attribute (a declarative base), as ``module:attribute``. The directive
writes Graphviz dot for it (a box per table listing its columns with
their types; ``PK`` and ``FK`` mark keys; an edge per foreign key, from
the referring column to the referred one) and hands it to
``sphinx.ext.graphviz``, which runs ``dot`` (Debian package graphviz).
Groups of tables that foreign keys join, and lone tables, are packed
side by side.
"""

import html
import importlib

from docutils.parsers.rst import directives
from sphinx.errors import ExtensionError
from sphinx.ext import graphviz
from sphinx.util.docutils import SphinxDirective
import sqlalchemy as sa

from nubedocs import generated

HEADER_COLOUR = '#dce6f0'
KEY_COLOUR = '#f5f0dc'


def load_metadata(spec):
    module_name, _, attr = spec.partition(':')
    if not module_name or not attr:
        raise ExtensionError('db-diagram: %r is not "module:attribute"'
                             % spec)
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise ExtensionError('db-diagram: cannot import %s: %s'
                             % (module_name, exc)) from exc
    for part in attr.split('.'):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise ExtensionError('db-diagram: %s has no %r'
                                 % (module_name, attr)) from exc
    metadata = obj if isinstance(obj, sa.MetaData) else getattr(
        obj, 'metadata', None)
    if not isinstance(metadata, sa.MetaData):
        raise ExtensionError('db-diagram: %s is not a MetaData and has no '
                             'metadata attribute' % spec)
    if not metadata.tables:
        raise ExtensionError('db-diagram: %s has no table' % spec)
    return metadata


def type_name(column):
    """The column's type as DDL would spell it, e.g. VARCHAR(255)."""
    try:
        return str(column.type.compile())
    except Exception:
        return type(column.type).__name__.upper()


def _quote(name):
    return '"%s"' % name.replace('\\', '\\\\').replace('"', '\\"')


def _port(column, side):
    """Ports of a column's row: 'l' its name cell, 'r' its keys cell."""
    return '%s_%s' % (side, ''.join(
        ch if ch.isalnum() else '_' for ch in column.name))


def table_label(table):
    rows = ['<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" '
            'CELLPADDING="3">',
            '<TR><TD COLSPAN="3" BGCOLOR="%s"><B>%s</B></TD></TR>'
            % (HEADER_COLOUR, html.escape(table.name))]
    for column in table.columns:
        keys = []
        if column.primary_key:
            keys.append('PK')
        if column.foreign_keys:
            keys.append('FK')
        name = html.escape(column.name)
        if column.primary_key:
            name = '<U>%s</U>' % name
        if not column.nullable and not column.primary_key:
            name = '<B>%s</B>' % name
        colour = ' BGCOLOR="%s"' % KEY_COLOUR if keys else ''
        rows.append(
            '<TR><TD ALIGN="LEFT" PORT="%s"%s>%s</TD>'
            '<TD ALIGN="LEFT"%s>%s</TD><TD PORT="%s"%s>%s</TD></TR>'
            % (_port(column, 'l'), colour, name, colour,
               html.escape(type_name(column)), _port(column, 'r'), colour,
               ' '.join(keys) or ' '))
    rows.append('</TABLE>')
    return '<%s>' % ''.join(rows)


def foreign_keys(metadata):
    """(table, column, referred table, referred column) of every FK."""
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        for column in table.columns:
            for fk in sorted(column.foreign_keys,
                             key=lambda fk: fk.target_fullname):
                target = fk.column
                yield table, column, target.table, target


def to_dot(metadata, name='db'):
    fks = list(foreign_keys(metadata))
    # pack: groups of related tables, and lone tables, laid out side by
    # side rather than in one tall column.
    lines = ['digraph %s {' % _quote(name),
             '  graph [rankdir=LR, fontname="Helvetica", fontsize=10, '
             'nodesep=0.3, ranksep=0.8, bgcolor="transparent", '
             'pack=true, packmode="graph"];',
             '  node [shape=plain, fontname="Helvetica", fontsize=9];',
             '  edge [arrowhead=crow, arrowtail=tee, dir=both, '
             'color="#555555"];']
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        lines.append('  %s [label=%s];' % (_quote(table.name),
                                           table_label(table)))
    for table, column, target_table, target in fks:
        # Drawn from the referred row to its referrers: "one to many".
        lines.append('  %s:%s:e -> %s:%s:w;' % (
            _quote(target_table.name), _port(target, 'r'),
            _quote(table.name), _port(column, 'l')))
    lines.append('}')
    return '\n'.join(lines) + '\n'


class DbDiagram(SphinxDirective):
    """``db-diagram module:attribute``: a diagram of that MetaData."""

    required_arguments = 1
    has_content = False
    option_spec = {
        'caption': directives.unchanged,
        'alt': directives.unchanged,
    }

    def run(self):
        spec = self.arguments[0]
        generated.note(self.env)
        metadata = load_metadata(spec)
        node = graphviz.graphviz()
        node['code'] = to_dot(metadata, spec.partition(':')[0])
        node['options'] = {'docname': generated.docname(self.env)}
        node['alt'] = self.options.get(
            'alt', 'Tables of %s: %s' % (spec, ', '.join(
                sorted(metadata.tables))))
        self.set_source_info(node)
        caption = self.options.get('caption')
        if not caption:
            return [node]
        figure = graphviz.figure_wrapper(self, node, caption)
        self.add_name(figure)
        return [figure]


def setup(app):
    app.setup_extension('sphinx.ext.graphviz')
    app.setup_extension('nubedocs.generated')
    app.add_directive('db-diagram', DbDiagram)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
