"""Hook for oslo-config-generator: lists every option nube declares."""

import collections


def list_opts():
    from nube import conf

    grouped = collections.defaultdict(list)
    for mod in conf._MODULES:
        for group, opts in mod.list_opts().items():
            grouped[group].extend(opts)
    return [(group, opts) for group, opts in sorted(
        grouped.items(), key=lambda item: (item[0] != 'DEFAULT', item[0]))]
