"""Errors of configuration objects."""


class ConfError(ValueError):
    """A configuration value is missing or malformed; the message names it."""
