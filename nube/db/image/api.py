"""Image database API: what the registry serves.

Reads take the caller (anything with ``project_id`` and ``is_admin``) and
apply Glance's visibility rules in SQL, so pagination counts only images
the caller may see. Writes trust their caller: the image API checks who may
change what before it asks the registry.
"""

import csv
import uuid as uuidlib

import sqlalchemy as sa

from nube import exception
from nube import utils
import nube.conf
from nube.db import base
from nube.db.image import models

CONF = nube.conf.CONF

SORT_KEYS = ('name', 'status', 'container_format', 'disk_format', 'size',
             'id', 'created_at', 'updated_at')
IMAGE_FIELDS = ('id', 'name', 'disk_format', 'container_format', 'size',
                'virtual_size', 'status', 'visibility', 'checksum',
                'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram',
                'owner', 'protected', 'os_hidden')
MEMBER_STATUSES = ('pending', 'accepted', 'rejected')
FILTER_OPERATORS = ('in', 'eq', 'neq', 'gt', 'gte', 'lt', 'lte')
_IN_FILTERS = ('name', 'id', 'status', 'container_format', 'disk_format')
_BOOL_FILTERS = ('os_hidden', 'protected')
_INT_FILTERS = ('size', 'virtual_size', 'min_disk', 'min_ram')
_EXACT_FILTERS = ('owner', 'checksum', 'os_hash_value', 'os_hash_algo',
                  'visibility')
# NULLs sort as these, so keyset pagination compares plain values.
_NULL_AS = {'name': '', 'container_format': '', 'disk_format': '',
            'size': -1}
# What one list query may ask for: each tag or property filter is a
# subquery, each value of an 'in:' filter a bound parameter (SQLite parses
# an expression deeper than 1000 terms as an error, not as no match).
MAX_TAG_FILTERS = 128
MAX_PROPERTY_FILTERS = 128
MAX_IN_VALUES = 1000
MAX_LIMIT = 2 ** 31 - 1
# Integer columns: size and virtual_size are BIGINT, min_* INT.
_INT_RANGE = {'size': 2 ** 63 - 1, 'virtual_size': 2 ** 63 - 1,
              'size_min': 2 ** 63 - 1, 'size_max': 2 ** 63 - 1,
              'min_disk': 2 ** 31 - 1, 'min_ram': 2 ** 31 - 1}


def _now():
    return utils.utcnow()


def split_filter_op(expression):
    """'in:a,b' -> ('in', 'a,b'); 'x' or 'foo:bar' -> ('eq', ...)."""
    op, sep, value = expression.partition(':')
    if sep and op in FILTER_OPERATORS:
        return op, value
    return 'eq', expression


def split_filter_values(value):
    """Comma list where a double-quoted item may itself hold commas."""
    try:
        items = next(csv.reader([value], skipinitialspace=True,
                                strict=True))
    except (csv.Error, StopIteration):
        raise exception.Invalid('Invalid filter value %s' % value)
    if len(items) > MAX_IN_VALUES:
        raise exception.Invalid('At most %d values in one "in:" filter.'
                                % MAX_IN_VALUES)
    return [item.strip() for item in items]


def _text_filter(key, value):
    """A filter value compared with a text column: a string (numbers and
    booleans as their text), never a list or object."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise exception.Invalid('Invalid value for filter %s.' % key)
    return value


def _int_filter(key, value, message):
    """A filter value for an integer column, within the column's range."""
    if isinstance(value, bool):
        raise exception.Invalid(message)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise exception.Invalid(message)
    if not 0 <= number <= _INT_RANGE[key]:
        raise exception.Invalid('%s Its value must be between 0 and %d.'
                                % (message, _INT_RANGE[key]))
    return number


