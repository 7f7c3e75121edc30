"""nube.rpc.to_primitive: jsonutils' answers, copied containers."""

import datetime
import uuid

from oslo_serialization import jsonutils

from nube import rpc
from nube import rpc_local


class _Obj:
    def __init__(self):
        self.a = 1
        self.when = datetime.datetime(2026, 1, 2, 3, 4, 5)


def test_same_answers_as_jsonutils():
    values = [
        None, True, 0, 1.5, 'text', b'bytes',
        {'uuid': 'x', 'flavor': {'vcpus': 1, 'extra_specs': {}},
         'tags': ['a', 'b'], 'nested': [{'k': (1, 2)}], 3: 'int key'},
        ('tuple', {'set': {1}}),
        datetime.datetime(2026, 11, 21, 12, 0, 1),
        uuid.UUID('70a599e0-31e7-49b7-b260-868f441e862b'),
        {'obj': _Obj(), 'exc': ValueError('boom')},
    ]
    for value in values:
        assert rpc.to_primitive(value) == jsonutils.to_primitive(
            value, convert_instances=True), value


def test_containers_are_copies():
    inner = {'k': [1, 2]}
    value = {'outer': inner}
    result = rpc.to_primitive(value)
    assert result == value
    assert result is not value and result['outer'] is not inner
    assert result['outer']['k'] is not inner['k']


def test_serializer_uses_it():
    serializer = rpc.RequestContextSerializer()
    when = datetime.datetime(2026, 1, 1)
    assert serializer.serialize_entity(None, {'t': when}) == {
        't': jsonutils.to_primitive(when)}


def test_local_exchanges_are_reused():
    manager = rpc_local._ExchangeManager('nube-test')
    first = manager.get_exchange('nube-test-x')
    assert manager.get_exchange('nube-test-x') is first
    assert manager.get_exchange(None) is manager.get_exchange('nube-test')
