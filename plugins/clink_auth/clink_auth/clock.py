"""The time the auth services read: a primitive, so tests can move it instead of sleeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from clink_core import Primitive


class Clock(Primitive):
    """Unix time in seconds: ``clock()``. The plugin adds one unless the app has its own.

    Every expiry the auth services check (codes, tokens, login throttling)
    reads this clock, never ``time.time()`` directly.
    """

    def __call__(self) -> float:
        return time.time()

    def now_dt(self) -> datetime:
        """The current time as an aware UTC ``datetime`` (what MongoDB stores)."""
        return to_dt(self())


class FakeClock(Clock):
    """A clock that stands still until moved: ``advance(3600)`` instead of ``sleep(3600)``.

    Starts at the real time (so records it dates are in the real future and no
    TTL index removes them early), or at ``start``.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds``; returns the new time."""
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, now: float) -> None:
        """Set the clock to ``now`` (unix seconds)."""
        with self._lock:
            self._now = float(now)


def to_dt(unix: float) -> datetime:
    """Unix seconds as an aware UTC ``datetime`` at millisecond precision (BSON's)."""
    return datetime.fromtimestamp(int(unix * 1000) / 1000, tz=UTC)

