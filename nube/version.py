"""nube's version, from the installed package metadata."""

from importlib import metadata


def version_string():
    try:
        return metadata.version('nube')
    except metadata.PackageNotFoundError:
        return '0.0.0'
