"""Errors of the application object."""


class AppStateError(RuntimeError):
    """An operation that does not fit the app's state (e.g. adding after ``load()``)."""
