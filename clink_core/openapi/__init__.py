"""OpenAPI 3.1 for every app: the document from the routes, and an offline docs page."""

from .document import ERROR_SCHEMA, build_document
from .serve import document_bytes, openapi_routes

__all__ = ["ERROR_SCHEMA", "build_document", "document_bytes", "openapi_routes"]