def _visible_clause(ctxt, member_status='accepted'):
    """Images a non-admin caller may list (before the community rule)."""
    clauses = [models.Image.visibility.in_(('public', 'community'))]
    project_id = getattr(ctxt, 'project_id', None)
    if project_id is not None:
        clauses.append(models.Image.owner == project_id)
        member = sa.select(models.ImageMember.id).where(
            models.ImageMember.image_id == models.Image.id,
            models.ImageMember.member == project_id)
        if member_status != 'all':
            member = member.where(models.ImageMember.status == member_status)
        clauses.append(sa.and_(models.Image.visibility == 'shared',
                               member.exists()))
    return sa.or_(*clauses)


def _sort_column(key):
    column = getattr(models.Image, key)
    if key in _NULL_AS:
        return sa.func.coalesce(column, _NULL_AS[key])
    return column


def _sort_value(row, key):
    value = getattr(row, key)
    return _NULL_AS.get(key) if value is None else value


def _after_marker(marker, sort_keys, sort_dirs):
    """Keyset condition: rows that come after ``marker`` in this order."""
    alternatives = []
    for i, key in enumerate(sort_keys):
        terms = [_sort_column(k) == _sort_value(marker, k)
                 for k in sort_keys[:i]]
        column, value = _sort_column(key), _sort_value(marker, key)
        terms.append(column > value if sort_dirs[i] == 'asc'
                     else column < value)
        alternatives.append(sa.and_(*terms))
    return sa.or_(*alternatives)


