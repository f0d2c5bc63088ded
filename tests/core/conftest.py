"""tests/core runs twice: over WSGI, and with ``CLINK_TEST_CLIENT=asgi`` over ``app.asgi``.

In the ASGI run every ``clink_core.testing.Client`` drives ``app.asgi`` through
httpx's ASGI transport and every ``LiveServer`` without dev-server ``limits``
serves it under uvicorn (``nox -s tests`` and ``nox -s core`` do both runs).
Tests that build WSGI environs themselves or use werkzeug's client run over WSGI
in both runs (docs/asgi.md lists them). The few below test what only the
WSGI development server does, so the ASGI run skips them, saying why.
"""

from __future__ import annotations

import os

import pytest

from clink_core.testing import CLIENT_ENV

#: node id prefix -> why it does not apply under uvicorn.
WSGI_SERVER_ONLY = {
    "tests/core/test_bad_input_socket.py::test_invalid_content_length_is_400":
        "uvicorn's HTTP parser answers a malformed Content-Length itself (plain-text 400) "
        "before any app runs",
    "tests/core/test_bad_input_socket.py::test_body_shorter_than_content_length_is_400":
        "under ASGI a body cut short is the client leaving (http.disconnect): nobody to answer",
    "tests/core/test_devserver.py::test_live_server_uses_the_dev_server":
        "it tests the WSGI development server itself",
}


def asgi_run() -> bool:
    return os.environ.get(CLIENT_ENV, "").strip().lower() == "asgi"


def pytest_report_header(config: pytest.Config) -> str:
    return f"clink test client: {'asgi (app.asgi, uvicorn)' if asgi_run() else 'wsgi'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not asgi_run():
        return
    for item in items:
        for prefix, reason in WSGI_SERVER_ONLY.items():
            if item.nodeid.startswith(prefix):
                item.add_marker(pytest.mark.skip(reason=f"WSGI server only: {reason}"))
