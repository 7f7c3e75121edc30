"""Render an OpenAPI 3.1 document as a reference page.

conf.py names the generator, a callable taking an API's name and
returning its OpenAPI document as a dict::

    extensions = ['nubedocs.openapi']
    openapi_generator = 'package.module:function'

and a page asks for one API (in MyST)::

    ```{openapi-reference} compute
    ```

The directive writes the document's description, a route table (method,
path, summary; each path links to its operation), a section per
operation (parameters, request body schema as JSON, responses) and a
section per schema of ``components.schemas``.

A generator that is not configured or cannot be imported stops the build
when it starts; one that raises, or returns something that is not an
OpenAPI 3.1 document with at least one operation, stops it at the page.
"""

import importlib
import json

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from nubedocs import generated

LOG = logging.getLogger(__name__)

METHODS = ('get', 'put', 'post', 'patch', 'delete', 'head', 'options',
           'trace')
_CACHE_ATTR = 'nubedocs_openapi_documents'


def load_generator(spec):
    """``'module:attr.attr'`` -> the callable it names."""
    if callable(spec):
        return spec
    if not isinstance(spec, str) or ':' not in spec:
        raise ExtensionError(
            'openapi_generator must name a callable as "module:function", '
            'not %r' % (spec,))
    module_name, _, attr = spec.partition(':')
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise ExtensionError(
            'openapi_generator %r: cannot import %s: %s'
            % (spec, module_name, exc)) from exc
    for part in attr.split('.'):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise ExtensionError(
                'openapi_generator %r: %s has no %r'
                % (spec, module_name, attr)) from exc
    if not callable(obj):
        raise ExtensionError('openapi_generator %r is not callable' % spec)
    return obj


def check_document(api, document):
    """Raise ExtensionError unless ``document`` is usable OpenAPI 3.1."""
    where = 'openapi_generator(%r)' % api
    if not isinstance(document, dict):
        raise ExtensionError('%s returned %s, not a dict'
                             % (where, type(document).__name__))
    version = str(document.get('openapi', ''))
    if not version.startswith('3.1'):
        raise ExtensionError('%s: "openapi" is %r, not 3.1.x'
                             % (where, version))
    if not isinstance(document.get('info'), dict):
        raise ExtensionError('%s: no "info" object' % where)
    if not any(operations(document)):
        raise ExtensionError('%s: the document has no operation' % where)


def operations(document):
    """(path, method, operation, path item) in the document's order."""
    for path, item in (document.get('paths') or {}).items():
        item = resolve(document, item)
        for method in METHODS:
            if method in item:
                yield path, method, resolve(document, item[method]), item


def resolve(document, obj):
    """Follow a local ``$ref`` ("#/components/...") to what it names."""
    seen = set()
    while isinstance(obj, dict) and isinstance(obj.get('$ref'), str):
        ref = obj['$ref']
        if not ref.startswith('#/') or ref in seen:
            return obj
        seen.add(ref)
        target = document
        for part in ref[2:].split('/'):
            part = part.replace('~1', '/').replace('~0', '~')
            if not isinstance(target, dict) or part not in target:
                raise ExtensionError('unresolvable $ref %r' % ref)
            target = target[part]
        obj = target
    return obj


def schema_ref_name(schema):
    """``{"$ref": "#/components/schemas/X"}`` -> ``X``, else None."""
    prefix = '#/components/schemas/'
    if isinstance(schema, dict):
        ref = schema.get('$ref')
        if isinstance(ref, str) and ref.startswith(prefix):
            return ref[len(prefix):].replace('~1', '/').replace('~0', '~')
    return None


class _Ids:
    """Unique node ids within one page, prefixed by the API's name."""

    def __init__(self, document, prefix):
        self.document = document
        self.prefix = prefix
        self.made = {}

    def __call__(self, *parts):
        key = parts
        if key not in self.made:
            base = nodes.make_id('-'.join((self.prefix,) + parts)) or 'op'
            candidate, n = base, 1
            while candidate in self.document.ids or candidate in (
                    self.made.values()):
                n += 1
                candidate = '%s-%d' % (base, n)
            self.made[key] = candidate
        return self.made[key]


def _text_paragraphs(text):
    """Plain paragraphs of a CommonMark description (kept as text)."""
    result = []
    for block in str(text).strip().split('\n\n'):
        block = ' '.join(line.strip() for line in block.splitlines())
        if block:
            result.append(nodes.paragraph(block, block))
    return result


def _cell(content):
    entry = nodes.entry()
    if isinstance(content, str):
        content = [nodes.paragraph(content, content)] if content else []
    elif isinstance(content, nodes.Node):
        content = [nodes.paragraph('', '', content)
                   if isinstance(content, (nodes.Inline, nodes.Text))
                   else content]
    entry.extend(content)
    return entry


def _table(headers, rows, widths=None, classes=()):
    table = nodes.table(classes=list(classes))
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths or [1] * len(headers):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for title in headers:
        row += _cell(title)
    head += row
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for content in cells:
            row += _cell(content)
        body += row
    return table


