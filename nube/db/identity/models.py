"""Identity database: domains, projects, users, roles, assignments, the
service catalog and token revocation events."""

from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy import orm
from nube.db.base import TimestampMixin


class Base(orm.DeclarativeBase):
    """Models of the identity database."""


# Revocation compares token issue times to the microsecond; MySQL's
# DATETIME keeps whole seconds unless asked for more.
PreciseDateTime = DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


class Domain(TimestampMixin, Base):
    __tablename__ = 'domains'
    __table_args__ = (UniqueConstraint('name', name='uniq_domains0name'),)
    id = Column(String(64), primary_key=True)
    name = Column(String(255), nullable=False)
    description = Column(Text)
    enabled = Column(Boolean, nullable=False, default=True)


class Project(TimestampMixin, Base):
    __tablename__ = 'projects'
    __table_args__ = (
        UniqueConstraint('domain_id', 'name',
                         name='uniq_projects0domain_id0name'),)
    id = Column(String(64), primary_key=True)
    name = Column(String(255), nullable=False)
    domain_id = Column(String(64), ForeignKey('domains.id'),
                       nullable=False)
    description = Column(Text)
    enabled = Column(Boolean, nullable=False, default=True)


class User(TimestampMixin, Base):
    __tablename__ = 'users'
    __table_args__ = (
        UniqueConstraint('domain_id', 'name',
                         name='uniq_users0domain_id0name'),)
    id = Column(String(64), primary_key=True)
    name = Column(String(255), nullable=False)
    domain_id = Column(String(64), ForeignKey('domains.id'),
                       nullable=False)
    enabled = Column(Boolean, nullable=False, default=True)
    # 'scrypt$<log2 N>$<r>$<p>$<salt>$<hash>' (see nube.identity.password)
    password_hash = Column(Text)
    password_created_at = Column(DateTime)
    default_project_id = Column(String(64))
    description = Column(Text)
    # Other attributes clients set (email, ...), as a JSON object.
    extra = Column(Text)


class Role(TimestampMixin, Base):
    __tablename__ = 'roles'
    __table_args__ = (UniqueConstraint('name', name='uniq_roles0name'),)
    id = Column(String(64), primary_key=True)
    name = Column(String(255), nullable=False)
    description = Column(Text)


class Assignment(Base):
    """A role a user holds on a project (nothing else is assignable)."""
    __tablename__ = 'assignments'
    __table_args__ = (Index('assignments_project_idx', 'project_id'),
                      Index('assignments_role_idx', 'role_id'))
    user_id = Column(String(64), ForeignKey('users.id', ondelete='CASCADE'),
                     primary_key=True)
    project_id = Column(String(64),
                        ForeignKey('projects.id', ondelete='CASCADE'),
                        primary_key=True)
    role_id = Column(String(64), ForeignKey('roles.id', ondelete='CASCADE'),
                     primary_key=True)


class Region(TimestampMixin, Base):
    __tablename__ = 'regions'
    id = Column(String(255), primary_key=True)
    description = Column(Text)
    parent_region_id = Column(String(255))


class Service(TimestampMixin, Base):
    __tablename__ = 'services'
    __table_args__ = (Index('services_type_idx', 'type'),)
    id = Column(String(64), primary_key=True)
    type = Column(String(255), nullable=False)
    name = Column(String(255))
    description = Column(Text)
    enabled = Column(Boolean, nullable=False, default=True)


class Endpoint(TimestampMixin, Base):
    __tablename__ = 'endpoints'
    __table_args__ = (Index('endpoints_service_idx', 'service_id'),)
    id = Column(String(64), primary_key=True)
    service_id = Column(String(64),
                        ForeignKey('services.id', ondelete='CASCADE'),
                        nullable=False)
    interface = Column(String(8), nullable=False)
    region_id = Column(String(255), ForeignKey('regions.id'))
    url = Column(Text, nullable=False)
    enabled = Column(Boolean, nullable=False, default=True)


class RevocationEvent(Base):
    """Tokens matching every non-null field and issued at or before
    ``issued_before`` are revoked."""
    __tablename__ = 'revocation_events'
    __table_args__ = (Index('revocation_events_issued_idx',
                            'issued_before'),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    audit_id = Column(String(32))
    user_id = Column(String(64))
    project_id = Column(String(64))
    issued_before = Column(PreciseDateTime, nullable=False)
    revoked_at = Column(PreciseDateTime, nullable=False)
