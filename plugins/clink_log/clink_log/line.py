"""Log lines: records rendered in batches, redacted query strings.

Handlers queue plain tuples (records); ``LogFile`` renders a batch of them
when it writes. Every line is ASCII: text that could break a line or a
terminal (spaces, quotes, control and non-ASCII characters) is written as a
JSON string literal (``"/a b\\u00e9"``), so a line is always one event and a
log viewer shows nothing a client chose to hide.

Request record: ``(end, start, request_id, remote_addr, method, path, query,
status)`` with ``end``/``start`` from ``time.perf_counter()`` (``start`` is
``None`` when unknown) and ``query`` the raw query string or ``None``. Error
record: ``(time, request_id, method, path, status, error, message,
traceback)`` with a ``time.time()`` and ``traceback`` ``None`` for 4xx.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from json.encoder import encode_basestring_ascii
from typing import Any
from urllib.parse import parse_qsl, urlencode

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


def _text_middle(addr: Any, method: Any, target: str, status: Any) -> str:
    return f" {token(addr)} {token(method)} {token(target)} {_STATUS.get(status) or token(status)} "


def _json_middle(addr: Any, method: Any, path: Any, query: str | None, status: Any) -> str:
    return (
        f',"remote_addr":{jstr(addr)},"method":{jstr(method)},"path":{jstr(path)},'
        f'"query":{jstr(query)},"status":{_STATUS.get(status) or _status(status)},'
        '"duration_us":'
    )


def request_renderer(format: str, pattern: re.Pattern[str] = _SECRET) -> Render:
    """The function that turns a batch of request records into lines of ``format``."""
    json = format == "json"

    def render(records: list[Any]) -> str:
        # PERF: one pass over the batch with locals only. Records carry
        # perf_counter() times, turned into wall-clock time with one offset per
        # batch; a timestamp is rebuilt only when the millisecond changes, and the
        # part between id and duration once per distinct (address, method, path,
        # query, status) in the batch.
        offset = time.time() - time.perf_counter()
        out: list[str] = []
        append = out.append
        last_ms = last_sec = -1
        second = at = ""
        middles: dict[tuple[Any, ...], str] = {}
        for end, start, rid, addr, method, path, query, status in records:
            ms = int((end + offset) * 1000)
            if ms != last_ms:
                sec = ms // 1000
                if sec != last_sec:
                    second = _strftime("%Y-%m-%dT%H:%M:%S", _gmtime(sec))
                    last_sec = sec
                at = second + _MILLIS[ms - sec * 1000]
                last_ms = ms
            key = (addr, method, path, query, status)
            middle = middles.get(key)
            if middle is None:
                if query:
                    query = redact_query(query, pattern)
                if json:
                    middle = _json_middle(addr, method, path, query or None, status)
                else:
                    target = f"{path}?{query}" if query else path
                    middle = _text_middle(addr, method, target, status)
                middles[key] = middle
            if start is None:
                append(
                    f'{{"time":"{at}","request_id":"{rid}"{middle}null}}\n' if json
                    else f"{at} {rid}{middle}-\n"
                )
            elif json:
                us = int((end - start) * 1e6)
                append(f'{{"time":"{at}","request_id":"{rid}"{middle}{us}}}\n')
            else:
                append(f"{at} {rid}{middle}{int((end - start) * 1e6)}us\n")
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


def error_renderer(format: str) -> Render:
    """The function that turns a batch of error records into lines of ``format``."""
    json = format == "json"

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
                append(f'{{"time":"{at}","request_id":"{rid}"{middle}{trace}}}\n')
            else:
                trace = "" if tb is None else f" {quote(tb)}"
                append(f"{at} {rid}{middle}{trace}\n")
        return "".join(out)

    return render
