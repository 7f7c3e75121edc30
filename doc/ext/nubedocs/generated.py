"""Pages whose content comes from code are read again on every build.

Sphinx rereads a page when its source file changes; a page made by the
directives here changes when nube's code does, which Sphinx cannot see.
A directive calls ``note(env)``; ``env-get-outdated`` then names those
pages again on the next incremental build.
"""

_ATTR = 'nubedocs_generated'


def docname(env):
    """The page being read (``env.current_document`` from Sphinx 8.2)."""
    current = getattr(env, 'current_document', None)
    return current.docname if current is not None else env.docname


def note(env):
    docs = getattr(env, _ATTR, None)
    if docs is None:
        docs = set()
        setattr(env, _ATTR, docs)
    docs.add(docname(env))


def _outdated(app, env, added, changed, removed):
    return sorted(getattr(env, _ATTR, set()) - set(removed))


def _purge(app, env, docname):
    getattr(env, _ATTR, set()).discard(docname)


def _merge(app, env, docnames, other):
    mine = getattr(env, _ATTR, None)
    if mine is None:
        mine = set()
        setattr(env, _ATTR, mine)
    mine.update(getattr(other, _ATTR, set()) & set(docnames))


def setup(app):
    app.connect('env-get-outdated', _outdated)
    app.connect('env-purge-doc', _purge)
    app.connect('env-merge-info', _merge)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