class ImageDatabase(base.Database):
    """Queries on the image database."""

    # -- reading -----------------------------------------------------------

    @staticmethod
    def _image_dict(row, properties, tags, locations):
        values = base.row_to_dict(row)
        values['properties'] = properties
        values['tags'] = tags
        values['locations'] = locations
        return values

    def _expand(self, session, rows):
        """Dicts of rows with their properties, tags and locations."""
        ids = [row.id for row in rows]
        props = {i: {} for i in ids}
        tags = {i: [] for i in ids}
        locations = {i: [] for i in ids}
        if ids:
            for image_id, name, value in session.execute(sa.select(
                    models.ImageProperty.image_id, models.ImageProperty.name,
                    models.ImageProperty.value).where(
                    models.ImageProperty.image_id.in_(ids))):
                props[image_id][name] = value
            for image_id, value in session.execute(sa.select(
                    models.ImageTag.image_id, models.ImageTag.value).where(
                    models.ImageTag.image_id.in_(ids)).order_by(
                    models.ImageTag.id)):
                tags[image_id].append(value)
            for loc in session.execute(sa.select(models.ImageLocation).where(
                    models.ImageLocation.image_id.in_(ids)).order_by(
                    models.ImageLocation.position)).scalars():
                locations[loc.image_id].append({
                    'url': loc.url, 'status': loc.status,
                    'metadata': utils.loads(loc.meta_data, default={})})
        return [self._image_dict(row, props[row.id], tags[row.id],
                                 locations[row.id]) for row in rows]

    def _image_row(self, session, image_id, ctxt=None, for_update=False):
        query = sa.select(models.Image).where(
            models.Image.id == image_id, models.Image.deleted.is_(False))
        if ctxt is not None and not ctxt.is_admin:
            query = query.where(_visible_clause(ctxt, member_status='all'))
        if for_update:
            query = query.with_for_update()
        row = session.execute(query).scalar_one_or_none()
        if row is None:
            raise exception.ImageNotFound(image_id=image_id)
        return row

    def image_get(self, image_id, ctxt=None):
        """One image; NotFound when missing, deleted or hidden from ctxt.

        Any member of a shared image may see it, whatever their status.
        """
        with self.session() as session:
            return self._expand(session, [self._image_row(
                session, image_id, ctxt)])[0]

    def image_get_all(self, ctxt, filters=None, marker=None, limit=None,
                      sort_keys=None, sort_dirs=None,
                      member_status='accepted'):
        """A page of the images ctxt may see, in Glance's order."""
        filters = dict(filters or {})
        sort_keys = list(sort_keys or ['created_at'])
        sort_dirs = list(sort_dirs or ['desc'])
        if len(sort_dirs) == 1 and len(sort_keys) > 1:
            sort_dirs = sort_dirs * len(sort_keys)
        if len(sort_dirs) != len(sort_keys):
            raise exception.Invalid('Number of sort dirs does not match the '
                                    'number of sort keys')
        if len(sort_keys) > len(SORT_KEYS):
            raise exception.Invalid('At most %d sort keys.' % len(SORT_KEYS))
        if limit is not None and not (isinstance(limit, int)
                                      and 0 <= limit <= MAX_LIMIT):
            raise exception.Invalid('limit must be an integer between 0 '
                                    'and %d' % MAX_LIMIT)
        for key in sort_keys:
            if key not in SORT_KEYS:
                raise exception.Invalid('Invalid sort key: %s' % key)
        for direction in sort_dirs:
            if direction not in ('asc', 'desc'):
                raise exception.Invalid('Invalid sort direction: %s'
                                        % direction)
        for key in ('created_at', 'id'):
            if key not in sort_keys:
                sort_keys.append(key)
                sort_dirs.append(sort_dirs[0])
        query = sa.select(models.Image).where(
            models.Image.deleted.is_(False))
        if not ctxt.is_admin:
            query = query.where(_visible_clause(ctxt, member_status))
        visibility = filters.pop('visibility', None)
        project_id = getattr(ctxt, 'project_id', None)
        if visibility is not None:
            visibility = _text_filter('visibility', visibility)
            if visibility != 'all':
                query = query.where(models.Image.visibility == visibility)
        elif project_id is None:
            query = query.where(models.Image.visibility != 'community')
        else:
            # Community images are listed only when asked for, or owned.
            query = query.where(sa.or_(
                models.Image.visibility != 'community',
                models.Image.owner == project_id))
        query = query.where(*self._filter_conditions(filters))
        order = []
        for key, direction in zip(sort_keys, sort_dirs):
            column = _sort_column(key)
            order.append(column.asc() if direction == 'asc'
                         else column.desc())
        with self.session() as session:
            if marker is not None:
                try:
                    marker_row = self._image_row(session, marker, ctxt)
                except exception.ImageNotFound:
                    raise exception.MarkerNotFound(marker=marker)
                query = query.where(_after_marker(marker_row, sort_keys,
                                                  sort_dirs))
            query = query.order_by(*order)
            if limit is not None:
                query = query.limit(limit)
            rows = session.execute(query).scalars().all()
            return self._expand(session, rows)

    def _filter_conditions(self, filters):
        conditions = []
        tags = filters.pop('tags', None) or []
        if isinstance(tags, str):
            tags = [tags]
        if not isinstance(tags, list) or len(tags) > MAX_TAG_FILTERS:
            raise exception.Invalid('At most %d tag filters.'
                                    % MAX_TAG_FILTERS)
        tags = [_text_filter('tag', tag) for tag in tags]
        for tag in tags:
            conditions.append(sa.select(models.ImageTag.id).where(
                models.ImageTag.image_id == models.Image.id,
                models.ImageTag.value == tag).exists())
        for key in _BOOL_FILTERS:
            if key in filters:
                conditions.append(getattr(models.Image, key).is_(
                    bool(filters.pop(key))))
        for key in ('size_min', 'size_max'):
            if key in filters:
                value = _int_filter(key, filters.pop(key),
                                    'Unable to filter on a range with a '
                                    'non-numeric value.')
                conditions.append(models.Image.size >= value
                                  if key == 'size_min'
                                  else models.Image.size <= value)
        for key in _INT_FILTERS:
            # Glance filters these columns by exact (numeric) value.
            if key in filters:
                value = _int_filter(key, filters.pop(key),
                                    'Invalid value for %s.' % key)
                conditions.append(getattr(models.Image, key) == value)
        for key in _IN_FILTERS:
            if key not in filters:
                continue
            op, value = split_filter_op(_text_filter(key, filters.pop(key)))
            column = getattr(models.Image, key)
            if op == 'in':
                conditions.append(column.in_(split_filter_values(value)))
            elif op == 'eq':
                conditions.append(column == value)
            else:
                raise exception.Invalid(
                    "Unable to filter by unknown operator '%s'." % op)
        for key in _EXACT_FILTERS:
            if key in filters:
                conditions.append(getattr(models.Image, key)
                                  == _text_filter(key, filters.pop(key)))
        if len(filters) > MAX_PROPERTY_FILTERS:
            raise exception.Invalid('At most %d property filters.'
                                    % MAX_PROPERTY_FILTERS)
        for key, value in filters.items():
            conditions.append(sa.select(models.ImageProperty.id).where(
                models.ImageProperty.image_id == models.Image.id,
                models.ImageProperty.name == key,
                models.ImageProperty.value == _text_filter(key,
                                                           value)).exists())
        return conditions

    # -- writing -----------------------------------------------------------

    def image_create(self, values, properties=None, tags=None,
                     locations=None):
        values = {k: v for k, v in values.items() if k in IMAGE_FIELDS}
        values.setdefault('id', str(uuidlib.uuid4()))
        values.setdefault('status', 'queued')
        values.setdefault('visibility', 'shared')
        for key in ('min_disk', 'min_ram'):
            if values.get(key) is None:
                values[key] = 0
        for key in ('protected', 'os_hidden'):
            values[key] = bool(values.get(key) or False)
        now = _now()
        values['created_at'] = values['updated_at'] = now
        with self.session() as session:
            if session.get(models.Image, values['id']) is not None:
                raise exception.Conflict(
                    'Image with identifier %s already exists!'
                    % values['id'])
            row = models.Image(**values)
            session.add(row)
            try:
                session.flush()
            except sa.exc.IntegrityError:
                raise exception.Conflict(
                    'Image with identifier %s already exists!'
                    % values['id'])
            for name, value in (properties or {}).items():
                session.add(models.ImageProperty(
                    image_id=row.id, name=name, value=value))
            for tag in dict.fromkeys(tags or []):
                session.add(models.ImageTag(image_id=row.id, value=tag,
                                            created_at=now))
            self._set_locations(session, row.id, locations or [], now)
            session.flush()
            return self._expand(session, [row])[0]

    @staticmethod
    def _set_locations(session, image_id, locations, now):
        session.execute(sa.delete(models.ImageLocation).where(
            models.ImageLocation.image_id == image_id))
        for position, loc in enumerate(locations):
            session.add(models.ImageLocation(
                image_id=image_id, position=position, url=loc['url'],
                meta_data=utils.dumps(loc.get('metadata') or {}),
                status=loc.get('status') or 'active', created_at=now,
                updated_at=now))

    def image_update(self, image_id, values=None, properties=None,
                     remove_properties=None, locations=None,
                     expect_status=None):
        """Change an image in one transaction.

        ``properties`` are set (added or replaced), ``remove_properties``
        dropped, ``locations`` (when given) replace the list. With
        ``expect_status`` the change applies only if the image is in that
        status (or one of them), else Conflict: uploads use it to claim
        an image.
        """
        values = {k: v for k, v in (values or {}).items()
                  if k in IMAGE_FIELDS and k != 'id'}
        now = _now()
        with self.session() as session:
            row = self._image_row(session, image_id, for_update=True)
            if expect_status is not None:
                wanted = ([expect_status] if isinstance(expect_status, str)
                          else list(expect_status))
                if row.status not in wanted:
                    raise exception.Conflict(
                        'Image %s is %s, not %s' % (
                            image_id, row.status, ' or '.join(wanted)))
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
            for name in remove_properties or []:
                session.execute(sa.delete(models.ImageProperty).where(
                    models.ImageProperty.image_id == image_id,
                    models.ImageProperty.name == name))
            for name, value in (properties or {}).items():
                prop = session.execute(sa.select(models.ImageProperty).where(
                    models.ImageProperty.image_id == image_id,
                    models.ImageProperty.name == name)).scalar_one_or_none()
                if prop is None:
                    session.add(models.ImageProperty(
                        image_id=image_id, name=name, value=value))
                else:
                    prop.value = value
            if locations is not None:
                self._set_locations(session, image_id, locations, now)
            session.flush()
            return self._expand(session, [row])[0]

    def image_destroy(self, image_id):
        """Soft-delete: the row stays so the id is never handed out again.
        Returns the image as it was (with its locations, to purge data)."""
        with self.session() as session:
            row = self._image_row(session, image_id, for_update=True)
            image = self._expand(session, [row])[0]
            row.deleted = True
            row.status = 'deleted'
            row.deleted_at = row.updated_at = _now()
            session.execute(sa.delete(models.ImageLocation).where(
                models.ImageLocation.image_id == image_id))
            return image

    def image_tag_add(self, image_id, tag):
        with self.session() as session:
            row = self._image_row(session, image_id, for_update=True)
            exists = session.execute(sa.select(models.ImageTag.id).where(
                models.ImageTag.image_id == image_id,
                models.ImageTag.value == tag)).first()
            if not exists:
                session.add(models.ImageTag(image_id=image_id, value=tag,
                                            created_at=_now()))
                row.updated_at = _now()

    def image_tag_delete(self, image_id, tag):
        with self.session() as session:
            row = self._image_row(session, image_id, for_update=True)
            result = session.execute(sa.delete(models.ImageTag).where(
                models.ImageTag.image_id == image_id,
                models.ImageTag.value == tag))
            if not result.rowcount:
                raise exception.NotFound('Tag %s not found' % tag)
            row.updated_at = _now()

    # -- members -----------------------------------------------------------

    @staticmethod
    def _member_dict(row):
        return {'image_id': row.image_id, 'member_id': row.member,
                'status': row.status,
                'created_at': utils.isotime(row.created_at),
                'updated_at': utils.isotime(row.updated_at)}

    def _member_row(self, session, image_id, member):
        row = session.execute(sa.select(models.ImageMember).where(
            models.ImageMember.image_id == image_id,
            models.ImageMember.member == member)).scalar_one_or_none()
        if row is None:
            raise exception.NotFound(
                'Member %s not found in image %s' % (member, image_id))
        return row

    def member_create(self, image_id, member):
        with self.session() as session:
            self._image_row(session, image_id, for_update=True)
            if session.execute(sa.select(models.ImageMember.id).where(
                    models.ImageMember.image_id == image_id,
                    models.ImageMember.member == member)).first():
                raise exception.Conflict(
                    'Member %s already associated with image %s'
                    % (member, image_id))
            now = _now()
            row = models.ImageMember(image_id=image_id, member=member,
                                     status='pending', created_at=now,
                                     updated_at=now)
            session.add(row)
            session.flush()
            return self._member_dict(row)

    def member_get(self, image_id, member):
        with self.session() as session:
            self._image_row(session, image_id)
            return self._member_dict(self._member_row(session, image_id,
                                                      member))

    def member_get_all(self, image_id):
        with self.session() as session:
            self._image_row(session, image_id)
            rows = session.execute(sa.select(models.ImageMember).where(
                models.ImageMember.image_id == image_id).order_by(
                models.ImageMember.id)).scalars().all()
            return [self._member_dict(row) for row in rows]

    def member_update(self, image_id, member, status):
        if status not in MEMBER_STATUSES:
            raise exception.Invalid('Invalid status: %s' % status)
        with self.session() as session:
            self._image_row(session, image_id)
            row = self._member_row(session, image_id, member)
            row.status = status
            row.updated_at = _now()
            session.flush()
            return self._member_dict(row)

    def member_delete(self, image_id, member):
        with self.session() as session:
            self._image_row(session, image_id)
            session.delete(self._member_row(session, image_id, member))


def get_database(connection=None):
    """The image DB of [image_database] (or ``connection``)."""
    connection = connection or CONF.image_database.connection
    if not connection:
        raise exception.NubeException('[image_database] connection is not '
                                      'set')
    return ImageDatabase(connection, **base.engine_opts(CONF.image_database))
