"""Resolving ``module:app`` arguments."""

from __future__ import annotations

import importlib
import os
import sys

from ..app.app import App


class TargetError(Exception):
    """A ``module:app`` argument that does not name an App."""


def load_target(spec: str) -> App:
    """Import ``module:attr`` (from the current directory too) and return the App."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise TargetError(f"expected MODULE:APP (e.g. myapi.main:app), got {spec!r}")
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            raise TargetError(
                f"no module named {module_name!r} (searched {cwd} and sys.path)"
            ) from e
        raise TargetError(f"cannot import module {module_name!r}: {e}") from e
    except Exception as e:
        raise TargetError(f"cannot import module {module_name!r}: {type(e).__name__}: {e}") from e
    try:
        app = getattr(module, attr)
    except AttributeError:
        raise TargetError(f"module {module_name!r} has no attribute {attr!r}") from None
    if not isinstance(app, App):
        raise TargetError(f"{spec} is a {type(app).__name__}, not a clink_core.App")
    return app
