"""oslo.messaging plumbing: transports (one per URL, so one per cell), clients,
servers, and the serializer that carries the request context."""

import threading

import oslo_messaging as messaging
from oslo_serialization import jsonutils

from nube import context as nube_context
import nube.conf

CONF = nube.conf.CONF

ALLOWED_EXMODS = ['nube.exception', 'nube.network.exceptions']

_transports = {}

# oslo.messaging's RabbitMQ listeners and reply waiters poll with a timeout
# that starts at 1 ms after every message and doubles up to 5 s, so that
# acknowledgements queued by other threads go out soon. An RPC message is
# acknowledged as it is received (nube consumes no notifications), so for
# nube that ladder is a dozen timed-out socket reads per message on every
# quiet queue: with many hosts per process (fake hosts) a sixth of a
# compute's CPU. Starting the ladder at 0.25 s keeps the 5 s ceiling and
# drops two thirds of the wake-ups.
IDLE_POLL_FIRST_TIMEOUT = 0.25


def _tune_listener_polling():
    from oslo_messaging._drivers import amqpdriver
    if getattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MIN', None) is None:
        return False
    amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN = max(
        amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN, IDLE_POLL_FIRST_TIMEOUT)
    return True


_tune_listener_polling()
_lock = threading.Lock()


def get_transport(url=None):
    """The RPC transport for ``url`` (None: this process's own), cached."""
    key = url or ''
    with _lock:
        transport = _transports.get(key)
        if transport is None:
            transport = messaging.get_rpc_transport(
                CONF, url=url or None, allowed_remote_exmods=ALLOWED_EXMODS)
            _transports[key] = transport
        return transport


def cleanup():
    with _lock:
        for transport in _transports.values():
            transport.cleanup()
        _transports.clear()


_PLAIN = frozenset((str, int, float, bool, type(None)))


def to_primitive(value):
    """jsonutils.to_primitive(value, convert_instances=True), faster.

    RPC arguments are mostly plain dicts, lists and scalars (instance
    dicts of ~50 keys): those are walked here and copied - inproc://
    messages must not share containers with the sender - and anything
    else goes to jsonutils, with the same result as before.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {(k if type(k) is str else to_primitive(k)): to_primitive(v)
                for k, v in value.items()}
    if kind is list or kind is tuple:
        return [to_primitive(v) for v in value]
    return jsonutils.to_primitive(value, convert_instances=True)


class RequestContextSerializer(messaging.Serializer):
    def serialize_entity(self, ctxt, entity):
        return to_primitive(entity)

    def deserialize_entity(self, ctxt, entity):
        return entity

    def serialize_context(self, ctxt):
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        return nube_context.RequestContext.from_dict(ctxt)


def get_client(topic, version, server=None, transport_url=None, timeout=None):
    target = messaging.Target(topic=topic, version=version, server=server)
    return messaging.get_rpc_client(
        get_transport(transport_url), target, version_cap=None,
        serializer=RequestContextSerializer(), timeout=timeout)


def get_server(topic, server, endpoints, transport_url=None):
    target = messaging.Target(topic=topic, server=server)
    return messaging.get_rpc_server(
        get_transport(transport_url), target, endpoints,
        serializer=RequestContextSerializer())
