"""The SQLite engines nube builds itself behave like oslo.db's."""

import uuid

from oslo_db import exception as db_exc
import pytest



def test_duplicate_is_translated_like_oslo_db(cell_db):
    values = {'uuid': str(uuid.uuid4()), 'project_id': 'p',
              'vm_state': 'error'}
    cell_db.instance_create(values)
    with pytest.raises(db_exc.DBDuplicateEntry):
        cell_db.instance_create(values)


def test_one_connection_wal_and_foreign_keys(cell_db):
    with cell_db.session() as session:
        first = session.connection().connection.dbapi_connection
        mode = session.connection().exec_driver_sql(
            'PRAGMA journal_mode').scalar()
        fks = session.connection().exec_driver_sql(
            'PRAGMA foreign_keys').scalar()
    with cell_db.session() as session:
        again = session.connection().connection.dbapi_connection
    assert first is again
    assert mode == 'wal'
    assert fks == 1


def test_savepoint_rolls_back_only_inner_work(cell_db):
    from nube.db.cell import models
    with cell_db.session() as session:
        session.add(models.FixedIp(ordinal=2, address='10.0.0.2',
                                   mac='m', instance_uuid='a'))
        session.flush()
        with pytest.raises(db_exc.DBDuplicateEntry):
            with session.begin_nested():
                session.add(models.FixedIp(ordinal=2, address='10.0.0.2',
                                           mac='m', instance_uuid='b'))
                session.flush()
    rows = cell_db.instance_get_all()  # the outer transaction committed
    assert rows == []
    with cell_db.session() as session:
        count = session.query(models.FixedIp).count()
    assert count == 1
