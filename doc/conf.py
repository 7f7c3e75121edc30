# Sphinx configuration of nube's documentation.
#
# doc/ is the source directory: the Markdown pages stay where the rest of
# the repository links to them (doc/*.md), MyST reads them as they are,
# and doc/reference/ holds the pages generated from the code at build time
# (options, policy rules, API routes, commands, database diagrams).
# Build: `tox -e docs` (HTML in doc/build/html; warnings are errors).

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'ext'))
# sphinx-argparse imports nube.cmd.* only to read their parsers: no
# eventlet monkey-patching of Sphinx itself (nube/cmd/__init__.py). The
# scripts that command-help runs inherit it; their --help is the same.
os.environ.setdefault('NUBE_NO_MONKEY_PATCH', '1')

from nube import version as nube_version  # noqa: E402

project = 'nube'
author = 'nube developers'
copyright = 'nube developers'
release = nube_version.version_string()
version = release

extensions = [
    'myst_parser',
    'sphinx.ext.graphviz',
    'sphinxarg.ext',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'oslo_policy.sphinxext',
    'oslo_policy.sphinxpolicygen',
    'nubedocs.openapi',
    'nubedocs.dbdiagram',
    'nubedocs.cmdhelp',
]

source_suffix = {'.md': 'markdown', '.rst': 'restructuredtext'}
root_doc = 'index'
exclude_patterns = [
    'build',
    'ext',
    '_generated',
    'requirements.txt',
    '**/README.md',
]

# Markdown: `{eval-rst}` blocks for the oslo directives (they parse rST),
# heading anchors so `page.md#a-heading` links resolve.
myst_enable_extensions = ['colon_fence', 'deflist']
myst_heading_anchors = 3
# A link MyST cannot place is tried against every domain; sphinx-argparse's
# and oslo.config's cannot answer and say so: the link's own warning is
# the one that matters.
suppress_warnings = ['myst.domains']

# oslo.config: doc/reference/configuration.md shows the options of these
# namespaces (the same as `tox -e genconfig`) and links a sample file.
config_generator_config_file = os.path.join(
    HERE, 'ext', 'config-generator.conf')
sample_config_basename = '_generated/nube'

# oslo.policy: the rules of the `nube` namespace (oslo.policy.policies in
# setup.cfg) and a sample policy file.
policy_generator_config_file = os.path.join(
    HERE, 'ext', 'policy-generator.conf')
sample_policy_basename = '_generated/nube'

# nubedocs.openapi: nube.openapi makes each API's OpenAPI 3.1 document.
openapi_generator = 'nube.openapi:build'

graphviz_output_format = 'svg'

html_theme = 'alabaster'
html_title = 'nube %s' % release
html_static_path = []
html_theme_options = {
    'description': 'A miniature IaaS control plane in the shape of OpenStack',
    'page_width': '1180px',
    'sidebar_width': '240px',
}
html_sidebars = {'**': ['about.html', 'navigation.html', 'searchbox.html']}


def _list_new_pages(app, docname, source):
    """A Markdown page added to doc/ but not yet placed in index.md's
    toctrees is listed under "More pages" instead of failing the build
    as a page in no toctree. Place it in index.md to choose its section.
    """
    if docname != root_doc:
        return
    listed = {line.strip() for line in source[0].splitlines()}
    new = sorted(name[:-len('.md')] for name in os.listdir(HERE)
                 if name.endswith('.md') and name != 'index.md'
                 and name[:-len('.md')] not in listed)
    if new:
        source[0] += ('\n```{toctree}\n:caption: More pages\n'
                      ':maxdepth: 1\n\n%s\n```\n' % '\n'.join(new))


def setup(app):
    app.connect('source-read', _list_new_pages)
