"""The errors of clink-metrics."""

from __future__ import annotations

from clink_core.plugin import ConfError


class MetricsError(Exception):
    """Base class of clink-metrics' errors."""


class MetricsSetupError(MetricsError, ConfError):
    """The metrics cannot be kept or served as configured; the message says what to change.

    A ``ConfError``, so ``App.load()`` raises it as it is.
    """
