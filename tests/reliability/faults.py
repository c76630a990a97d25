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
    its references are dropped on the way in and out. The pools themselves live in
    kombu's registry, one per broker URL, and stay open: the session's pool is
    found again on the way out.
    """
    from iuc_portal.celery import app
    from iuc_portal.publish import forget_broker_failures

    def reset_pools():
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


class SmtpSink:
    """A local SMTP server (aiosmtpd, in a thread) that accepts, or answers every
    recipient with `rcpt_reply` (e.g. "450 mailbox busy", "550 no such user")."""

    def __init__(self):
        self.messages = []
        self.connections = 0
        self.rcpt_reply = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_sink(port: int | None = None):
    """Run a SmtpSink; yields (sink, port)."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = port or closed_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def use_smtp(settings, port: int, timeout: float = 2) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = timeout
