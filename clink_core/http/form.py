"""``multipart/form-data`` request bodies, parsed by werkzeug's ``MultipartDecoder``.

The body is read from the WSGI input in blocks, never whole: a body larger
than ``AppConf.max_body`` (also one sent chunked, without Content-Length), a
file part larger than ``FormConf.max_part``, a text field larger than
``FormConf.max_field`` or more than ``FormConf.max_parts`` parts is refused
with 413 as soon as it is seen. Files are spooled to a temporary file past
``FormConf.spool_after`` bytes. A malformed body is a 400 naming the problem.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Mapping
from typing import IO, TYPE_CHECKING, Any, TypeVar

from ..codec.error import FormBodyError
from ..com.label import read_stamp, write_stamp
from ..com.type import Primitive
from ..error.http import Http400Error, Http413Error, Http415Error
from ..type.error import ConfError
from .body import read_input

if TYPE_CHECKING:
    from werkzeug.sansio.multipart import Field, File

#: bytes read from the WSGI input at a time.
BLOCK_SIZE = 64 * 1024
UPLOADS_KEY = "uploads"
F = TypeVar("F", bound=Callable[..., Any])


class MultipartBodyError(FormBodyError):
    """A ``multipart/form-data`` body that cannot be parsed (answered 400)."""


class FormLimitError(Http413Error):  # type: ignore[misc,valid-type]
    """A form body, part or field over its limit, or too many parts (answered 413)."""


class UploadSpecError(ValueError):
    """``@upload`` given a name or media types it cannot use."""


class FormFileError(Http400Error):  # type: ignore[misc,valid-type]
    """A declared file missing from the form, or sent more often than declared (400)."""


class FormFileTypeError(Http415Error):  # type: ignore[misc,valid-type]
    """A declared file whose content type is not one the route takes (415)."""


class UploadSpec:
    """One file field a multipart route declares with ``@upload``."""

    __slots__ = ("description", "media_types", "multiple", "name", "required")

    def __init__(self, name: str, required: bool, multiple: bool,
                 media_types: tuple[str, ...], description: str | None) -> None:
        self.name = name
        self.required = required
        self.multiple = multiple
        self.media_types = media_types
        self.description = description

    def check(self, files: dict[str, list[UploadFile]]) -> None:
        """Raise ``FormFileError`` / ``FormFileTypeError`` unless ``files`` hold this field
        as declared."""
        sent = files.get(self.name, ())
        if not sent:
            if self.required:
                raise FormFileError(f"form file {self.name!r} is required")
            return
        if len(sent) > 1 and not self.multiple:
            raise FormFileError(
                f"form file {self.name!r} is sent {len(sent)} times; one is expected"
            )
        if self.media_types:
            for upload_file in sent:
                media = upload_file.content_type.partition(";")[0].strip().lower()
                if not any(_matches(media, allowed) for allowed in self.media_types):
                    raise FormFileTypeError(
                        f"form file {self.name!r} is {media}; expected "
                        f"{', '.join(self.media_types)}"
                    )


def _matches(media: str, allowed: str) -> bool:
    if allowed.endswith("/*"):
        return media.startswith(allowed[:-1])
    return media == allowed


def upload(
    name: str,
    *,
    required: bool = True,
    multiple: bool = False,
    media_types: tuple[str, ...] | list[str] = (),
    description: str | None = None,
) -> Callable[[F], F]:
    """Declare a file field of a ``multipart/form-data`` route (stack one per field).

    The kernel checks it before the handler runs: a missing ``required`` file, or
    several under one name without ``multiple``, is a 400 naming it; a content type
    outside ``media_types`` (``"image/png"``, ``"image/*"``) a 415. OpenAPI
    documents it as a binary string property of the form (an array with ``multiple``).
    """
    if not isinstance(name, str) or not name:
        raise UploadSpecError(f"@upload takes the form field's name, got {name!r}")
    types = tuple(media_types)
    for media in types:
        if not isinstance(media, str) or media.count("/") != 1 or ";" in media:
            raise UploadSpecError(
                f"@upload({name!r}): media types look like 'image/png' or 'image/*', "
                f"got {media!r}"
            )
    spec = UploadSpec(name, required, multiple, tuple(t.lower() for t in types), description)

    def decorate(func: F) -> F:
        earlier = read_stamp(func, UPLOADS_KEY) or ()
        if any(s.name == name for s in earlier):
            raise UploadSpecError(f"@upload({name!r}) is declared twice on {func.__qualname__}")
        # Decorators apply bottom-up: put this one first so the order is the source's.
        write_stamp(func, UPLOADS_KEY, (spec, *earlier))
        return func

    return decorate


def uploads_of(handle: Any) -> tuple[UploadSpec, ...]:
    """The files a route's handler declares with ``@upload``."""
    return read_stamp(getattr(handle, "__func__", handle), UPLOADS_KEY) or ()


