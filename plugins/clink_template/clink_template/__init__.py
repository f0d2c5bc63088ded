"""``TemplateSv``: ``$name`` text templates with the app's details as defaults.

A service library, not a pipeline plugin: it implements no hook, so there is
nothing to enable; any component that names ``TemplateSv`` in ``@stamp`` gets it.
"""

from .error import TemplateError, TemplateFileError, TemplateSyntaxError, TemplateValueError
from .service import TemplateSv

__all__ = [
    "TemplateError",
    "TemplateFileError",
    "TemplateSv",
    "TemplateSyntaxError",
    "TemplateValueError",
]
