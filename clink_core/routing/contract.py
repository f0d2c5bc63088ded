"""A route's contract, enforced: what ``mapper.query``, ``mapper.body`` and
``mapper.response`` declared on its handler, checked around every call.

Built once per route when the router adds it; a route that declares nothing
keeps its handler as it is (no wrapper, no cost).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from ..dflow.error import FormatError
from ..dflow.schema import CompiledSchema
from .mapper import route_doc
from .model import ModelDecoder, is_model, require_msgspec
from .query import QueryContract

logger = logging.getLogger("clink.error")


class ResponseContractError(RuntimeError):
    """A handler answered with a body its ``@mapper.response`` schema refuses (a 500).

    Raised only when response checking is on (``AppConf(check_responses=True)``,
    ``CLINK_CHECK_RESPONSES=1``, the test client): the API drifted from its contract.
    """

    def __init__(self, route: str, status: int, error: FormatError) -> None:
        self.route = route
        self.status = status
        self.error = error
        super().__init__(
            f"{route} answered {status} with a body that breaks its declared schema: "
            f"{error.pointer or '(root)'} {error.detail} (rule {error.rule!r})"
        )


def body_checker(
    schema: Any, where: str, *, allow_control: bool = False
) -> Callable[[str, Any], Any]:
    """``check(name, body) -> body``: a schema validates (and returns the body as it
    is), a model decodes (and returns the instance). ``allow_control``: a response
    built from stored data may hold control characters a request may not."""
    if is_model(schema):
        return ModelDecoder(schema, where)
    compiled = CompiledSchema(schema, allow_control=allow_control)

    def check(name: str, body: Any) -> Any:
        compiled.check(name, body)
        return body

    return check


def _response_checks(
    responses: dict[Any, tuple[Any, str | None, Any]], where: str
) -> dict[int, Callable[[str, Any], Any]]:
    checks = {}
    for status, (schema, _, _) in responses.items():
        if isinstance(status, int) and schema is not None:
            if is_model(schema):
                require_msgspec(schema, where)
                checks[status] = _model_response(schema)
            else:
                checks[status] = body_checker(schema, where, allow_control=True)
    return checks


def _model_response(model: type) -> Callable[[str, Any], Any]:
    decode = ModelDecoder(model, model.__qualname__)

    def check(name: str, body: Any) -> Any:
        if isinstance(body, model):
            return body
        return decode(name, body)

    return check


def decodes_raw_json(handle: Callable[..., Any]) -> bool:
    """Whether ``handle``'s checked body is a model, which decodes JSON bytes itself."""
    doc = route_doc(handle)
    return bool(doc["body_checked"]) and is_model(doc["body"])


def enforce(route: str, handle: Callable[..., Any], check_responses: bool) -> Callable[..., Any]:
    """``handle`` wrapped so its declared query arguments, body (and, when
    ``check_responses``, responses) are checked; ``handle`` itself if it declares none."""
    doc = route_doc(handle)
    query = QueryContract(doc["query"]) if doc["query"] else None
    body = doc["body"]
    check_body = body_checker(body, route) if body is not None and doc["body_checked"] else None
    responses = _response_checks(doc["responses"], route) if check_responses else {}
    if query is None and check_body is None and not responses:
        return handle

    @functools.wraps(handle)
    def checked(req: Any, res: Any) -> Any:
        if query is not None:
            query.apply(req)
        if check_body is not None:
            req.body = check_body("body", req.body)
        result = handle(req, res)
        if responses:
            check = responses.get(res.status)
            if check is not None:
                try:
                    check("response", res.body)
                except FormatError as e:
                    raise ResponseContractError(route, res.status, e) from None
        return result

    return checked
