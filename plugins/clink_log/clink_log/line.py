"""Log lines: records rendered in batches, redacted query strings.

Handlers queue plain tuples (records); ``LogFile`` renders a batch of them
when it writes. Every line is ASCII: text that could break a line or a
terminal (spaces, quotes, control and non-ASCII characters) is written as a
JSON string literal (``"/a b\\u00e9"``), so a line is always one event and a
log viewer shows nothing a client chose to hide.

Request record: ``(end, start, request_id, remote_addr, method, path, query,
status)`` with ``end``/``start`` from ``time.perf_counter()`` (``start`` is
``None`` when unknown), ``query`` the raw query string or ``None`` and
``status`` as the response had it (a status that is not an int is written as
its ``repr``). Error record: ``(time, request_id, method, path, status, error,
message, traceback)`` with a ``time.time()`` and ``traceback`` ``None`` for
4xx. A record holding something that cannot be formatted is written with
those fields replaced, never dropped with its batch.

``log`` names the log on every line (``"log":"request"`` in JSON, a second
token ``request`` in text) when both logs share one stream.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from json.encoder import encode_basestring_ascii
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .reqid import is_valid

#: ``quote(s)`` -> ``s`` as an ASCII JSON string literal, quotes included (C speed).
quote: Callable[[str], str] = encode_basestring_ascii

REDACTED = "[redacted]"
#: name fragments whose values are never logged (matched case-insensitively anywhere
#: in the name: ``user_password``, ``X-Api-Key``, ``access_token``, ``auth_code``...).
SECRET_NAMES: tuple[str, ...] = (
    "pass", "pwd", "secret", "token", "auth", "cookie", "session", "key", "code",
    "sig", "credential", "jwt", "csrf", "xsrf", "otp",
)

Render = Callable[[list[Any]], str]

#: ".000Z" ... ".999Z": the milliseconds of a timestamp, by index.
_MILLIS = tuple(f".{i:03d}Z" for i in range(1000))


def token(s: Any) -> str:
    """``s`` as one space-free token of a text line: as is when it is plain printable
    ASCII without spaces or quotes, else as a JSON string literal; ``None`` is ``-``."""
    if s is None:
        return "-"
    if s.__class__ is not str:
        s = str(s)
    if s and s.isascii() and s.isprintable() and " " not in s and '"' not in s:
        return s  # type: ignore[no-any-return]
    return quote(s)


def jstr(s: Any) -> str:
    """``s`` as a JSON value: a string literal, or ``null`` for ``None``."""
    if s is None:
        return "null"
    return quote(s if s.__class__ is str else str(s))


def secret_pattern(extra: Iterable[str] = ()) -> re.Pattern[str]:
    """A case-insensitive pattern finding any secret name fragment (built-in + ``extra``)."""
    fragments = sorted({*SECRET_NAMES, *extra}, key=len, reverse=True)
    return re.compile("|".join(re.escape(f) for f in fragments), re.IGNORECASE)


_SECRET = secret_pattern()


def redact_query(query: str, pattern: re.Pattern[str] = _SECRET) -> str:
    """``query`` with the value of every argument whose name looks secret replaced by
    ``[redacted]``: ``user=ann&password=x`` -> ``user=ann&password=[redacted]``."""
    # PERF: a query with no secret-looking fragment and no escapes is kept as is;
    # '%' sends it to the slow path so an encoded name (p%61ssword) is decoded first.
    if "%" not in query and pattern.search(query) is None:
        return query
    pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
    search = pattern.search
    return urlencode(
        [(name, REDACTED if search(name) else value) for name, value in pairs],
        safe="[]",
    )


#: status code -> its text, for the codes HTTP defines.
_STATUS = {code: str(code) for code in range(100, 600)}
_strftime = time.strftime
_gmtime = time.gmtime


def _status(status: Any) -> str:
    """A status as a JSON value: a number, or a string when it is not an int."""
    return str(status) if status.__class__ is int else quote(str(status))


def _safe(value: Any) -> str | None:
    """``value`` as a str (``None`` stays ``None``), whatever its type."""
    if value is None or value.__class__ is str:
        return value
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _safe_status(status: Any) -> int | str:
    if status.__class__ is int:
        return status
    try:
        return repr(status)
    except Exception:
        return f"<unprintable {type(status).__name__}>"


def _safe_request(record: Any) -> tuple[Any, ...]:
    """A request record whose every field the renderer can format."""
    try:
        end, start, rid, addr, method, path, query, status = record
    except Exception:
        end = start = rid = addr = method = path = query = status = None
    if end.__class__ is not float:
        end, start = time.perf_counter(), None
    if start.__class__ is not float:
        start = None
    if rid.__class__ is not str or not is_valid(rid):
        rid = "-"
    addr, method, path, query = map(_safe, (addr, method, path, query))
    return end, start, rid, addr, method, path, query, _safe_status(status)


def timestamp(seconds: float) -> str:
    """``seconds`` since the epoch as the logs write it: ``2026-11-23T21:57:30.223Z``."""
    ms = int(seconds * 1000)
    sec = ms // 1000
    return _strftime("%Y-%m-%dT%H:%M:%S", _gmtime(sec)) + _MILLIS[ms - sec * 1000]


def _tag(json: bool, log: str | None) -> str:
    if log is None:
        return ""
    return f',"log":"{log}"' if json else f" {log}"


def _text_middle(addr: Any, method: Any, target: str, status: Any) -> str:
    return f" {token(addr)} {token(method)} {token(target)} {_STATUS.get(status) or token(status)} "


def _json_middle(addr: Any, method: Any, path: Any, query: str | None, status: Any) -> str:
    return (
        f',"remote_addr":{jstr(addr)},"method":{jstr(method)},"path":{jstr(path)},'
        f'"query":{jstr(query)},"status":{_STATUS.get(status) or _status(status)},'
        '"duration_us":'
    )


def request_renderer(
    format: str, pattern: re.Pattern[str] = _SECRET, log: str | None = None
) -> Render:
    """The function that turns a batch of request records into lines of ``format``."""
    json = format == "json"
    tag = _tag(json, log)

    # %-templates of a line: time, id, middle and (when known) the duration
    if json:
        line = '{"time":"%s"' + tag + ',"request_id":"%s"%s%d}\n'
        untimed = '{"time":"%s"' + tag + ',"request_id":"%s"%snull}\n'
    else:
        line = "%s" + tag + " %s%s%dus\n"
        untimed = "%s" + tag + " %s%s-\n"

    def render(records: list[Any]) -> str:
        # PERF: one pass over the batch with locals only, and as little as possible
        # per record: its values go into one list, formatted at the end by a single
        # ``%`` (C) with the line template repeated. Records carry perf_counter()
        # times, turned into wall-clock time with one offset per batch; the
        # timestamp is rebuilt only when a record leaves the current millisecond,
        # and the part between id and duration once per distinct (address, method,
        # path, query, status) in the batch.
        offset = time.time() - time.perf_counter()
        out: list[str] = []
        args: list[Any] = []
        extend = args.extend
        lo = hi = 0.0  # perf_counter() times of the millisecond ``at`` shows
        last_sec = -1
        second = at = middle = ""
        last_key: tuple[Any, ...] | None = None
        middles: dict[tuple[Any, ...], str] = {}

        def flush_args() -> None:  # rare: before a line that is not the template's
            if args:
                out.append(line * (len(args) // 4) % tuple(args))
                args.clear()

        for record in records:
            try:
                end, start, rid, addr, method, path, query, status = record
                if not lo <= end < hi:
                    ms = int((end + offset) * 1000)
                    sec = ms // 1000
                    if sec != last_sec:
                        second = _strftime("%Y-%m-%dT%H:%M:%S", _gmtime(sec))
                        last_sec = sec
                    at = second + _MILLIS[ms - sec * 1000]
                    lo = ms / 1000 - offset
                    hi = (ms + 1) / 1000 - offset
                key = (addr, method, path, query, status)
                if key != last_key:
                    middle = middles.get(key)  # type: ignore[assignment]
                    if middle is None:
                        if status.__class__ is not int:
                            status = _safe_status(status)
                        if query:
                            query = redact_query(query, pattern)
                        if json:
                            middle = _json_middle(addr, method, path, query or None, status)
                        else:
                            target = f"{path}?{query}" if query else path
                            middle = _text_middle(addr, method, target, status)
                        middles[key] = middle
                    last_key = key
                if start is None:
                    flush_args()
                    out.append(untimed % (at, rid, middle))
                else:
                    extend((at, rid, middle, (end - start) * 1e6))
            except Exception:  # something odd in the record: written with safe values
                flush_args()
                out.append(render([_safe_request(record)]))
                last_key = None
        flush_args()
        return "".join(out)

    return render


def _error_middle(
    json: bool, method: Any, path: Any, status: Any, error: Any, message: Any
) -> str:
    if json:
        return (
            f',"method":{jstr(method)},"path":{jstr(path)},'
            f'"status":{_STATUS.get(status) or _status(status)},"error":{jstr(error)},'
            f'"message":{jstr(message)}'
        )
    return (
        f" {token(method)} {token(path)} {_STATUS.get(status) or token(status)} "
        f"{token(error)} {quote(message)}"
    )


def error_renderer(format: str, log: str | None = None) -> Render:
    """The function that turns a batch of error records into lines of ``format``."""
    json = format == "json"
    tag = _tag(json, log)

    def render(records: list[Any]) -> str:
        # PERF: as for request lines: the second's text once per second, the
        # method-to-message part once per distinct error in the batch (a scan
        # of 404s costs one formatting per path).
        out: list[str] = []
        append = out.append
        last_sec = -1
        second = ""
        middles: dict[tuple[Any, ...], str] = {}
        for now, rid, method, path, status, error, message, tb in records:
            ms = int(now * 1000)
            sec = ms // 1000
            if sec != last_sec:
                second = _strftime("%Y-%m-%dT%H:%M:%S", _gmtime(sec))
                last_sec = sec
            at = second + _MILLIS[ms - sec * 1000]
            key = (method, path, status, error, message)
            middle = middles.get(key)
            if middle is None:
                middle = middles[key] = _error_middle(json, method, path, status, error, message)
            if json:
                trace = "" if tb is None else f',"traceback":{quote(tb)}'
                append(f'{{"time":"{at}"{tag},"request_id":"{rid}"{middle}{trace}}}\n')
            else:
                trace = "" if tb is None else f" {quote(tb)}"
                append(f"{at}{tag} {rid}{middle}{trace}\n")
        return "".join(out)

    return render


def dropped_renderer(format: str, log: str | None = None) -> Callable[[int], str]:
    """The function that makes the line saying ``n`` records were dropped:
    ``<time> - dropped 37 records`` or ``{"time":...,"dropped":37}``."""
    json = format == "json"
    tag = _tag(json, log)

    def render_dropped(n: int) -> str:
        at = timestamp(time.time())
        if json:
            return f'{{"time":"{at}"{tag},"dropped":{n}}}\n'
        return f"{at}{tag} - dropped {n} records\n"

    return render_dropped
