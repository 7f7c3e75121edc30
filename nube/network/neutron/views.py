"""What a caller sees of a network, subnet or port.

Attributes the policy keeps from the caller (``get_network:provider:*``,
``get_port:binding:host_id``... admin only by default) are removed, then
``fields=`` keeps only the attributes named.
"""

from nube import policy as nube_policy


def hidden_attributes(ctxt, resource, attributes):
    """The attributes of ``resource`` kinds ``ctxt`` may not read."""
    target = nube_policy.default_target(ctxt)
    return frozenset(
        attr for attr in attributes
        if not nube_policy.authorize(ctxt, 'get_%s:%s' % (resource, attr),
                                     target, fatal=False))


def show(item, hidden=frozenset(), fields=None):
    """One resource as returned: without ``hidden``, only ``fields``."""
    if fields:
        return {name: item[name] for name in fields
                if name in item and name not in hidden}
    return {name: value for name, value in item.items()
            if name not in hidden}


def collection(items, hidden=frozenset(), fields=None):
    return [show(item, hidden, fields) for item in items]
