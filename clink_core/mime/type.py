"""Short names for common media types."""

MIME_JSON = "application/json"
MIME_PLAINTEXT = "text/plain"
MIME_URL_ENCODE = "application/x-www-form-urlencoded"
MIME_MULTIPART_FORM = "multipart/form-data"
MIME_HTML = "text/html"
MIME_CSS = "text/css"
MIME_CSV = "text/csv"
MIME_JAVASCRIPT = "text/javascript"
MIME_XML = "application/xml"
MIME_PROBLEM_JSON = "application/problem+json"
MIME_OCTET_STREAM = "application/octet-stream"
MIME_PDF = "application/pdf"
MIME_PNG = "image/png"
MIME_JPEG = "image/jpeg"
MIME_GIF = "image/gif"
MIME_SVG = "image/svg+xml"
MIME_EVENT_STREAM = "text/event-stream"

__all__ = [
    "MIME_CSS",
    "MIME_CSV",
    "MIME_EVENT_STREAM",
    "MIME_GIF",
    "MIME_HTML",
    "MIME_JAVASCRIPT",
    "MIME_JPEG",
    "MIME_JSON",
    "MIME_MULTIPART_FORM",
    "MIME_OCTET_STREAM",
    "MIME_PDF",
    "MIME_PLAINTEXT",
    "MIME_PNG",
    "MIME_PROBLEM_JSON",
    "MIME_SVG",
    "MIME_URL_ENCODE",
    "MIME_XML",
]
