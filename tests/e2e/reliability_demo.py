"""The demo app (``examples/book_api/app.py``) in this process, for the reliability tests.

``demo_env(monkeypatch, tmp_path)`` sets the ``CLINK_*`` variables ``create_app`` reads
(development secrets, cheap password hashing, logs in ``tmp_path``, a login throttle
that load does not trip) and removes the caller's own database, mail and auth settings;
``create_demo(mongo_url, smtp_conf)`` then builds and loads the app with its plugins
(log, cors, auth, and through auth mongo and smtp).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from clink_core import App

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "book_api"
ROOT_PWD = "root-secret-for-tests"
ROOT_EMAIL = "root@example.com"
JWT_KEY = "k" * 64 + "-reliability"
DB_NAME = "book_api"
#: Cheaper password hashing (the same parameters as the demo's e2e tests).
FAST_ARGON2 = {
    "CLINK_AUTH_ARGON2_TIME_COST": "1",
    "CLINK_AUTH_ARGON2_MEMORY_COST": "8192",
    "CLINK_AUTH_ARGON2_PARALLELISM": "1",
}


def demo_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The environment ``create_app`` reads, for a test."""
    for key in list(os.environ):
        if key.startswith(("CLINK_MONGO_", "CLINK_SMTP_", "CLINK_AUTH_", "CLINK_LOG_",
                           "CLINK_CORS_", "CLINK_PLUGINS")):
            monkeypatch.delenv(key)
    values = {
        "CLINK_AUTH_ROOT_PWD": ROOT_PWD,
        "CLINK_AUTH_ROOT_EMAIL": ROOT_EMAIL,
        "CLINK_AUTH_ROOT_EMAIL_SERVER": "127.0.0.1",
        "CLINK_AUTH_SMTP_SECURITY": "none",
        "CLINK_AUTH_JWT_KEY": JWT_KEY,
        # the load logs in from one address many times a second: far from these limits
        "CLINK_AUTH_LOGIN_CLIENT_MAX_CHECKS": "1000000",
        "CLINK_AUTH_LOGIN_CLIENT_MAX_FAILS": "1000000",
        "CLINK_LOG_DIR": str(tmp_path / "logs"),
        "CLINK_CORS_ORIGINS": "https://app.example.com",
        **FAST_ARGON2,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def _demo_module() -> Any:
    """``examples/book_api/app.py``, imported once as ``book_api_app``."""
    module = sys.modules.get("book_api_app")
    if module is None:
        if str(DEMO) not in sys.path:
            sys.path.insert(0, str(DEMO))  # app.py imports its sibling ``books``
        spec = importlib.util.spec_from_file_location("book_api_app", DEMO / "app.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["book_api_app"] = module
        spec.loader.exec_module(module)
    return module


def create_demo(mongo_url: str, smtp_conf: Any = None) -> App:
    """The demo app, loaded, on ``mongo_url`` (database ``book_api``)."""
    return _demo_module().create_app(mongo_url, smtp_conf)  # type: ignore[no-any-return]


def isbn(n: int) -> str:
    """A distinct ISBN-13 the demo's schema accepts."""
    return f"978{n:010d}"


def book(n: int) -> bytes:
    return json.dumps({"title": f"Book {n}", "author": "Load Test", "isbn": isbn(n),
                       "year": 2000}).encode()
