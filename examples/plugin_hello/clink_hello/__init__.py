"""A third-party Clink plugin, written the way Clink's own plugins are."""

from .plugin import HelloCtl, HelloHeaderHandler

__all__ = ["HelloCtl", "HelloHeaderHandler"]
