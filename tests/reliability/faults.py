"""Fault injection: servers that misbehave the way real ones do in an outage."""

import contextlib
import socket
import threading


@contextlib.contextmanager
def frozen_server():
    """A TCP port that completes the handshake and then never says a word: a frozen
    Redis or a hung mail server. Yields the port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)  # the kernel accepts connections; nobody ever reads or answers
    accepted = []
    stop = threading.Event()

    def hold():  # accept too, so connections are not just queued, and keep them open
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


def closed_port() -> int:
    """A port where nothing listens: connection refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's Celery app at another broker for the block.

    The app caches its connection and producer pools for the whole session, so
    they are dropped on the way in and out.
    """
    from iuc_portal.celery import app
    from iuc_portal.publish import forget_broker_failures

    def reset_pools():
        if app._pool is not None:
            with contextlib.suppress(Exception):
                app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    eager = app.conf.task_always_eager
    reset_pools()
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    forget_broker_failures()
    try:
        yield app
    finally:
        reset_pools()
        app.conf.broker_url = previous
        app.conf.task_always_eager = eager
        forget_broker_failures()