class FormConf(Primitive):
    """Limits of ``multipart/form-data`` bodies (``app.add_prim(FormConf(...))``).

    ``max_part``: bytes of one file part (``None``: only ``AppConf.max_body``
    bounds it); ``max_field``: bytes of one text field, held in memory;
    ``max_parts``: parts in one body; ``spool_after``: bytes of a file kept in
    memory before it moves to a temporary file.
    """

    def __init__(
        self,
        *,
        max_part: int | None = None,
        max_field: int = 64 * 1024,
        max_parts: int = 1000,
        spool_after: int = 512 * 1024,
    ) -> None:
        for name, value in (
            ("max_part", max_part), ("max_field", max_field), ("max_parts", max_parts),
            ("spool_after", spool_after),
        ):
            if value is None and name == "max_part":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfError(f"FormConf {name} must be an integer >= 0, got {value!r}")
        self.max_part = max_part
        self.max_field = max_field
        self.max_parts = max_parts
        self.spool_after = spool_after

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FormConf:
        """Build from ``CLINK_FORM_MAX_PART``, ``CLINK_FORM_MAX_FIELD``,
        ``CLINK_FORM_MAX_PARTS`` and ``CLINK_FORM_SPOOL_AFTER`` (bytes or counts)."""
        env = os.environ if env is None else env
        values: dict[str, int] = {}
        for name in ("max_part", "max_field", "max_parts", "spool_after"):
            key = f"CLINK_FORM_{name.upper()}"
            raw = env.get(key)
            if raw is None or not raw.strip():
                continue
            try:
                values[name] = int(raw)
            except ValueError:
                raise ConfError(f"{key} must be a whole number, got {raw!r}") from None
        return cls(**values)


