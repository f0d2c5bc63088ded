"""The errors of clink-metrics."""

from __future__ import annotations


class MetricsError(Exception):
    """Base class of clink-metrics' errors."""


class MetricsSetupError(MetricsError):
    """The metrics cannot be kept or served as configured; the message says what to change."""
