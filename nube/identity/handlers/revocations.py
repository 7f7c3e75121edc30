"""GET /v3/OS-REVOKE/events: Keystone's list of revocation events.

The compute and image APIs fetch it (as their service user) when they
start, once subscribed to the bus, and periodically, so that events they
missed while the bus or they were down still apply. ``since`` is
accepted and not applied: the whole list (every event that may still
match a live token) is a superset of what it would select.
"""

from nube.identity import common
from nube.identity import errors
from nube.identity import revoke


def list_events(deps, req, caller):
    if not (caller.is_admin or caller.is_service):
        raise errors.Forbidden('identity:list_revoke_events')
    events = [revoke.to_wire(e) for e in deps.revocations.events()]
    return common.json_response(common.collection(req, 'events', events))
