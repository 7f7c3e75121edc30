"""In-process oslo.messaging driver (``inproc://``): listeners wake at once.

oslo.messaging's ``fake://`` driver polls its queues every 50 ms, so each RPC
call in an all-in-one process costs ~50 ms. This driver keeps the fake
driver's queues but gives every listener an event that a delivery to one of
its queues sets, so a message is picked up as soon as it is sent.
"""

import threading
import time

from oslo_messaging._drivers import impl_fake


class _Exchange(impl_fake.FakeExchange):
    def __init__(self, name):
        super().__init__(name)
        self._waiters = {}

    def add_waiter(self, topic, server, event):
        with self._queues_lock:
            self._waiters.setdefault((topic, server), set()).add(event)

    def remove_waiter(self, topic, server, event):
        with self._queues_lock:
            self._waiters.get((topic, server), set()).discard(event)

    def deliver_message(self, topic, ctxt, message, server=None,
                        fanout=False, reply_q=None):
        super().deliver_message(topic, ctxt, message, server=server,
                                fanout=fanout, reply_q=reply_q)
        with self._queues_lock:
            if fanout:
                waiters = [e for (t, _s), events in self._waiters.items()
                           if t == topic for e in events]
            else:
                waiters = list(self._waiters.get((topic, server), ()))
        for event in waiters:
            event.set()


class _ExchangeManager(impl_fake.FakeExchangeManager):
    _exchanges_lock = threading.Lock()
    _exchanges = {}

    def get_exchange(self, name):
        if name is None:
            name = self._default_exchange
        # Every poll asks: no new exchange (and its locks) per call.
        exchange = self._exchanges.get(name)
        if exchange is not None:
            return exchange
        with self._exchanges_lock:
            return self._exchanges.setdefault(name, _Exchange(name))


class _Listener(impl_fake.FakeListener):
    def __init__(self, exchange_manager, targets, pool=None):
        super().__init__(exchange_manager, targets, pool)
        self._wakeup = threading.Event()
        for target in self._targets:
            exchange = self._exchange_manager.get_exchange(target.exchange)
            exchange.add_waiter(target.topic, target.server, self._wakeup)

    def poll(self, timeout=None, batch_size=1, batch_timeout=None):
        # PollStyleListenerAdapter calls poll(timeout=..., batch_size=...,
        # batch_timeout=...); one message at a time is enough here.
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._stopped.is_set():
            self._wakeup.clear()
            for target in self._targets:
                exchange = self._exchange_manager.get_exchange(
                    target.exchange)
                ctxt, message, reply_q, requeue = exchange.poll(
                    target, self._pool)
                if message is not None:
                    return [impl_fake.FakeIncomingMessage(
                        ctxt, message, reply_q, requeue)]
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                break
            self._wakeup.wait(wait if wait is not None else 1.0)
        return []

    def stop(self):
        super().stop()
        self._wakeup.set()
        for target in self._targets:
            exchange = self._exchange_manager.get_exchange(target.exchange)
            exchange.remove_waiter(target.topic, target.server, self._wakeup)


class LocalDriver(impl_fake.FakeDriver):
    """The fake driver with event-driven listeners; one process only."""

    def __init__(self, conf, url, default_exchange=None,
                 allowed_remote_exmods=None):
        super().__init__(conf, url, default_exchange, allowed_remote_exmods)
        self._exchange_manager = _ExchangeManager(default_exchange)

    @staticmethod
    def _check_serialize(message):
        """Messages stay in the process; skip the JSON round trip check."""

    def listen(self, target, batch_size, batch_timeout):
        import oslo_messaging
        from oslo_messaging._drivers import base
        exchange = target.exchange or self._default_exchange
        listener = _Listener(self._exchange_manager, [
            oslo_messaging.Target(topic=target.topic, server=target.server,
                                  exchange=exchange),
            oslo_messaging.Target(topic=target.topic, exchange=exchange)])
        return base.PollStyleListenerAdapter(listener, batch_size,
                                             batch_timeout)
