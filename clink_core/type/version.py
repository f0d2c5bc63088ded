"""Strict three-part versions."""

from __future__ import annotations

from functools import total_ordering


@total_ordering
class Version:
    """A version ``major.minor.rev`` of non-negative integers; ``str()`` gives ``0.1.0``."""

    __slots__ = ("major", "minor", "rev")

    def __init__(self, major: int, minor: int, rev: int) -> None:
        for label, part in (("major", major), ("minor", minor), ("rev", rev)):
            if not isinstance(part, int) or isinstance(part, bool) or part < 0:
                raise ValueError(f"Version {label} must be an integer >= 0, got {part!r}")
        self.major = major
        self.minor = minor
        self.rev = rev

    @classmethod
    def parse(cls, text: str) -> Version:
        """Read ``"1.2.3"``; anything else raises ``ValueError``."""
        parts = text.strip().split(".") if isinstance(text, str) else []
        if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
            raise ValueError(f"a version is three numbers like 1.2.3, got {text!r}")
        return cls(int(parts[0]), int(parts[1]), int(parts[2]))

    def _key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.rev)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.rev}"

    def __repr__(self) -> str:
        return f"Version({self.major}, {self.minor}, {self.rev})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())