class UploadFile:
    """A file part of a form: ``name`` (the form field), ``filename`` (as the client sent
    it: never use it as a path as it is), ``content_type``, ``size`` in bytes, ``stream``
    (a binary file, at position 0; in memory or a temporary file deleted on close)."""

    __slots__ = ("content_type", "filename", "headers", "name", "size", "stream")

    def __init__(
        self, name: str, filename: str, content_type: str, size: int, stream: IO[bytes],
        headers: dict[str, str],
    ) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.size = size
        self.stream = stream
        #: the part's own headers, names lower-case.
        self.headers = headers

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Copy the content to ``path`` (from the start)."""
        import shutil  # PERF: imported when first used, not with clink_core

        self.stream.seek(0)
        with open(path, "wb") as out:
            shutil.copyfileobj(self.stream, out)

    def close(self) -> None:
        self.stream.close()

    def __repr__(self) -> str:
        return f"<UploadFile {self.name!r} {self.filename!r} {self.content_type} {self.size} B>"


def _blocks(
    stream: Any, length: int, terminated: bool, max_body: int
) -> Generator[bytes | None, None, None]:
    """The body in blocks, then ``None``: ``length`` bytes (400 if fewer arrive), or
    for a chunked body (``terminated``) up to the end, 413 past ``max_body``."""
    if length:
        left = length
        while left > 0:
            data = read_input(stream, min(BLOCK_SIZE, left)) if stream is not None else b""
            if not data:
                raise Http400Error(
                    f"request body ended after {length - left} of the {length} bytes "
                    "announced by Content-Length"
                )
            left -= len(data)
            yield data
    elif terminated and stream is not None:
        total = 0
        while data := read_input(stream, BLOCK_SIZE):
            total += len(data)
            if total > max_body:
                raise FormLimitError(f"request body is larger than {max_body} bytes")
            yield data
    yield None


_MALFORMED = "malformed multipart/form-data body"


def parse_multipart(
    env: dict[str, Any], length: int, max_body: int, conf: FormConf
) -> tuple[dict[str, list[str]], dict[str, list[UploadFile]]]:
    """The text fields and files of the request's ``multipart/form-data`` body."""
    # PERF: werkzeug (the whole package, ~50 ms) and tempfile are imported by the first
    # multipart request, not with clink_core.
    import tempfile

    from werkzeug.exceptions import RequestEntityTooLarge
    from werkzeug.http import parse_options_header
    from werkzeug.sansio.multipart import (
        Data,
        Epilogue,
        Field,
        File,
        MultipartDecoder,
        NeedData,
    )

    _, options = parse_options_header(env.get("CONTENT_TYPE"))
    boundary = options.get("boundary", "")
    if not boundary or len(boundary) > 70 or not boundary.isascii():
        raise MultipartBodyError(
            f"{_MALFORMED}: Content-Type needs a boundary parameter of 1 to 70 ASCII characters"
        )
    decoder = MultipartDecoder(
        boundary.encode("ascii"),
        # bounds what the decoder buffers: a part's headers (a block arrives at a time)
        max_form_memory_size=max(conf.max_field, 16 * 1024) + BLOCK_SIZE,
        max_parts=conf.max_parts,
    )
    fields: dict[str, list[str]] = {}
    files: dict[str, list[UploadFile]] = {}
    part: Field | File | None = None
    chunks: list[bytes] = []
    spool: Any = None
    size = parts = 0
    max_part = conf.max_part if conf.max_part is not None else max_body
    blocks = _blocks(
        env.get("wsgi.input"), length, bool(env.get("wsgi.input_terminated")), max_body
    )
    received = 0
    try:
        for data in blocks:
            if data is not None:
                received += len(data)
            decoder.receive_data(data)
            event = decoder.next_event()
            while not isinstance(event, (Epilogue, NeedData)):
                if isinstance(event, (Field, File)):
                    part, size, chunks = event, 0, []
                    parts += 1
                    if not event.name:
                        raise MultipartBodyError(
                            f"{_MALFORMED}: part {parts} has no name in its Content-Disposition"
                        )
                    if isinstance(event, File):
                        spool = tempfile.SpooledTemporaryFile(max_size=conf.spool_after)  # noqa: SIM115
                elif isinstance(event, Data) and part is not None:
                    size += len(event.data)
                    if isinstance(part, File):
                        if size > max_part:
                            spool.close()
                            raise FormLimitError(
                                f"file part {part.name!r} is larger than {max_part} bytes"
                            )
                        spool.write(event.data)
                    else:
                        if size > conf.max_field:
                            raise FormLimitError(
                                f"form field {part.name!r} is larger than {conf.max_field} bytes"
                            )
                        chunks.append(event.data)
                    if not event.more_data:
                        _finish(part, isinstance(part, File), chunks, spool, size, fields, files)
                        part, spool = None, None
                event = decoder.next_event()
    except RequestEntityTooLarge:
        raise FormLimitError(
            f"multipart body has more than {conf.max_parts} parts or a part's headers are "
            "too large"
        ) from None
    except ValueError as e:  # werkzeug's decoder: missing headers, an early end, bad UTF-8
        why = _explain(e) if received else (
            f"the body is empty (a form without fields is '--{boundary}--')"
        )
        raise MultipartBodyError(f"{_MALFORMED}: {why}") from None
    finally:
        blocks.close()
    return fields, files


def _explain(e: ValueError) -> str:
    text = str(e)
    if "cannot parse beyond" in text:
        return "the body ended before its closing boundary"
    if isinstance(e, UnicodeDecodeError):
        return "part headers are not valid UTF-8"
    return text[:200]


def _finish(
    part: Field | File,
    is_file: bool,
    chunks: list[bytes],
    spool: Any,
    size: int,
    fields: dict[str, list[str]],
    files: dict[str, list[UploadFile]],
) -> None:
    headers = {k.lower(): v for k, v in part.headers.items()}
    if is_file:
        spool.seek(0)
        content_type = headers.get("content-type") or "application/octet-stream"
        filename: str = part.filename  # type: ignore[union-attr]
        upload = UploadFile(part.name, filename, content_type, size, spool, headers)
        files.setdefault(part.name, []).append(upload)
        return
    try:
        value = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise MultipartBodyError(f"form field {part.name!r} is not valid UTF-8") from None
    fields.setdefault(part.name, []).append(value)
