"""What every resource manager shares: ids of dicts, lookup by id or name.
"""

import urllib.parse

from nube.client import exceptions


def resource_id(value):
    """The id of a resource given as its dict or as the id itself."""
    if isinstance(value, dict):
        return value['id']
    return str(value)


def quote(value):
    return urllib.parse.quote(str(value), safe='')


def query_value(value):
    """Query strings carry booleans the way Nova and Glance parse them."""
    if isinstance(value, bool):
        return 'True' if value else 'False'
    return value


def clean_filters(filters):
    return {key: query_value(value) for key, value in filters.items()
            if value is not None}


class Manager:
    """Base of the resource managers; ``kind`` names the resource."""

    kind = 'resource'

    def __init__(self, client):
        self.client = client

    def _find(self, id_or_name, get_by_id, list_by_name):
        """OpenStack tools' lookup: the id first, then an exact name."""
        if isinstance(id_or_name, dict):
            id_or_name = id_or_name['id']
        try:
            return get_by_id(id_or_name)
        except exceptions.NotFound as exc:
            not_found = exc
        matches = [item for item in list_by_name(id_or_name)
                   if item.get('name') == id_or_name]
        if not matches:
            raise exceptions.NotFoundByName(
                'No %s with a name or ID of %r exists.'
                % (self.kind, id_or_name), http_status=404,
                request_id=not_found.request_id)
        if len(matches) > 1:
            raise exceptions.NoUniqueMatch(
                'More than one %s exists with the name %r: use the ID '
                '(%s).' % (self.kind, id_or_name,
                           ', '.join(item['id'] for item in matches)))
        return matches[0]
