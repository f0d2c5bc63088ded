"""SMTP test servers: aiosmtpd on 127.0.0.1 with trustme certificates."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from smtp_helpers import HOST, Recorder

from clink_smtp.outbox import free_port


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(ca, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _server_ctx(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(ctx)
    return ctx


@pytest.fixture(scope="session")
def server_ctx(ca) -> ssl.SSLContext:
    """A certificate for 127.0.0.1 and localhost, signed by the test CA."""
    return _server_ctx(ca, HOST, "localhost")


@pytest.fixture(scope="session")
def untrusted_ctx() -> ssl.SSLContext:
    """A certificate for 127.0.0.1 signed by a CA the client does not know."""
    return _server_ctx(trustme.CA(), HOST, "localhost")


@pytest.fixture(scope="session")
def wrong_name_ctx(ca) -> ssl.SSLContext:
    """A certificate from the trusted CA, but for another host name."""
    return _server_ctx(ca, "mail.example.com")


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Recorder, int]]]:
    """Start an aiosmtpd server: ``start(**smtp_kwargs) -> (recorder, port)``.

    ``ssl_context`` gives implicit TLS; ``tls_context`` offers STARTTLS. Every
    server started is stopped when the test ends.
    """
    controllers: list[Controller] = []

    def start(ssl_context: ssl.SSLContext | None = None, **kwargs: Any) -> tuple[Recorder, int]:
        recorder = Recorder()
        port = free_port(HOST)
        controller = Controller(
            recorder, hostname=HOST, port=port, ssl_context=ssl_context,
            ready_timeout=10, **kwargs,
        )
        controller.start()
        controllers.append(controller)
        return recorder, port

    yield start
    for controller in controllers:
        controller.stop()