def _json_block(value):
    text = json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False)
    return nodes.literal_block(text, text, language='json')


def _section(ids, title, *id_parts):
    section = nodes.section(ids=[ids(*id_parts)])
    if isinstance(title, str):
        section += nodes.title(title, title)
    else:
        section += nodes.title('', '', *title)
    return section


def _op_title(method, path):
    return [nodes.literal(method.upper(), method.upper()),
            nodes.Text(' '), nodes.literal(path, path)]


def _field_list(fields):
    field_list = nodes.field_list()
    for name, body in fields:
        field = nodes.field()
        field += nodes.field_name(name, name)
        value = nodes.field_body()
        if isinstance(body, str):
            body = nodes.paragraph(body, body)
        value += body
        field += value
        field_list += field
    return field_list


def _extension_text(value):
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class OpenAPIReference(SphinxDirective):
    """``openapi-reference API``: the reference of one API."""

    required_arguments = 1
    has_content = False
    option_spec = {
        'no-schemas': directives.flag,
    }

    def run(self):
        api = self.arguments[0]
        generated.note(self.env)
        document = _document(self.env.app, api)
        self.doc = document
        self.ids = _Ids(self.state.document, api)
        result = []
        info = document['info']
        if info.get('description'):
            result.extend(_text_paragraphs(info['description']))
        fields = [('OpenAPI', str(document['openapi'])),
                  ('API version', str(info.get('version', '')))]
        for server in document.get('servers') or []:
            url = server.get('url', '')
            text = url + (' (%s)' % server['description']
                          if server.get('description') else '')
            fields.append(('Server', text))
        result.append(_field_list(fields))
        result.append(self._routes())
        result.append(self._operations())
        schemas = (document.get('components') or {}).get('schemas') or {}
        if schemas and 'no-schemas' not in self.options:
            result.append(self._schemas(schemas))
        return result

    # The route table.

    def _routes(self):
        section = _section(self.ids, 'Routes', 'routes')
        rows = []
        for path, method, op, _item in operations(self.doc):
            ref = nodes.reference('', '', internal=True,
                                  refid=self.ids('op', method, path))
            ref += nodes.literal(path, path)
            summary = op.get('summary') or _first_line(
                op.get('description', ''))
            if summary:
                summary = [nodes.Text(summary)]
            elif op.get('operationId'):
                # No words for it: its operation id says what it runs.
                summary = [nodes.literal(op['operationId'],
                                         op['operationId'])]
            else:
                summary = []
            if op.get('deprecated'):
                summary.insert(0, nodes.emphasis('deprecated', 'deprecated'))
                summary.insert(1, nodes.Text(' '))
            rows.append([nodes.literal(method.upper(), method.upper()),
                         ref, [nodes.paragraph('', '', *summary)]])
        section += _table(['Method', 'Path', 'Summary'], rows,
                          widths=[10, 45, 45], classes=['openapi-routes'])
        return section

    # One section per operation.

    def _operations(self):
        section = _section(self.ids, 'Operations', 'operations')
        for path, method, op, item in operations(self.doc):
            section += self._operation(path, method, op, item)
        return section

    def _operation(self, path, method, op, item):
        section = _section(self.ids, _op_title(method, path),
                           'op', method, path)
        if op.get('summary'):
            section += nodes.paragraph('', '', nodes.strong(
                op['summary'], op['summary']))
        for paragraph in _text_paragraphs(
                op.get('description') or item.get('description') or ''):
            section += paragraph
        fields = []
        if op.get('operationId'):
            fields.append(('Operation ID', nodes.paragraph(
                '', '', nodes.literal(op['operationId'], op['operationId']))))
        if op.get('tags'):
            fields.append(('Tags', ', '.join(map(str, op['tags']))))
        if op.get('deprecated'):
            fields.append(('Deprecated', 'yes'))
        for key in sorted(op):
            if key.startswith('x-'):
                text = _extension_text(op[key])
                fields.append((key, nodes.paragraph(
                    '', '', nodes.literal(text, text))))
        if 'security' in op:
            fields.append(('Security', _security_text(op['security'])))
        if fields:
            section += _field_list(fields)
        params = [resolve(self.doc, p) for p in
                  (item.get('parameters') or []) +
                  (op.get('parameters') or [])]
        if params:
            section += self._parameters(params)
        if op.get('requestBody'):
            section += self._request_body(resolve(self.doc, op['requestBody']))
        if op.get('responses'):
            section += self._responses(op['responses'])
        return section

    def _parameters(self, params):
        rows = []
        # An operation's parameter overrides the path item's of the same
        # name and location.
        merged = {}
        for param in params:
            merged[(param.get('name'), param.get('in'))] = param
        for param in merged.values():
            schema = param.get('schema') or {}
            rows.append([
                nodes.literal(param.get('name', ''), param.get('name', '')),
                param.get('in', ''),
                'yes' if param.get('required') else 'no',
                _schema_summary(schema),
                ' '.join(_first_line(param.get('description', '')).split()),
            ])
        return [nodes.rubric('Parameters', 'Parameters'),
                _table(['Name', 'In', 'Required', 'Schema', 'Description'],
                       rows, widths=[20, 10, 10, 20, 40])]

    def _request_body(self, body):
        result = [nodes.rubric('Request body', 'Request body')]
        required = 'required' if body.get('required') else 'optional'
        if body.get('description'):
            result.extend(_text_paragraphs(body['description']))
        for media, content in (body.get('content') or {}).items():
            result.append(nodes.paragraph('', '', nodes.literal(media, media),
                                          nodes.Text(' (%s)' % required)))
            result.extend(self._schema_blocks(content.get('schema')))
        return result

    def _responses(self, responses):
        rows = []
        for status, response in responses.items():
            response = resolve(self.doc, response)
            content = []
            for media, body in (response.get('content') or {}).items():
                name = schema_ref_name(body.get('schema'))
                para = nodes.paragraph('', '', nodes.literal(media, media))
                if name:
                    para += nodes.Text(': ')
                    para += self._schema_link(name)
                content.append(para)
            rows.append([nodes.literal(str(status), str(status)),
                         ' '.join(str(response.get('description', ''))
                                  .split()),
                         content])
        result = [nodes.rubric('Responses', 'Responses'),
                  _table(['Status', 'Description', 'Body'], rows,
                         widths=[10, 55, 35])]
        # The schema of each body that is not a named component.
        for status, response in responses.items():
            response = resolve(self.doc, response)
            for media, body in (response.get('content') or {}).items():
                schema = body.get('schema')
                if schema and not schema_ref_name(schema):
                    label = '%s %s' % (status, media)
                    result.append(nodes.paragraph(
                        '', '', nodes.literal(label, label)))
                    result.append(_json_block(schema))
        return result

    def _schema_blocks(self, schema):
        if not schema:
            return [nodes.paragraph('No schema.', 'No schema.')]
        name = schema_ref_name(schema)
        blocks = []
        if name:
            blocks.append(nodes.paragraph('', '', nodes.Text('Schema '),
                                          self._schema_link(name),
                                          nodes.Text(':')))
            schema = resolve(self.doc, schema)
        blocks.append(_json_block(schema))
        return blocks

    def _schema_link(self, name):
        ref = nodes.reference('', '', internal=True,
                              refid=self.ids('schema', name))
        ref += nodes.literal(name, name)
        return ref

    # components.schemas

    def _schemas(self, schemas):
        section = _section(self.ids, 'Schemas', 'schemas')
        for name, schema in schemas.items():
            sub = _section(self.ids, [nodes.literal(name, name)],
                           'schema', name)
            if isinstance(schema, dict) and schema.get('description'):
                for paragraph in _text_paragraphs(schema['description']):
                    sub += paragraph
            sub += _json_block(schema)
            section += sub
        return section


