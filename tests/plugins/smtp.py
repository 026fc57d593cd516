"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives.

``smtp_server`` runs one for a test and points Django's email settings at it (mail sent
by the test process); ``tests.plugins.processes`` runs one for the test Celery worker.
"""

import email
import email.policy
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: parsed messages (``email.message.EmailMessage``) in arrival order.

    ``peers`` holds, per message, the client's (host, port): one per SMTP connection.
    """

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.peers: list[tuple] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.peers.append(tuple(session.peer))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.peers.clear()

    def to(self, address: str) -> list:
        """Messages with ``address`` in their To header."""
        with self._lock:
            return [m for m in self.messages if address in (m["To"] or "")]

    def wait_for(self, count: int, timeout: float = 30.0) -> list:
        """All messages, once there are at least ``count``."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} message(s), got {len(self.messages)} within {timeout}s")
            time.sleep(0.1)
        with self._lock:
            return list(self.messages)

    def wait_for_to(self, address: str, count: int, timeout: float = 30.0, settle: float = 0.3) -> list:
        """The messages to ``address`` once there are ``count`` (plus any arriving within ``settle`` s)."""
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s) to {address}, got {len(self.to(address))} within {timeout}s"
                )
            time.sleep(0.1)
        time.sleep(settle)  # a duplicate sent right behind shows up too
        return self.to(address)


class SmtpServer:
    """An SMTP server on a free loopback port; ``stop()`` and ``start()`` again keep the port."""

    def __init__(self, mailbox: Mailbox | None = None):
        self.port = free_port()
        self.mailbox = mailbox or Mailbox()
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server; Django's email settings point at it for the test."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()
