"""TemplateSv: ``$name`` text templates (``string.Template`` syntax) for mails and reports."""

from __future__ import annotations

import os
import re
from collections import ChainMap
from collections.abc import Mapping
from string import Template
from typing import Any

from clink_core import AppConf, Service, stamp

from .error import TemplateFileError, TemplateSyntaxError, TemplateValueError

# The pattern string.Template itself uses: $name, ${name}, $$ and invalid "$".
_PATTERN: re.Pattern[str] = Template.pattern


@stamp(AppConf)
class TemplateSv(Service):
    """Build text from templates with ``$name`` / ``${name}`` placeholders.

    The syntax is ``string.Template``'s: a name is ASCII letters, digits and
    ``_`` not starting with a digit; ``${name}`` sets it off from following
    text; ``$$`` is a literal ``$``. The application's details are default
    values (``$app_name``, ``$app_version``, ``$app_license``, ``$org_name``,
    ``$org_addr``); the values given to a build override them.
    """

    def __init__(self, app_conf: AppConf) -> None:
        self.defaults: dict[str, str] = {
            "app_name": app_conf.name,
            "app_version": str(app_conf.version),
            "app_license": app_conf.license,
            "org_name": app_conf.org_name,
            "org_addr": app_conf.org_addr,
        }

    def build_str(self, data: str, values: Mapping[str, Any] | None = None) -> str:
        """Return ``data`` with each placeholder replaced by its value (``str()`` of it).

        Raises ``TemplateValueError`` naming the placeholders without a value and
        ``TemplateSyntaxError`` for a ``$`` that starts no placeholder.
        """
        if not isinstance(data, str):
            raise TypeError(
                f"build_str() takes the template as str, got {type(data).__name__}"
                + ("; decode it first" if isinstance(data, (bytes, bytearray)) else "")
            )
        return self._render(data, self._values(values), None)

    def build_file(
        self, file_path: str | os.PathLike[str], values: Mapping[str, Any] | None = None
    ) -> str:
        """Read the UTF-8 template file ``file_path`` and build it like ``build_str``.

        A missing, unreadable or non-UTF-8 file raises ``TemplateFileError`` naming
        the path.
        """
        if not isinstance(file_path, (str, os.PathLike)):
            raise TypeError(
                f"build_file() takes the file path as str or os.PathLike, "
                f"got {type(file_path).__name__}"
            )
        mapping = self._values(values)
        path = os.fspath(file_path)
        if not isinstance(path, str):
            raise TypeError(f"build_file() takes a text path, got {type(path).__name__}")
        try:
            # utf-8-sig: a byte-order mark some editors write is not part of the text.
            with open(path, encoding="utf-8-sig") as f:
                data = f.read()
        except FileNotFoundError:
            raise TemplateFileError(path, "no such file") from None
        except IsADirectoryError:
            raise TemplateFileError(path, "is a directory, not a file") from None
        except PermissionError:
            raise TemplateFileError(path, "permission denied") from None
        except UnicodeDecodeError as e:
            reason = f"not UTF-8 text (bad byte at offset {e.start})"
            raise TemplateFileError(path, reason) from None
        except OSError as e:
            raise TemplateFileError(path, e.strerror or type(e).__name__) from None
        return self._render(data, mapping, path)

    def _values(self, values: Mapping[str, Any] | None) -> Mapping[str, Any]:
        if values is None:
            return self.defaults
        if not isinstance(values, Mapping):
            raise TypeError(f"template values must be a mapping, got {type(values).__name__}")
        return ChainMap(values, self.defaults)  # type: ignore[arg-type]

    @staticmethod
    def _render(data: str, mapping: Mapping[str, Any], source: str | None) -> str:
        missing: list[str] = []

        def convert(mo: re.Match[str]) -> str:
            name = mo.group("named") or mo.group("braced")
            if name is not None:
                try:
                    return str(mapping[name])
                except KeyError:
                    if name not in missing:
                        missing.append(name)
                    return ""
            if mo.group("escaped") is not None:
                return "$"
            i = mo.start()  # the "$" itself
            line = data.count("\n", 0, i) + 1
            col = i - (data.rfind("\n", 0, i) + 1) + 1
            raise TemplateSyntaxError(line, col, source)

        text = _PATTERN.sub(convert, data)
        if missing:
            raise TemplateValueError(missing)
        return text
