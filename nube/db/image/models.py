"""Image database (the registry's): images, properties, tags, members,
locations. Rows are soft-deleted so an image id is never reused."""

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import orm
from nube.db.base import TimestampMixin


class Base(orm.DeclarativeBase):
    """Models of the image database."""


class Image(TimestampMixin, Base):
    __tablename__ = 'images'
    __table_args__ = (
        Index('images_owner_idx', 'owner'),
        Index('images_visibility_idx', 'visibility'),
        Index('images_status_idx', 'status'),
        Index('images_created_at_idx', 'created_at'),
        Index('images_name_idx', 'name'),
        Index('images_checksum_idx', 'checksum'),
    )
    id = Column(String(36), primary_key=True)
    name = Column(String(255))
    disk_format = Column(String(20))
    container_format = Column(String(20))
    size = Column(BigInteger)
    virtual_size = Column(BigInteger)
    status = Column(String(30), nullable=False)
    visibility = Column(String(20), nullable=False, default='shared')
    checksum = Column(String(32))
    os_hash_algo = Column(String(64))
    os_hash_value = Column(String(128))
    min_disk = Column(Integer, nullable=False, default=0)
    min_ram = Column(Integer, nullable=False, default=0)
    owner = Column(String(255))
    protected = Column(Boolean, nullable=False, default=False)
    os_hidden = Column(Boolean, nullable=False, default=False)
    deleted = Column(Boolean, nullable=False, default=False)
    deleted_at = Column(DateTime)


class ImageProperty(Base):
    __tablename__ = 'image_properties'
    __table_args__ = (
        UniqueConstraint('image_id', 'name',
                         name='uniq_image_properties0image_id0name'),
        Index('image_properties_name_idx', 'name'),
    )
    id = Column(Integer, primary_key=True, autoincrement=True)
    image_id = Column(String(36), ForeignKey('images.id'), nullable=False)
    name = Column(String(255), nullable=False)
    value = Column(Text)


class ImageTag(Base):
    __tablename__ = 'image_tags'
    __table_args__ = (
        UniqueConstraint('image_id', 'value',
                         name='uniq_image_tags0image_id0value'),
        Index('image_tags_value_idx', 'value'),
    )
    id = Column(Integer, primary_key=True, autoincrement=True)
    image_id = Column(String(36), ForeignKey('images.id'), nullable=False)
    value = Column(String(255), nullable=False)
    created_at = Column(DateTime)


class ImageMember(TimestampMixin, Base):
    __tablename__ = 'image_members'
    __table_args__ = (
        UniqueConstraint('image_id', 'member',
                         name='uniq_image_members0image_id0member'),
        Index('image_members_member_idx', 'member'),
    )
    id = Column(Integer, primary_key=True, autoincrement=True)
    image_id = Column(String(36), ForeignKey('images.id'), nullable=False)
    member = Column(String(255), nullable=False)
    status = Column(String(20), nullable=False, default='pending')


class ImageLocation(TimestampMixin, Base):
    __tablename__ = 'image_locations'
    __table_args__ = (
        Index('image_locations_image_id_idx', 'image_id'),
    )
    id = Column(Integer, primary_key=True, autoincrement=True)
    image_id = Column(String(36), ForeignKey('images.id'), nullable=False)
    position = Column(Integer, nullable=False, default=0)
    url = Column(Text, nullable=False)
    meta_data = Column(Text)
    status = Column(String(30), nullable=False, default='active')
