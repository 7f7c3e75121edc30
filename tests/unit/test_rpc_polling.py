"""nube.rpc starts oslo.messaging's idle-poll ladder later (see
IDLE_POLL_FIRST_TIMEOUT); these fail loudly if an oslo.messaging upgrade
moves what it tunes."""

from oslo_messaging._drivers import amqpdriver

from nube import rpc


def test_listener_polling_is_tuned_on_import():
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN == \
        rpc.IDLE_POLL_FIRST_TIMEOUT
    # The ceiling, and so how long a quiet listener sleeps, is unchanged.
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MAX == 5.0
    assert rpc._tune_listener_polling() is True


def test_rpc_messages_are_acknowledged_on_receipt():
    """Why the ladder can start later: an RPC message's acknowledge() is
    a no-op for the listener, the consumer acked it on receipt; only
    notifications (nube consumes none) queue acks for the poll loop."""
    assert amqpdriver.AMQPIncomingMessage.acknowledge.__code__.co_code == (
        (lambda self: None).__code__.co_code)
