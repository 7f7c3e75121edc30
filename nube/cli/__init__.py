"""The `nube` command line client (console script nube.cli.main:main)."""
