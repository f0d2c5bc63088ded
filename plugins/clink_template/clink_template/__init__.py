"""Clink plugin: ``TemplateSv``, ``$name`` text templates with the app's details as defaults."""

from . import plugin
from .error import TemplateError, TemplateFileError, TemplateSyntaxError, TemplateValueError
from .service import TemplateSv

__all__ = [
    "TemplateError",
    "TemplateFileError",
    "TemplateSv",
    "TemplateSyntaxError",
    "TemplateValueError",
    "plugin",
]
