"""Sphinx extensions of nube's documentation (doc/conf.py loads them).

Each renders, at build time, a reference generated from nube's own code:

- ``nubedocs.openapi``: the ``openapi-reference`` directive, one API's
  OpenAPI 3.1 document as a route table and a section per operation;
- ``nubedocs.dbdiagram``: the ``db-diagram`` directive, a Graphviz diagram
  of a SQLAlchemy ``MetaData`` (tables, typed columns, keys);
- ``nubedocs.cmdhelp``: the ``command-help`` directive, a console
  script's ``--help`` output.

Nothing here is cached between builds: a page that uses one of these
directives is read again on every build (see ``nubedocs.generated``).
"""
