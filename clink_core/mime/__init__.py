"""MIME names (``clink_core.mime.type``) and media-type parsing."""

from . import type
from .type import MIME_JSON, MIME_PLAINTEXT, MIME_URL_ENCODE


def media_type(content_type: str | None) -> str | None:
    """Return the media type of a Content-Type value, lower-case, without parameters."""
    if not content_type:
        return None
    return content_type.partition(";")[0].strip().lower() or None


__all__ = ["MIME_JSON", "MIME_PLAINTEXT", "MIME_URL_ENCODE", "media_type", "type"]