def _first_line(text):
    return str(text).strip().split('\n\n')[0].replace('\n', ' ')


def _schema_summary(schema):
    name = schema_ref_name(schema)
    if name:
        return name
    if not isinstance(schema, dict):
        return str(schema)
    kind = schema.get('type', '')
    if isinstance(kind, list):
        kind = ' | '.join(map(str, kind))
    text = str(kind)
    for combiner in ('oneOf', 'anyOf', 'allOf'):
        if not text and isinstance(schema.get(combiner), list):
            text = '%s: %s' % (combiner, ' | '.join(
                _schema_summary(sub) for sub in schema[combiner]))
    if schema.get('format'):
        text += ' (%s)' % schema['format']
    if 'enum' in schema:
        text += ': ' + ', '.join(map(str, schema['enum']))
    if 'pattern' in schema:
        text += ' /%s/' % schema['pattern']
    return text


def _security_text(security):
    if not security:
        return 'none'
    return '; '.join(', '.join(sorted(req)) or 'none' for req in security)


def _document(app, api):
    """The document of ``api``, made once per build."""
    cache = getattr(app, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(app, _CACHE_ATTR, cache)
    if api not in cache:
        generator = load_generator(app.config.openapi_generator)
        try:
            document = generator(api)
        except Exception as exc:
            raise ExtensionError('openapi_generator(%r) failed: %s: %s'
                                 % (api, type(exc).__name__, exc)) from exc
        check_document(api, document)
        LOG.info('openapi: %s: %d operation(s)', api,
                 sum(1 for _ in operations(document)))
        cache[api] = document
    return cache[api]


def _check_config(app):
    if not app.config.openapi_generator:
        raise ExtensionError(
            'nubedocs.openapi: set openapi_generator in conf.py to the '
            'callable that makes an API\'s OpenAPI document')
    load_generator(app.config.openapi_generator)


def setup(app):
    app.setup_extension('nubedocs.generated')
    app.add_config_value('openapi_generator', None, 'env', types=[str])
    app.add_directive('openapi-reference', OpenAPIReference)
    app.connect('builder-inited', _check_config)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
